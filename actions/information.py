"""Answers general questions about the harm categories from the taxonomy.

A question can come from someone in danger ("how do u get out of owing someone"),
so the answer ends with 999, as every first reply does.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import GuardedAction, knowledge
from bot.vocabulary import CATEGORIES


class ActionAnswerInformation(GuardedAction):
    def name(self) -> str:
        return "action_answer_information"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        entities = (tracker.latest_message or {}).get("entities") or []
        named = [e.get("value") for e in entities if e.get("entity") in {"hoth_topic", "hoth_category"}]
        topics = [c for c in CATEGORIES if c in named]
        facts = knowledge()
        if not topics:
            dispatcher.utter_message(
                text="Harm outside the home means abuse or exploitation that happens away from a child's family: "
                "in school, with friends, in the community or online. It includes sexual and criminal "
                "exploitation (such as county lines), trafficking, going missing, abusive teenage relationships, "
                "harmful sexual behaviour, radicalisation and serious youth violence."
            )
        for topic in topics[:2]:
            category = facts.categories[topic]
            dispatcher.utter_message(text=f"{category.name.capitalize()}: {category.definition}")
        dispatcher.utter_message(
            text="If you're worried about a particular child, tell me what you've noticed and I'll suggest who "
            "can help. If anyone is in danger right now, call 999."
        )
        return []
