"""Whole conversations over REST against the real running assistant (CONTRACT.md).

A small driver plays the person the way ``python -m bot evaluate`` does: it
sends the opening, answers whatever the form asks (``requested_slot``), then
says what more it knows, until ``triage`` is set and no form is active. The
tests check what a website or an evaluator relies on: the ``triage`` object's
shape and values, the contacts the bot really gave, 999 first in an
emergency, and no question asked twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pytest
import yaml

from bot.directory import Directory, load_directory
from bot.settings import PROJECT_ROOT
from bot.vocabulary import AREAS, CATEGORIES, ROLES, URGENCIES
from tests.stack import get_tracker, rest_say

pytestmark = pytest.mark.e2e

NOTHING_MORE = "No, that's everything I know."
MAX_TURNS = 8
TRIAGE_KEYS = {"role", "area", "categories", "urgency", "contacts"}


@lru_cache(maxsize=1)
def directory() -> Directory:
    return load_directory()


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def question(slot: str) -> str:
    """The form's question for ``slot`` (its unconditional variant), as the person reads it."""
    variants = [v for v in domain()["responses"][f"utter_ask_{slot}"] if not v.get("condition")]
    return " ".join(variants[0]["text"].split())


@dataclass(frozen=True)
class Case:
    """A person's side of a conversation, in the evaluation case format."""

    opening: str
    role_answer: str = "I'd rather not say"
    area_answer: str = "I'd rather not say"
    danger_answer: str = "No"
    more: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    said: str
    replies: list[str]
    slots: dict[str, Any]
    active_loop: str | None


@dataclass
class Conversation:
    """One anonymous conversation over Rasa's REST channel, with the tracker after each turn."""

    rasa_url: str
    token: str
    sender: str = field(default_factory=lambda: f"conversation-{uuid.uuid4().hex}")
    turns: list[Turn] = field(default_factory=list)

    def say(self, text: str) -> Turn:
        replies = rest_say(self.rasa_url, self.sender, text)
        tracker = get_tracker(self.rasa_url, self.sender, self.token)
        turn = Turn(text, replies, tracker["slots"], (tracker.get("active_loop") or {}).get("name"))
        self.turns.append(turn)
        return turn

    def play(self, case: Case) -> Turn:
        """Say the opening, answer what is asked; return the turn that finished the assessment."""
        answers = {
            "user_role": case.role_answer,
            "area": case.area_answer,
            "in_danger": case.danger_answer,
        }
        more = list(case.more)
        turn = self.say(case.opening)
        while len(self.turns) < MAX_TURNS:
            asked = turn.slots.get("requested_slot") if turn.active_loop else None
            if asked in answers:
                turn = self.say(answers[asked])
            elif turn.slots.get("triage") and not turn.active_loop:
                return turn
            else:
                turn = self.say(more.pop(0) if more else NOTHING_MORE)
        if turn.slots.get("triage") and not turn.active_loop:
            return turn
        raise AssertionError(f"no assessment after {MAX_TURNS} turns: {[t.replies for t in self.turns]}")

    def all_replies(self) -> list[str]:
        return [reply for turn in self.turns for reply in turn.replies]


def named_in(contact_id: str, area: str | None, text: str) -> bool:
    """True when ``text`` gives the person a way to reach the contact (its number, else its name)."""
    contact = directory().contact(contact_id, area)
    return (contact.phone or contact.name) in text


def assert_triage_shape(triage: Any) -> None:
    assert isinstance(triage, dict) and set(triage) == TRIAGE_KEYS, triage
    assert triage["role"] is None or triage["role"] in ROLES
    assert triage["area"] is None or triage["area"] in AREAS
    assert isinstance(triage["categories"], list) and set(triage["categories"]) <= set(CATEGORIES)
    assert triage["urgency"] in URGENCIES
    assert isinstance(triage["contacts"], list) and triage["contacts"]
    assert len(set(triage["contacts"])) == len(triage["contacts"]), "a contact is listed twice"


# The example of CONTRACT.md "Evaluation case format".
CONTRACT_EXAMPLE = Case(
    opening="my son is 15 and keeps coming home with cash and a second phone",
    role_answer="I'm his mum",
    area_answer="we live in Swindon",
    danger_answer="no, he's at home",
    more=("he was picked up by police in Bristol last month",),
)


def test_the_contract_example_reaches_the_assessment_it_expects(stack) -> None:
    conversation = Conversation(stack.rasa_url, stack.token)
    final = conversation.play(CONTRACT_EXAMPLE)
    triage = final.slots["triage"]
    assert_triage_shape(triage)
    assert triage["role"] == "parent_carer"
    assert triage["area"] == "swindon"
    assert set(triage["categories"]) == {"criminal_exploitation", "missing"}
    assert triage["urgency"] == "urgent"
    assert "front_door" in triage["contacts"]
    # `contacts` are the contacts the bot gave in that reply, and no assessment came before it.
    advice = " ".join(final.replies)
    for contact_id in triage["contacts"]:
        assert named_in(contact_id, triage["area"], advice), f"{contact_id} is in triage but not in the reply"
    assert all(turn.slots["triage"] is None for turn in conversation.turns[:-1])
    # The role was in the opening: nobody is asked who they are after saying it.
    assert question("user_role") not in conversation.all_replies()


