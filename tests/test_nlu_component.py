"""HothAnnotator: entities are ids only, and safety decides the intent."""

from __future__ import annotations

import pytest

from bot.nlu_component import decide_intent, entities_for
from bot.understanding.analyse import analyse


@pytest.mark.parametrize(
    "text, classifier, expected",
    [
        # Danger now wins over any classifier guess.
        ("theyve got a knife and wont let me leave", "greet", "emergency"),
        ("im at a party and these men wont let me leave", "describe_concern", "emergency"),
        # The assistant cannot call anyone: asking it to is answered with 999 first.
        ("can you call the police for me", "out_of_scope", "emergency"),
        ("help me they are coming for me", "greet", "emergency"),
        # A short yes answers the danger question.
        ("yes he's in the room now with two men", "describe_concern", "affirm"),
        ("yes his train goes in 20 minutes", "inform", "affirm"),
        # However long, a message that opens with yes answers "is anyone in danger right now?".
        (
            "yes, he's still at the flat now, they've taken his trainers and his bank card and he says they're watching the door",
            "describe_concern",
            "affirm",
        ),
        (
            "actually yes, the lads who brought him in are back in the waiting room shouting",
            "describe_concern",
            "affirm",
        ),
        (
            "yes i think so, she was crying when he pulled her into the car and she hasnt answered since",
            "disclose_abuse",
            "affirm",
        ),
        # The classifier's emergency, contradicted by the message, is not trusted.
        ("no im at a friends tonight", "emergency", "deny"),
        ("not sure, she isn't answering", "emergency", "dont_know"),
        # A disclosure is never small talk.
        ("I'm being forced to have sex and I'm only 12", "greet", "disclose_abuse"),
        ("hi, he makes me have sex with his mates", "greet", "disclose_abuse"),
        # Signs in a message the classifier took for chit-chat make it a description.
        ("hello, my son keeps coming home with cash and a second phone", "greet", "describe_concern"),
        # Keyboard-mashing reaches the fallback (999 and Childline), but short real answers do not.
        ("asdkjh qwe zzz", "inform", "nlu_fallback"),
        ("gym owner", "inform", None),
        ("consett", "inform", None),
        ("15", "inform", None),
        # A place or a job nobody listed is an answer, not a message to apologise for.
        ("banbury", "nlu_fallback", "inform"),
        ("barista", "nlu_fallback", "inform"),
        ("asdfgh", "nlu_fallback", "nlu_fallback"),
        # A question about a topic, naming no particular child, is a question.
        (
            "How do I report kids dealing drugs without anyone knowing it was me?",
            "describe_concern",
            "ask_information",
        ),
        ("wats county lines? my mate keeps saying it", "describe_concern", "ask_information"),
        (
            "What is child sexual exploitation? My daughter's school sent a letter",
            "disclose_abuse",
            "ask_information",
        ),
        # A question about a particular child with signs is a concern.
        (
            "is it normal that my son has two phones and cash he can't explain?",
            "ask_information",
            "describe_concern",
        ),
        # A disclosure put as a question stays a disclosure.
        ("what do i do, he made me have sex with his mates", "ask_information", "disclose_abuse"),
    ],
)
def test_decide_intent(text, classifier, expected):
    assert decide_intent(classifier, 0.6, analyse(text)) == expected


def test_danger_the_analyser_finds_is_an_emergency_whatever_the_classifier_says():
    analysis = analyse("theyre hitting me")
    assert analysis.danger_now
    assert decide_intent("describe_concern", 0.99, analysis) == "emergency"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm her foster carer, she's been with us since March", "describe_concern"),
        ("not right this minute, they were downstairs working when I left", "deny"),
        ("they've gone, she went off up the high street on her own", "describe_concern"),
    ],
)
def test_the_classifier_alone_never_makes_an_emergency(text, expected):
    analysis = analyse(text)
    assert not analysis.danger_now
    assert decide_intent("emergency", 0.99, analysis) == expected


def test_ordinary_answers_keep_their_intent():
    assert decide_intent("inform", 0.9, analyse("I'm his mum")) is None
    assert decide_intent("deny", 0.9, analyse("no, he's at home")) is None


@pytest.mark.parametrize(
    "text",
    [
        "my name is Jessica Thompson, call me on 07700 900123, I live at SN1 2AB and my son has a second phone",
        "im 14 and he said hell leak my pics unless i send more, my email is jess@example.com",
    ],
)
def test_entities_carry_ids_only_never_the_words(text):
    entities = entities_for(analyse(text))
    assert entities
    for entity in entities:
        assert entity["value"] not in text  # no value is a copy of the person's words
        assert entity["start"] == entity["end"] == 0
        assert set(entity) == {"entity", "value", "start", "end", "confidence_entity", "extractor"}


