"""The custom actions, run as rasa-sdk runs them, on trackers built from events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import base, triage
from actions.information import ActionAnswerInformation
from actions.triage import ActionGiveAdvice, ActionHandleEmergency
from bot.outcomes.model import Outcome


def user(intent: str, **entities: Any) -> dict[str, Any]:
    """A user event as the redacting tracker store keeps it: ids, no text."""
    found = []
    for name, values in entities.items():
        for value in values if isinstance(values, list) else [values]:
            found.append({"entity": name, "value": value, "extractor": "HothAnnotator"})
    return {"event": "user", "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": found}}


def tracker(events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    latest = events[-1]["parse_data"] if events and events[-1]["event"] == "user" else {}
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": slots or {},
            "latest_message": latest,
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run(action, events, slots=None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker(events, slots), {}))
    return dispatcher.messages, result


def slot(result: list[dict[str, Any]], name: str) -> Any:
    values = [e["value"] for e in result if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else None


@pytest.fixture(autouse=True)
def recorded(monkeypatch) -> list[Outcome]:
    """Capture outcomes instead of writing them to a database."""
    outcomes: list[Outcome] = []

    class Recorder:
        def submit(self, outcome: Outcome, replaces: str | None = None) -> str:
            outcomes.append(outcome)
            return "0" * 32

    monkeypatch.setattr(triage, "get_recorder", lambda settings: Recorder())
    return outcomes


CCE_PARENT = [
    user(
        "describe_concern",
        hoth_sign=["unexplained_money", "second_phone"],
        hoth_category="criminal_exploitation",
    ),
    user("inform", area="swindon"),
    user("deny", danger_answer="no"),
    user("inform", hoth_sign="found_out_of_area", hoth_category="missing"),
]


def test_advice_names_the_signs_and_sets_triage(recorded):
    messages, result = run(
        ActionGiveAdvice(), CCE_PARENT, {"user_role": "parent_carer", "area": "swindon", "in_danger": "no"}
    )
    text = " ".join(m["text"] for m in messages)
    assert "second phone" in text and "criminal exploitation" in text
    triage_slot = slot(result, "triage")
    assert triage_slot["role"] == "parent_carer"
    assert triage_slot["area"] == "swindon"
    assert triage_slot["categories"] == ["criminal_exploitation", "missing"]
    assert triage_slot["urgency"] in {"concern", "urgent"}
    assert "front_door" in triage_slot["contacts"]
    assert slot(result, "advised") is True
    # The outcome logged is exactly the triage given.
    assert recorded[-1].categories == ("criminal_exploitation", "missing")
    assert set(recorded[-1].contacts) == set(triage_slot["contacts"])


@pytest.mark.parametrize("role", ["young_person", "parent_carer", "practitioner", "community_member"])
@pytest.mark.parametrize("area", ["durham", "swindon", "elsewhere"])
def test_contacts_in_triage_are_the_ones_in_the_reply(role, area):
    messages, result = run(
        ActionGiveAdvice(), CCE_PARENT, {"user_role": role, "area": area, "in_danger": "no"}
    )
    text = " ".join(m["text"] for m in messages)
    directory = base.directory()
    for contact_id in slot(result, "triage")["contacts"]:
        name = "999" if contact_id == "police_999" else directory.contact(contact_id, area).name
        assert name in text, f"{contact_id} is in triage but not named in the reply"


@pytest.mark.parametrize(
    "events, slots, urgency",
    [
        ([user("emergency", hoth_flag="danger_now")], {}, "emergency"),
        ([user("describe_concern", hoth_sign="second_phone")], {"in_danger": "yes"}, "emergency"),
        ([user("disclose_abuse", hoth_sign="forced_sexual_activity", hoth_flag="urgent")], {}, "urgent"),
        ([user("describe_concern", hoth_sign="second_phone")], {"in_danger": "no"}, "concern"),
        ([user("ask_information", hoth_topic="criminal_exploitation")], {}, "information"),
    ],
)
def test_urgency_follows_the_conversation(events, slots, urgency):
    _, result = run(ActionGiveAdvice(), events, {"user_role": "young_person", **slots})
    assert slot(result, "triage")["urgency"] == urgency


def test_emergency_reply_first_message_is_999():
    messages, result = run(
        ActionGiveAdvice(), [user("emergency", hoth_flag="danger_now")], {"user_role": "young_person"}
    )
    assert messages[0]["text"].startswith("999") or "999" in messages[0]["text"]
    assert slot(result, "triage")["contacts"][0] == "police_999"


def test_emergency_action_sets_triage_even_without_role_or_area():
    events = [user("emergency", hoth_flag="danger_now", hoth_sign="weapons", hoth_category="youth_violence")]
    messages, result = run(ActionHandleEmergency(), events)
    assert messages == []  # 999 was already said by utter_emergency
    triage_slot = slot(result, "triage")
    assert triage_slot == {
        "role": None,
        "area": None,
        "categories": ["youth_violence"],
        "urgency": "emergency",
        "contacts": ["police_999", "childline"],
    }
    assert slot(result, "in_danger") == "yes"
    assert slot(result, "disclosed") is True


def test_emergency_action_takes_role_and_area_from_the_emergency_message():
    events = [user("emergency", hoth_flag="danger_now", user_role="young_person", area="durham")]
    _, result = run(ActionHandleEmergency(), events)
    assert slot(result, "user_role") == "young_person"
    assert slot(result, "area") == "durham"


def test_emergency_action_takes_a_mentioned_role_too():
    # "my son is being attacked right now": "my son" mentions someone, so it is a
    # `role_mention`, which the slot mappings do not take in an emergency.
    events = [user("emergency", hoth_flag="danger_now", role_mention="parent_carer")]
    _, result = run(ActionHandleEmergency(), events)
    assert slot(result, "user_role") == "parent_carer"


def test_turns_start_at_the_latest_session():
    events = [
        user("describe_concern", hoth_sign="weapons", hoth_category="youth_violence"),
        {"event": "session_started"},
        user("describe_concern", hoth_sign="second_phone", hoth_category="criminal_exploitation"),
    ]
    turns = base.conversation_turns(tracker(events))
    assert [t.categories for t in turns] == [("criminal_exploitation",)]


def test_a_failing_action_gives_help_now_and_never_raises(monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database on fire: Jessica Thompson 07700 900123")

    monkeypatch.setattr(triage, "build_advice", broken)
    messages, result = run(ActionGiveAdvice(), CCE_PARENT, {"user_role": "parent_carer"})
    assert messages == [{**messages[0], "response": "utter_help_now"}]
    assert result == []
    # Only the error type is logged, never its message (which could carry text).
    assert "Jessica" not in caplog.text and "RuntimeError" in caplog.text


def test_information_answer_uses_the_taxonomy_definition():
    messages, _ = run(
        ActionAnswerInformation(), [user("ask_information", hoth_topic="criminal_exploitation")]
    )
    assert "county lines" in messages[0]["text"].lower()
    assert "worried about a particular child" in messages[-1]["text"]
    # a question can come from someone in danger: 999 is in the answer too
    assert "999" in messages[-1]["text"]


def test_a_blaming_word_in_the_opening_gets_the_better_term_once():
    events = [
        user("describe_concern", hoth_category="sexual_exploitation", language_term="child_prostitute"),
        user("inform", area="durham"),
        user("deny", danger_answer="no"),
    ]
    messages, _ = run(ActionGiveAdvice(), events, {"user_role": "parent_carer", "area": "durham"})
    texts = [m["text"] for m in messages]
    noted = [t for t in texts if "child sexual exploitation" in t and "instead" in t]
    assert len(noted) == 1
    # The concern comes first, the wording after it.
    assert texts.index(noted[0]) >= 1
    again = events + [{"event": "action", "name": "action_give_advice"}, user("describe_concern")]
    messages, _ = run(ActionGiveAdvice(), again, {"user_role": "parent_carer", "area": "durham"})
    assert not any("instead" in m["text"] for m in messages)
