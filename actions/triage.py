"""The assessment: the emergency record, the advice and the outcome log."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    GuardedAction,
    conversation_turns,
    directory,
    knowledge,
    language_terms_since_advice,
    latest_entity,
    settings,
)
from bot.outcomes.model import Outcome, today
from bot.outcomes.recorder import get_recorder
from bot.triage import build_advice, emergency_record

logger = logging.getLogger(__name__)


def record_outcome(triage: dict, previous: str | None) -> str | None:
    """Queue the anonymous outcome; never delays or breaks the reply."""
    try:
        outcome = Outcome(
            day=today(),
            role=triage["role"],
            area=triage["area"],
            categories=tuple(triage["categories"]),
            urgency=triage["urgency"],
            contacts=tuple(triage["contacts"]),
        )
        return get_recorder(settings()).submit(outcome, replaces=previous)
    except Exception as error:  # noqa: BLE001 - the log is best effort, the reply is not
        logger.error("outcome not recorded: %s", type(error).__name__)
        return None


class ActionHandleEmergency(GuardedAction):
    """Runs after utter_emergency (999 first): records the emergency in `triage`."""

    def name(self) -> str:
        return "action_handle_emergency"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # Role and area said in an emergency message are not taken by the slot
        # mappings (so the form cannot swallow the message); take them here.
        role = (
            tracker.get_slot("user_role")
            or latest_entity(tracker, "user_role")
            or latest_entity(tracker, "role_mention")
        )
        area = tracker.get_slot("area") or latest_entity(tracker, "area")
        triage = emergency_record(role, area, conversation_turns(tracker))
        key = record_outcome(triage, tracker.get_slot("outcome_ref"))
        return [
            SlotSet("user_role", role),
            SlotSet("area", area),
            SlotSet("in_danger", "yes"),
            SlotSet("disclosed", True),
            SlotSet("triage", triage),
            SlotSet("outcome_ref", key or tracker.get_slot("outcome_ref")),
        ]


class ActionGiveAdvice(GuardedAction):
    """Names the signs heard, gives the routes for this person, sets `triage`."""

    def name(self) -> str:
        return "action_give_advice"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        advice = build_advice(
            role=tracker.get_slot("user_role"),
            area=tracker.get_slot("area"),
            turns=conversation_turns(tracker),
            in_danger=tracker.get_slot("in_danger"),
            directory=directory(),
            knowledge=knowledge(),
            language_terms=language_terms_since_advice(tracker),
        )
        for message in advice.messages:
            dispatcher.utter_message(text=message)
        key = record_outcome(advice.triage, tracker.get_slot("outcome_ref"))
        serious = advice.assessment.urgency in {"emergency", "urgent"}
        return [
            SlotSet("triage", advice.triage),
            SlotSet("advised", True),
            SlotSet("disclosed", True if serious else tracker.get_slot("disclosed")),
            SlotSet("outcome_ref", key or tracker.get_slot("outcome_ref")),
        ]
