"""Who to send a person to, given who they are, where, what is happening and how urgent it is.

The rules are the project's routing rules (999 first in an emergency; role-based contacts; a contact
per category; never only closed lines). Facts about contacts come from the :mod:`bot.directory`, so
a new area or a changed number is a data change only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.directory import (
    CATEGORIES,
    ROLES,
    URGENCIES,
    Area,
    Contact,
    Directory,
    describe_when,
    is_open,
    next_opening,
)

# Categories where an anonymous report to Crimestoppers/Fearless fits (county lines, violence, extremism).
ANONYMOUS_REPORT_CATEGORIES = ("criminal_exploitation", "youth_violence", "radicalisation")
# Harm a young person can report to CEOP when it happened online.
ONLINE_REPORT_CATEGORIES = ("sexual_exploitation", "harmful_sexual_behaviour")
# One specialist line per category, for every role.
CATEGORY_CONTACTS = {
    "trafficking": "modern_slavery_helpline",
    "missing": "missing_people",
    "radicalisation": "prevent",
}


@dataclass(frozen=True)
class Route:
    """One contact in the reply: its id as logged in the triage, the contact, and why it is there."""

    id: str
    contact: Contact
    why: str
    open_now: bool
    opens: str | None  # e.g. "tomorrow at 8.30am" when closed now, else None


def _why(cid: str, role: str | None, place: Area, urgency: str) -> str:
    """One plain line saying why this contact, in the person's own terms."""
    young = role == "young_person"
    if cid == "police_999":
        if urgency == "emergency":
            return (
                "If you're in danger right now, call 999."
                if young
                else "A child is in danger right now: call 999."
            )
        return (
            "If you're in danger, call 999." if young else "If a child is in danger at any point, call 999."
        )
    if cid == "childline":
        if young:
            return "Free and private, for anyone under 19, about anything."
        return "If you're under 19, you can talk to Childline any time."
    if cid == "crimestoppers":
        if young:
            return "Use Fearless to tell someone what's happening without giving your name."
        if role == "community_member":
            return "Report what you've seen without giving your name."
        return "Report what you know without giving your name."
    if cid == "ceop":
        if young:
            return "Report sexual abuse or grooming that happened online to child protection advisors."
        return "Report online sexual abuse or grooming of a child to child protection advisors."
    if cid == "report_remove":
        return "If a nude picture or video of you is online, ask for it to be taken down."
    if cid == "front_door":
        if role == "parent_carer":
            return f"Children's social care for {place.name}: talk to them about what's worrying you."
        if role == "practitioner":
            return f"The children's social care front door for {place.name}: make your referral here."
        return f"Tell children's social care in {place.name} about a child you're worried about."
    if cid == "out_of_hours":
        return f"Children's social care out of hours in {place.name}, for worries that can't wait."
    if cid == "police_101":
        if role == "practitioner":
            return "Share intelligence with the police: a detail that seems small may complete the picture."
        if role == "community_member":
            return "Tell the police what you've seen when it isn't an emergency."
        return "Tell the police what's happening when it isn't an emergency."
    if cid == "nspcc":
        if role == "parent_carer":
            return "Talk your worries through with the NSPCC's child protection advisers."
        if role == "practitioner":
            return "Get advice on this concern from the NSPCC's child protection advisers."
        return "Talk it through with the NSPCC's child protection advisers; they can pass on your concern."
    if cid == "prevent":
        if young:
            return "If you're worried about extremism, or someone is trying to draw you into it."
        return "Advice and support when a child may be being drawn into extremism."
    if cid == "modern_slavery_helpline":
        if young:
            return "If someone is moving you from place to place or making you work, they can help."
        return "Advice and reporting when a child may be trafficked or forced to work."
    if cid == "missing_people":
        if young:
            return "If you've run away or are thinking about it, they can help and pass on a message for you."
        return "Free help when a child is missing, including support for their family."
    return "Another place that can help."


_CLOSED_FRONT_DOOR_101 = "The police can take your concern while children's social care is closed."