def test_an_unknown_short_role_answer_means_someone_else():
    names = {(e["entity"], e["value"]) for e in entities_for(analyse("gym owner"))}
    assert ("role_guess", "community_member") in names
    names = {(e["entity"], e["value"]) for e in entities_for(analyse("I'm his mum"))}
    assert ("user_role", "parent_carer") in names and not any(n == "role_guess" for n, _ in names)


def test_models_learn_only_from_labelled_blocks():
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    from bot.nlu_component import labelled_examples

    data = RasaYAMLReader().reads(
        """
version: "3.1"
nlu:
- intent: describe_concern
  metadata:
    hoth_category: missing
    hoth_urgency: concern
  examples: |
    - she stays out all night and won't say where
- intent: describe_concern
  examples: |
    - an example with no labels
"""
    )
    assert labelled_examples(data, "hoth_category") == (
        ["she stays out all night and won't say where"],
        ["missing"],
    )
    assert labelled_examples(data, "hoth_urgency")[1] == ["concern"]


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        # Any reply naming no role we know means "someone else", so "who's asking?" never loops.
        ("I manage the stock room at a big warehouse near the motorway", "community_member"),
        ("gym owner", "community_member"),
        # A hint, not a statement.
        ("I saw it from the bus stop", "community_member"),
        # Questions and yes/no answers are not answers to "who's asking?".
        ("why do you need to know that?", None),
        ("no", None),
    ],
)
def test_a_reply_naming_no_known_role_is_someone_else(text, guess):
    guesses = [e["value"] for e in entities_for(analyse(text)) if e["entity"] == "role_guess"]
    assert guesses == ([guess] if guess else [])


@pytest.mark.parametrize(("text", "guess"), [("Kirkby Stephen", "elsewhere"), ("darlo", None), ("no", None)])
def test_a_short_reply_naming_no_known_place_is_somewhere_else(text, guess):
    # "darlo" is a known name for Darlington, so it is an area, not a guess.
    guesses = [e["value"] for e in entities_for(analyse(text)) if e["entity"] == "area_guess"]
    assert guesses == ([guess] if guess else [])


@pytest.mark.parametrize(
    ("text", "classifier", "confidence", "expected"),
    [
        # An unsure guess at small talk would stop the questions: it is an answer.
        ("not yet, its only wednesday", "retract", 0.28, "deny"),
        ("I was walking my dog", "retract", 0.40, "inform"),
        # A sure one stands.
        ("forget it, I made a mistake", "retract", 0.95, None),
    ],
)
def test_an_unsure_small_talk_guess_is_an_answer(text, classifier, confidence, expected):
    assert decide_intent(classifier, confidence, analyse(text)) == expected


def test_an_answer_that_opens_with_a_place_says_where_the_person_is():
    assert (
        analyse("park north in swindon, im not from here they drove me down from birmingham").area
        == "swindon"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "PSHE lead - doing an assembly on sextortion next week. "
            "What's the advice if a pupil tells us someone is blackmailing them with images?",
            "ask_information",
        ),
        (
            "If a young person tells me in a 1:1 that they carry a knife sometimes, do I have to tell the police?",
            "ask_information",
        ),
        # About a particular child, or a young person "asking for a friend": a disclosure.
        ("what's the advice, my son is carrying a knife", "disclose_abuse"),
        (
            "asking for a friend. if some1 has ur pics and says theyll send them to everyone unless u send £50",
            "disclose_abuse",
        ),
    ],
)
def test_an_adult_asking_what_to_do_in_general_is_a_question(message: str, expected: str) -> None:
    assert decide_intent("describe_concern", 0.8, analyse(message)) == expected


@pytest.mark.parametrize(
    ("text", "classifier", "expected"),
    [
        # a question is not a "no", which ended the conversation with "take care"
        (
            "how do u know if a relationship is toxic or just normal arguing. not for me just wondering",
            "deny",
            "ask_information",
        ),
        # an answer to "who's asking?" is not "good night"
        ("I walk my dog there every night", "goodbye", "inform"),
    ],
)
def test_answers_and_questions_that_read_like_small_talk(text, classifier, expected):
    assert decide_intent(classifier, 0.9, analyse(text)) == expected


@pytest.mark.parametrize(
    ("text", "classifier"),
    [
        ("thanks, bye", "goodbye"),
        ("ok thank you so much for this", "thank"),
        ("hiya, can I ask something", "greet"),
    ],
)
def test_real_small_talk_keeps_its_intent(text, classifier):
    assert decide_intent(classifier, 0.9, analyse(text)) is None


def test_a_longer_answer_to_where_is_taken_rather_than_asked_again():
    text = "picked up at the bus station, dropped at a hotel off great western way"
    guesses = [e["value"] for e in entities_for(analyse(text)) if e["entity"] == "area_guess"]
    assert guesses == ["elsewhere"]
