"""The base of every custom action: it never lets an exception escape.

An exception in an action makes rasa-sdk answer 500 with the whole tracker,
which Rasa then logs, message text included (RASA_NOTES.md). So every action
catches its own errors, logs only the error type, and gives the person the
help-now routes instead of silence.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.directory import Directory, load_directory
from bot.settings import Settings, load_settings
from bot.understanding.assess import Turn
from bot.understanding.knowledge import Knowledge, default_knowledge

logger = logging.getLogger(__name__)
SESSION_BOUNDARIES = {"session_started", "restart"}


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def directory() -> Directory:
    return load_directory()


def knowledge() -> Knowledge:
    return default_knowledge()


def conversation_turns(tracker: Tracker) -> list[Turn]:
    """The ids each user message of this session carried, oldest first."""
    events = tracker.events or []
    start = 0
    for index, event in enumerate(events):
        if event.get("event") in SESSION_BOUNDARIES:
            start = index + 1
    turns = []
    for event in events[start:]:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        turns.append(Turn.from_parse(intent, parse.get("entities") or []))
    return turns


def language_terms_since_advice(tracker: Tracker) -> list[str]:
    """Victim-blaming terms used since the advice was last given (each noted once)."""
    terms: list[str] = []
    for event in reversed(tracker.events or []):
        if event.get("event") in SESSION_BOUNDARIES:
            break
        if event.get("event") == "action" and event.get("name") == "action_give_advice":
            break
        if event.get("event") == "user":
            entities = (event.get("parse_data") or {}).get("entities") or []
            terms += [e["value"] for e in entities if e.get("entity") == "language_term"]
    return list(dict.fromkeys(reversed(terms)))


def latest_entity(tracker: Tracker, name: str) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


class GuardedAction(Action, ABC):
    """An action whose failures are contained (abstract: rasa-sdk skips it)."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except Exception as error:  # noqa: BLE001 - see the module docstring
            logger.error("%s failed: %s", self.name(), type(error).__name__)
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_help_now")
            return []
