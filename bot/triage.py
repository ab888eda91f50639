"""From what a conversation said (as ids) to the reply and the `triage` record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.advice import compose_advice
from bot.directory import Directory
from bot.routing import Route, contact_ids, route
from bot.understanding.assess import Assessment, Turn, assess, sign_phrases
from bot.understanding.knowledge import Knowledge

LONDON = ZoneInfo("Europe/London")
# What utter_emergency names (999 and Childline), for the triage record.
EMERGENCY_REPLY_CONTACTS = ("police_999", "childline")


@dataclass(frozen=True)
class Advice:
    messages: list[str]
    triage: dict
    assessment: Assessment
    routes: list[Route]


def now_in_london() -> datetime:
    return datetime.now(LONDON)


def triage_record(
    role: str | None,
    area: str | None,
    assessment: Assessment,
    contacts: Sequence[str],
    urgency: str | None = None,
) -> dict:
    """The `triage` slot value (CONTRACT.md)."""
    return {
        "role": role,
        "area": area,
        "categories": list(assessment.categories),
        "urgency": urgency or assessment.urgency,
        "contacts": list(dict.fromkeys(contacts)),
    }


def language_notes(terms: Iterable[str], role: str | None, knowledge: Knowledge) -> list[str]:
    """A brief, non-lecturing note offering a better term (SAFETY.md section 4)."""
    notes = []
    for term in dict.fromkeys(terms):
        cue = next((c for c in knowledge.language if c.id == term), None)
        if cue is None:
            continue
        if role == "practitioner":
            notes.append(
                f"A note on wording: {cue.better} is the better term. Words that suggest a child chose their "
                "abuse can lead others to miss it, and make it harder for the child to ask for help."
            )
        else:
            notes.append(f"One small thing: people who support children now say {cue.better} instead.")
    return notes


def build_advice(
    *,
    role: str | None,
    area: str | None,
    turns: Sequence[Turn],
    in_danger: str | None,
    directory: Directory,
    knowledge: Knowledge,
    language_terms: Sequence[str] = (),
    now: datetime | None = None,
) -> Advice:
    """The advice messages, the triage record and the routes for a conversation."""
    assessment = assess(turns, in_danger)
    routes = route(
        directory,
        role,
        area,
        assessment.categories,
        assessment.urgency,
        now or now_in_london(),
        online=assessment.online,
    )
    names = {cid: category.short for cid, category in knowledge.categories.items()}
    messages = compose_advice(
        role,
        assessment.categories,
        sign_phrases(assessment.signs, knowledge),
        assessment.urgency,
        routes,
        names,
    )
    notes = language_notes(language_terms, role, knowledge)
    if notes:
        # The concern first, then the wording, briefly (SAFETY.md section 4).
        messages = messages[:2] + notes + messages[2:]
    contacts = contact_ids(routes)
    if assessment.urgency == "emergency" and "police_999" not in contacts:
        contacts = ["police_999", *contacts]
    return Advice(messages, triage_record(role, area, assessment, contacts), assessment, routes)


def emergency_record(role: str | None, area: str | None, turns: Sequence[Turn]) -> dict:
    """The triage record set in the same turn as the 999 reply."""
    assessment = assess(turns, "yes")
    return triage_record(role, area, assessment, EMERGENCY_REPLY_CONTACTS, urgency="emergency")