def _role_contacts(role: str | None, place: Area, hoth: list[str], online: bool) -> list[str]:
    """The contacts a role always gets (rules 2 to 5, and 8 when no HOTH category applies)."""
    local = place.local
    front = ["front_door"] if local else []
    anonymous = any(c in ANONYMOUS_REPORT_CATEGORIES for c in hoth)
    online_sexual = online and any(c in ONLINE_REPORT_CATEGORIES for c in hoth)
    if role == "young_person":
        picks = ["childline"]
        if hoth:
            picks += ["crimestoppers"] if anonymous else []
            picks += ["ceop", "report_remove"] if online_sexual else []
        return picks
    if not hoth:
        # Abuse at home, bullying and the like: advice and, where a partnership runs this, its front door.
        return (["childline"] if role is None else []) + front + ["nspcc"]
    if role == "parent_carer":
        return front + ["nspcc"] + ([] if local else ["police_101"])
    if role == "practitioner":
        return front + ["police_101"] if local else ["police_101", "nspcc"]
    if role == "community_member":
        return ["police_101", "crimestoppers"] + front
    # Role not known: whoever it is, Childline (in case it is a child), the local route and advice.
    picks = ["childline"] + front + ["police_101", "nspcc"]
    picks += ["crimestoppers"] if anonymous else []
    picks += ["ceop"] if online_sexual else []
    return picks


def _alternatives(cid: str, role: str | None, place: Area) -> list[tuple[str, str | None]]:
    """Open lines to add after a closed one: (id, why or None for the usual wording)."""
    if cid == "front_door":
        found: list[tuple[str, str | None]] = [("out_of_hours", None)] if place.out_of_hours else []
        return found + [("police_101", _CLOSED_FRONT_DOOR_101)]
    if role == "young_person":
        return [("childline", None)]
    if role is None:
        return [("childline", None), ("police_101", None)]
    return [("police_101", None)]


def _check(directory: Directory, role: str | None, area: str | None, cats: list[str], urgency: str) -> None:
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if area is not None and area not in directory.areas:
        raise ValueError(f"unknown area {area!r}")
    unknown = [c for c in cats if c not in CATEGORIES]
    if unknown:
        raise ValueError(f"unknown categories {unknown!r}")
    if urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}")


def route(
    directory: Directory,
    role: str | None,
    area: str | None,
    categories: Iterable[str],
    urgency: str,
    now: datetime,
    online: bool = False,
) -> list[Route]:
    """The contacts to give, in order, each with why, whether it is open now and when it opens.

    ``area`` None means not said (the directory's fallback area). ``online`` says the harm happened
    online (images, grooming online, sextortion). ``now`` must be timezone-aware.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    cats = list(categories)
    _check(directory, role, area, cats, urgency)
    place = directory.area(area)
    hoth = [c for c in CATEGORIES if c in cats]

    picks: list[tuple[str, str | None]] = []
    if urgency == "emergency":
        picks.append(("police_999", None))
    picks += [(cid, None) for cid in _role_contacts(role, place, hoth, online)]
    picks += [(CATEGORY_CONTACTS[c], None) for c in hoth if c in CATEGORY_CONTACTS]
    if urgency == "urgent":
        picks.append(("police_999", None))
    picks = _unique(picks)

    routes: list[Route] = []
    queue = list(picks)
    index = 0
    while index < len(queue):
        cid, why = queue[index]
        made = _make(directory, place, role, urgency, cid, why, now)
        routes.append(made)
        if not made.open_now:
            taken = {q[0] for q in queue}
            extra = [alt for alt in _alternatives(cid, role, place) if alt[0] not in taken]
            queue[index + 1 : index + 1] = extra
        index += 1
    if not any(r.open_now for r in routes):
        # Unreachable with a checked directory (101 is always open); kept so the promise holds anyway.
        routes.append(_make(directory, place, role, urgency, "police_101", None, now))
    return routes


def _unique(picks: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    seen: set[str] = set()
    found = []
    for cid, why in picks:
        if cid not in seen:
            seen.add(cid)
            found.append((cid, why))
    return found


def _make(
    directory: Directory,
    place: Area,
    role: str | None,
    urgency: str,
    cid: str,
    why: str | None,
    now: datetime,
) -> Route:
    contact = directory.contact(cid, place.id)
    open_now = is_open(contact, now)
    opens = None
    if not open_now:
        when = next_opening(contact, now)
        opens = describe_when(contact, when, now) if when is not None else None
    return Route(
        id=cid,
        contact=contact,
        why=why or _why(cid, role, place, urgency),
        open_now=open_now,
        opens=opens,
    )


def contact_ids(routes: Iterable[Route]) -> list[str]:
    """The contact ids given, as the triage slot and the outcome log record them."""
    return [r.id for r in routes]
