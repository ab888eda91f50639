"""The words of the assessment reply, adapted to who is asking.

Input is ids, plain sign phrases from the taxonomy and the routes; nothing the person typed reaches
this module, so nothing they wrote can be echoed back. Wording follows SAFETY.md: 999 first in an
emergency, no victim-blaming terms, every contact with how to reach it, its hours and how anonymous
it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.directory import Contact, describe_hours
from bot.routing import Route

COUNCIL_FINDER = "https://www.gov.uk/report-child-abuse-to-local-council"


def _join(items: Sequence[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _category_name(category: str, names: Mapping[str, str]) -> str:
    return names.get(category) or category.replace("_", " ")


def how_to_reach(contact: Contact) -> str:
    """'call 0800 1111 or go to https://...', from whatever ways the contact has."""
    ways = []
    if contact.phone and contact.phone == contact.text:
        ways.append(f"call or text {contact.phone}")
    else:
        if contact.phone:
            ways.append(f"call {contact.phone}")
        if contact.text:
            ways.append(f"text {contact.text}")
    if contact.email:
        ways.append(f"email {contact.email}")
    if contact.web:
        ways.append(f"go to {contact.web}")
    ways += [f"use {link.label} at {link.url}" for link in contact.links]
    return _join(ways, "or")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def format_contact(route: Route) -> str:
    """One contact as a message: name, how to reach it, why, whether it is open, how anonymous."""
    contact = route.contact
    parts = [f"{contact.name}: {how_to_reach(contact)}.", _sentence(route.why)]
    hours = describe_hours(contact)
    if route.open_now:
        if contact.hours.always and not contact.hours.description:
            parts.append("Open now, 24 hours a day.")
        else:
            parts.append(f"Open now. Hours: {_sentence(hours)}")
    else:
        when = f": opens {route.opens}" if route.opens else ""
        parts.append(f"Closed now{when}. Hours: {_sentence(hours)}")
        if contact.any_time:
            parts.append(_sentence(contact.any_time))
    parts.append(_sentence(contact.anonymity.note))
    return " ".join(parts)


def _emergency_first(role: str | None) -> str:
    who = "you're" if role == "young_person" else "you or a child are"
    return (
        f"999: if {who} in danger right now, call 999 and ask for the police. "
        "If you're on a mobile and can't speak, stay on the line and press 55 when asked."
    )


def _acknowledge(role: str | None, urgency: str, has_hoth: bool) -> str:
    if role == "young_person":
        if urgency == "information" and not has_hoth:
            return (
                "Thanks for asking. If anything like this is happening to you or a friend, "
                "it's not your fault."
            )
        return "Thank you for telling me. What's happening is not your fault, and you're not in trouble."
    if role == "parent_carer":
        return (
            "Thank you for telling me. It's frightening to worry about your child like this, "
            "and reaching out is the right thing to do."
        )
    if role == "practitioner":
        return "Thank you. Here is the route for this concern."
    if role == "community_member":
        return "Thank you for speaking up. What you've noticed could help keep a child safe."
    return "Thank you for telling me."


def _signs(
    role: str | None, categories: Sequence[str], signs: Sequence[str], names: Mapping[str, str]
) -> str:
    """What was heard, as possible signs, never as a diagnosis."""
    if not categories:
        return ""
    harm = _join([_category_name(c, names) for c in categories], "or")
    if signs:
        plural = len(signs) > 1
        heard = f"You mentioned {_join(list(signs))}: {'these' if plural else 'this'} can be "
        heard += f"signs of {harm}." if plural else f"a sign of {harm}."
    else:
        heard = f"What you've described can be a sign of {harm}."
    if role == "young_person":
        return f"{heard} You don't have to deal with it on your own."
    if role == "practitioner":
        return f"{heard} Indicators are not proof; share them so the picture can be built."
    return f"{heard} They don't prove anything on their own, but they are worth acting on."


def _guidance(
    role: str | None, categories: Sequence[str], urgency: str, routes: Sequence[Route]
) -> list[str]:
    ids = {r.id for r in routes}
    front = next((r for r in routes if r.id == "front_door"), None)
    if role == "young_person":
        return ["If you can, tell an adult you trust, like a teacher, a family member or a youth worker."]
    if role == "practitioner":
        lines = []
        when = "today" if urgency in ("emergency", "urgent") else "as soon as you can"
        lines.append(
            f"Talk to your designated safeguarding lead (DSL) {when} and follow your organisation's "
            "safeguarding procedures; you don't need to be certain to act."
        )
        if front is not None and front.contact.professionals:
            lines += list(front.contact.professionals)
        elif front is None:
            lines.append(
                "Refer to the child's local authority children's social care front door, following "
                f"your local safeguarding partnership's procedures (find the council at {COUNCIL_FINDER})."
            )
        if categories:
            lines.append(
                "Record what you've seen and heard on the child's file, with dates and the child's own "
                "words, and share it with the police as intelligence (101 or their online form)."
            )
        return lines
    if role == "parent_carer":
        lines = [
            "Keep talking with your child calmly, and let them know they're not in trouble "
            "and you're on their side.",
        ]
        if categories:
            lines.append(
                "Write down what you notice, with dates: times they've been missing, new items or money, "
                "names, phone numbers or car registrations."
            )
        if "missing" in categories:
            lines.append(
                "If your child is missing, tell the police straight away: you don't have to wait 24 hours."
            )
        return lines
    if role == "community_member":
        lines = []
        if categories:
            lines.append(
                "What to report: what you saw, where and when, and descriptions of people and vehicles "
                "(registration numbers if you can). You don't need to be certain."
            )
        if "crimestoppers" in ids:
            lines.append(
                "To stay anonymous, report to Crimestoppers: they never ask who you are. "
                "Calling the police on 101 is not anonymous."
            )
        lines.append("Please don't confront anyone or try to find out more yourself.")
        return lines
    return []


def _closing(role: str | None, routes: Sequence[Route]) -> list[str]:
    ids = {r.id for r in routes}
    if role == "young_person":
        lines = [
            "You can talk to Childline any time, day or night, "
            "and you can stop talking to me whenever you want."
        ]
        if "police_999" in ids:
            lines.append("If you're ever in danger, call 999.")
        return lines
    if role is None and "childline" in ids:
        return ["If you're under 19, you can talk to Childline any time, day or night."]
    return []


def compose_advice(
    role: str | None,
    categories: Iterable[str],
    signs: Iterable[str],
    urgency: str,
    routes: Sequence[Route],
    category_names: Mapping[str, str],
) -> list[str]:
    """The bot's messages for an assessment, in order.

    ``signs`` are plain phrases already (e.g. "a second phone"); ``category_names`` maps category ids
    to plain names. In an emergency the first message starts with 999.
    """
    cats = list(dict.fromkeys(categories))
    heard = list(dict.fromkeys(signs))
    messages: list[str] = []
    emergency = urgency == "emergency"
    if emergency:
        messages.append(_emergency_first(role))
    messages.append(_acknowledge(role, urgency, bool(cats)))
    said = _signs(role, cats, heard, category_names)
    if said:
        messages.append(said)
    if role == "practitioner":
        messages += _guidance(role, cats, urgency, routes)
    listed = [r for r in routes if not (emergency and r.id == "police_999")]
    if listed:
        messages.append("Here is who can help:" if role != "young_person" else "Here's who can help:")
        messages += [format_contact(r) for r in listed]
    if role != "practitioner":
        messages += _guidance(role, cats, urgency, routes)
    messages += _closing(role, routes)
    return messages