def test_an_emergency_gets_999_first_and_keeps_its_urgency_to_the_end(stack) -> None:
    conversation = Conversation(stack.rasa_url, stack.token)
    final = conversation.play(
        Case(opening="theyve got a knife and wont let me leave", role_answer="I'm 15", area_answer="Durham")
    )
    first = conversation.turns[0]
    assert "999" in first.replies[0]
    assert first.slots["triage"]["urgency"] == "emergency"
    # Danger was already said: the bot does not ask whether anyone is in danger.
    assert question("in_danger") not in conversation.all_replies()
    triage = final.slots["triage"]
    assert_triage_shape(triage)
    assert (triage["role"], triage["area"], triage["urgency"]) == ("young_person", "durham", "emergency")
    assert {"police_999", "childline"} <= set(triage["contacts"])
    assert "999" in final.replies[0], "the advice after an emergency does not start with 999"
    advice = " ".join(final.replies)
    for contact_id in triage["contacts"]:
        assert named_in(contact_id, triage["area"], advice), f"{contact_id} is in triage but not in the reply"


OPENINGS_WITH_ROLE_AND_AREA = [
    pytest.param(
        "I'm a teacher in Durham and one of my year 9 girls has an older boyfriend who picks her up from "
        "school in his car",
        "practitioner",
        "durham",
        id="teacher-durham",
    ),
    pytest.param(
        "I'm a taxi driver in Swindon and I keep picking up young girls from a hotel with older men",
        "community_member",
        "swindon",
        id="taxi-driver-swindon",
    ),
    pytest.param(
        "my daughter is 14 and we live in Swindon, she keeps going missing overnight",
        "parent_carer",
        "swindon",
        id="parent-swindon",
    ),
    pytest.param(
        "im 15 and live in durham and these older lads make me hold stuff for them",
        "young_person",
        "durham",
        id="young-person-durham",
    ),
]


@pytest.mark.parametrize(("opening", "role", "area"), OPENINGS_WITH_ROLE_AND_AREA)
def test_role_and_area_in_the_opening_are_not_asked_again(stack, opening: str, role: str, area: str) -> None:
    conversation = Conversation(stack.rasa_url, stack.token)
    final = conversation.play(Case(opening=opening))
    first = conversation.turns[0]
    assert (first.slots["user_role"], first.slots["area"]) == (role, area)
    assert first.replies[-1] == question("in_danger"), "the first question should be about danger now"
    asked = conversation.all_replies()
    assert question("user_role") not in asked and question("area") not in asked
    assert (final.slots["triage"]["role"], final.slots["triage"]["area"]) == (role, area)


def test_family_mentioned_later_does_not_change_who_is_asking(stack) -> None:
    """A neighbour who goes on to mention "my daughter" is still a neighbour."""
    conversation = Conversation(stack.rasa_url, stack.token)
    final = conversation.play(
        Case(
            opening="saw the girl across the road get dragged by her hair by her boyfriend outside the shops",
            role_answer="I'm a neighbour",
            area_answer="Stratton",
            danger_answer="not now, she ran into her house",
            more=("my daughter says he made her do sexual things she didn't want at a party",),
        )
    )
    assert final.slots["user_role"] == "community_member"
    assert final.slots["triage"]["role"] == "community_member"


def test_a_place_nobody_listed_is_somewhere_else_and_asked_once(stack) -> None:
    conversation = Conversation(stack.rasa_url, stack.token)
    final = conversation.play(
        Case(
            opening="my mates bf makes her share her location 24/7 and goes mad if she talks to other lads",
            role_answer="im her friend were both 15",
            area_answer="banbury",
        )
    )
    assert final.slots["area"] == "elsewhere"
    assert sum(question("area") in reply for reply in conversation.all_replies()) == 1


def test_saying_who_you_are_later_still_counts(stack) -> None:
    """A child who first answers "just someone" and then says "ok its me" is a young person."""
    conversation = Conversation(stack.rasa_url, stack.token)
    final = conversation.play(
        Case(
            opening="wat happens if u was holding some1s stuff and it got robbed and now they say u owe them 800",
            role_answer="just someone",
            area_answer="not saying",
            danger_answer="not rn",
            more=("ok its me. im 14",),
        )
    )
    assert final.slots["triage"]["role"] == "young_person"


def test_a_harm_that_can_give_way_is_still_counted_from_the_stored_conversation(stack) -> None:
    """Being held (trafficking, unless a partner does it) said beside firm signs in one
    message must survive the redacting tracker store and reach the final assessment."""
    conversation = Conversation(stack.rasa_url, stack.token)
    final = conversation.play(
        Case(
            opening="my son is 15 and has a second phone, he just rang crying, they won't let him leave the flat",
            role_answer="I'm his mum",
            area_answer="Penhill",
            danger_answer="I don't know, he hung up",
            more=("he's been hanging round with older lads for weeks",),
        )
    )
    assert "trafficking" in final.slots["triage"]["categories"]
