"""The conversation model: learnt from labelled conversations, read one message at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.tracker_store import is_id
from bot.understanding.assess import (
    CONVERSATION_THRESHOLD,
    URGENT_THRESHOLD,
    VETO_THRESHOLD,
    Turn,
    assess,
    encode_contributions,
    leaning,
)
from bot.understanding.category_model import URGENT, CategoryModelError, ConversationModel

MISSING = [
    ["she didn't come home last night", "her phone is off"],
    ["he's been gone since friday", "no one knows where he is"],
    ["my daughter stayed out all night again", "police found her in another town"],
    ["he ran away from the care home", "missing for two days now"],
]
NOTHING = [
    ["she's doing well at school", "she loves netball"],
    ["he plays football on saturdays", "his grades are fine"],
    ["my son is moody but he talks to me", "he's at home most nights"],
    ["she has a part time job at the bakery", "I've seen her payslips"],
]


@pytest.fixture(scope="module")
def model() -> ConversationModel:
    conversations = MISSING + NOTHING
    labels = [["missing", URGENT]] * len(MISSING) + [[]] * len(NOTHING)
    return ConversationModel.train(conversations, labels, C=10.0)


def test_the_model_learns_a_category_and_urgency_from_whole_conversations(model: ConversationModel) -> None:
    gone = model.contributions("she's been missing since last night")
    fine = model.contributions("she loves netball and school")
    assert gone["missing"] > fine["missing"]
    assert gone[URGENT] > fine[URGENT]
    # Only categories with labelled and unlabelled conversations are learnt.
    assert set(model.weights) == {"missing", URGENT}


def test_a_conversation_scores_as_the_sum_of_its_messages(model: ConversationModel) -> None:
    """Raw TF-IDF features add up, so the messages' shares make the whole's score."""
    first, second = "she didn't come home", "her phone is off"
    row = model.pipeline.transform([first])
    one = model.contributions(first)["missing"]
    assert one == pytest.approx(float((row @ model.weights["missing"])[0]))
    two = model.contributions(second)["missing"]
    both = model.pipeline.transform([first]) + model.pipeline.transform([second])
    assert one + two == pytest.approx(float((both @ model.weights["missing"])[0]))


def test_training_needs_known_labels_and_both_kinds() -> None:
    with pytest.raises(CategoryModelError, match="unknown"):
        ConversationModel.train([["x y"]], [["county_lines"]])
    with pytest.raises(CategoryModelError):
        ConversationModel.train([["she is fine"], ["he is fine"]], [[], []])
    with pytest.raises(CategoryModelError):
        ConversationModel.train([], [])


def test_shares_travel_as_ids_the_redacting_store_keeps() -> None:
    values = encode_contributions(
        {"missing": 1.234, URGENT: -0.5, "trafficking": 0.001}, {"missing": -2.0, URGENT: 1.0}
    )
    assert all(is_id(v) for v in values)
    assert "lean:missing:p123" in values and "lean:urgent:m50" in values
    assert not any(v.startswith("lean:trafficking") for v in values)  # too small to keep
    scores, pushes = leaning(values)
    assert scores == pytest.approx({"missing": -2.0 + 1.23, URGENT: 1.0 - 0.5})
    assert pushes == pytest.approx({"missing": 1.23, URGENT: -0.5})


def _lean_turn(scores: dict[str, float], base: dict[str, float], signs: tuple[str, ...] = ()) -> Turn:
    return Turn(intent="describe_concern", signs=signs, evidence=tuple(encode_contributions(scores, base)))


def test_the_whole_conversation_names_a_category_no_single_message_does() -> None:
    base = {"missing": -3.0}
    first = _lean_turn({"missing": 2.0}, base, signs=("second_phone",))
    second = _lean_turn({"missing": 2.0}, base)
    assert "missing" not in assess([first]).categories  # -1.0
    assert "missing" in assess([first, second]).categories  # 1.0
    assert -3.0 + 4.0 >= CONVERSATION_THRESHOLD > -3.0 + 2.0


def test_an_everyday_explanation_answers_what_the_model_read_into_the_signs() -> None:
    base = {"criminal_exploitation": 0.0}
    worry = _lean_turn({"criminal_exploitation": 2.0}, base, signs=("unexplained_money",))
    explained = Turn(intent="inform", flags=("explained",), evidence=())
    assert "criminal_exploitation" in assess([worry]).categories
    assert "criminal_exploitation" not in assess([worry, explained]).categories


def test_words_that_push_clearly_away_overrule_a_sign_but_few_words_do_not() -> None:
    base = {"sexual_exploitation": -5.0}
    firm = ("firm:sexual_exploitation",)
    short = Turn(
        intent="describe_concern",
        signs=("sexual_images",),
        evidence=firm + tuple(encode_contributions({"sexual_exploitation": -0.3}, base)),
    )
    assert "sexual_exploitation" in assess([short]).categories  # the intercept alone never overrules
    away = Turn(
        intent="describe_concern",
        signs=("sexual_images",),
        evidence=firm + tuple(encode_contributions({"sexual_exploitation": VETO_THRESHOLD - 0.5}, base)),
    )
    result = assess([away])
    assert "sexual_exploitation" not in result.categories
    assert result.signs == ("sexual_images",)


def test_the_model_makes_a_concern_urgent_but_never_a_question() -> None:
    base = {URGENT: 0.0}
    concern = _lean_turn({URGENT: URGENT_THRESHOLD + 0.2}, base, signs=("controlling_partner",))
    assert assess([concern]).urgency == "urgent"
    calm = _lean_turn({URGENT: URGENT_THRESHOLD - 0.5}, base, signs=("controlling_partner",))
    assert assess([calm]).urgency == "concern"
    question = Turn(intent="ask_information", evidence=tuple(encode_contributions({URGENT: 5.0}, base)))
    assert assess([question]).urgency == "information"


def test_the_labelled_conversations_train_the_model() -> None:
    from bot.nlu_component import CONVERSATIONS, labelled_conversations

    conversations, labels = labelled_conversations(Path(CONVERSATIONS))
    assert len(conversations) == len(labels) >= 900
    assert all(len(messages) >= 4 for messages in conversations)
    assert sum(URGENT in row for row in labels) > 100


def test_a_changed_conversations_file_retrains_the_component(tmp_path: Path) -> None:
    """Rasa reuses a cached component unless its fingerprint changes."""
    from bot.nlu_component import HothAnnotator

    path = tmp_path / "conversations.yml"
    path.write_text("- id: a\n  opening: one\n  expect: {categories: []}\n")
    before = HothAnnotator.fingerprint_addon({"conversations": str(path)})
    assert before == HothAnnotator.fingerprint_addon({"conversations": str(path)})
    path.write_text("- id: a\n  opening: two\n  expect: {categories: []}\n")
    assert HothAnnotator.fingerprint_addon({"conversations": str(path)}) != before
