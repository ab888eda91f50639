"""Combine what each message said into one assessment: categories, signs, urgency.

Works on ids only (the entities HothAnnotator put on each message), so it
runs after the message text itself is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.understanding.analyse import Analysis, combine
from bot.understanding.category_model import URGENT
from bot.understanding.knowledge import Knowledge
from bot.vocabulary import CATEGORIES

UNDER_13_SEXUAL = "under_13_sexual"
EVIDENCE = "hoth_evidence"
# The conversation model names a category when the whole conversation's score
# (log-odds) reaches this, and makes a concern urgent at URGENT_THRESHOLD; it
# overrules a category the signs named when the conversation's own words (its
# messages' shares, without the intercept) push it VETO_THRESHOLD down. Chosen
# on ids 1141-1240 with the model trained without them, and the last checked
# on ids 1241-1340 (README "How it understands", the conversation model).
CONVERSATION_THRESHOLD = 0.5
URGENT_THRESHOLD = 1.5
VETO_THRESHOLD = -1.0
LEANS = (*CATEGORIES, URGENT)
# Contributions smaller than this (in log-odds) are not kept.
_LEAST = 0.005


def _number(value: float) -> str:
    """A log-odds value as an id part: hundredths, ``p`` or ``m`` for the sign ("m45" is -0.45)."""
    hundredths = round(value * 100)
    return f"{'p' if hundredths >= 0 else 'm'}{abs(hundredths)}"


def _value(part: str) -> float | None:
    if len(part) < 2 or part[0] not in "pm" or not part[1:].isdigit():
        return None
    return (1 if part[0] == "p" else -1) * int(part[1:]) / 100


def encode_contributions(contributions: dict[str, float], intercepts: dict[str, float]) -> list[str]:
    """One message's share of the conversation model's score, as ids:
    ``lean:<category>:<value>`` and the model's starting point
    ``lean:<category>:base:<value>`` (the same in every message, so a
    conversation whose first message was a button still has it)."""
    out = [f"lean:{c}:base:{_number(v)}" for c, v in intercepts.items() if c in LEANS]
    out += [f"lean:{c}:{_number(v)}" for c, v in contributions.items() if c in LEANS and abs(v) >= _LEAST]
    return out


def leaning(values: Iterable[str]) -> tuple[dict[str, float], dict[str, float]]:
    """The conversation model's score (log-odds) for each category and `URGENT`
    from a whole conversation's evidence, and how far the conversation's words
    alone moved it (the score without the intercept)."""
    base: dict[str, float] = {}
    total: dict[str, float] = {}
    for value in values:
        kind, _, rest = value.partition(":")
        if kind != "lean":
            continue
        category, _, part = rest.partition(":")
        if category not in LEANS:
            continue
        if part.startswith("base:"):
            number = _value(part[5:])
            if number is not None:
                base[category] = number
        else:
            number = _value(part)
            if number is not None:
                total[category] = total.get(category, 0.0) + number
    return {c: b + total.get(c, 0.0) for c, b in base.items()}, {c: total.get(c, 0.0) for c in base}


def encode_evidence(analysis: Analysis) -> list[str]:
    """The evidence behind one message's categories as id strings (no words):
    ``firm:<category>``, ``look:<category>`` (firm, but from signs an everyday
    explanation can account for), ``soft:<category>:to:<yields to>...[:as:<instead>...]``,
    ``model:<category>:alone`` (past the model's bar) or ``model:<category>:sure``
    (past the higher bar too), ``guess:<category>``. The bars are applied where
    the message is read, so the conversation follows the configured ones. Every
    value is an id the redacting tracker stores keep (lower case, ``_`` and ``:``)."""
    out = [f"firm:{c}" for c in analysis.firm]
    out += [f"look:{c}" for c in analysis.look]
    out += [
        ":".join(["soft", c, "to", *yields_to, *(["as", *instead] if instead else [])])
        for c, yields_to, instead in analysis.soft
    ]
    out += [f"model:{c}:{'sure' if sure else 'alone'}" for c, sure in analysis.model]
    out += [f"guess:{c}" for c in analysis.guesses]
    return out


Soft = tuple[str, tuple[str, ...], tuple[str, ...]]
Evidence = tuple[
    tuple[str, ...], tuple[Soft, ...], tuple[tuple[str, bool], ...], tuple[str, ...], tuple[str, ...]
]


def _decode(values: Iterable[str]) -> Evidence:
    """The evidence ``encode_evidence`` wrote, back as (firm, soft, model, guesses, look)."""
    firm, soft, model, guesses, look = [], [], [], [], []
    for value in values:
        kind, _, rest = value.partition(":")
        if kind == "firm" and rest in CATEGORIES:
            firm.append(rest)
        elif kind == "look" and rest in CATEGORIES:
            look.append(rest)
        elif kind == "soft":
            category, *parts = rest.split(":")
            if category in CATEGORIES and parts[:1] == ["to"]:
                cut = parts.index("as") if "as" in parts else len(parts)
                yields, instead = parts[1:cut], parts[cut + 1 :]
                soft.append(
                    (
                        category,
                        tuple(y for y in yields if y in CATEGORIES),
                        tuple(y for y in instead if y in CATEGORIES),
                    )
                )
        elif kind == "model":
            category, _, strength = rest.partition(":")
            if category in CATEGORIES and strength in {"alone", "sure"}:
                model.append((category, strength == "sure"))
        elif kind == "guess" and rest in CATEGORIES:
            guesses.append(rest)
    return tuple(firm), tuple(soft), tuple(model), tuple(guesses), tuple(look)


@dataclass(frozen=True)
class Turn:
    """The ids one user message carried."""

    intent: str | None = None
    signs: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    language_terms: tuple[str, ...] = ()
    # The evidence behind `categories`; None for a message without it.
    evidence: tuple[str, ...] | None = None

    @classmethod
    def from_parse(cls, intent: str | None, entities: Iterable[dict]) -> Turn:
        """Build from a Rasa parse result's intent name and entities."""
        grouped: dict[str, list[str]] = {}
        for entity in entities:
            value = entity.get("value")
            if isinstance(value, str):
                grouped.setdefault(entity.get("entity", ""), []).append(value)
        return cls(
            intent=intent,
            signs=tuple(grouped.get("hoth_sign", [])),
            categories=tuple(c for c in grouped.get("hoth_category", []) if c in CATEGORIES),
            topics=tuple(grouped.get("hoth_topic", [])),
            flags=tuple(grouped.get("hoth_flag", [])),
            language_terms=tuple(grouped.get("language_term", [])),
            evidence=tuple(grouped[EVIDENCE]) if EVIDENCE in grouped else None,
        )

    @property
    def asks(self) -> bool:
        return self.intent == "ask_information"


@dataclass(frozen=True)
class Assessment:
    categories: tuple[str, ...]
    signs: tuple[str, ...]
    urgency: str
    online: bool = False
    under_13: bool = False
    vulnerabilities: tuple[str, ...] = field(default=())


def assess(turns: Iterable[Turn], in_danger: str | None = None) -> Assessment:
    """The assessment of a whole conversation so far."""
    turns = list(turns)
    firm: list[str] = []
    soft: list[Soft] = []
    model: list[tuple[str, bool]] = []
    guesses: list[str] = []
    look: list[str] = []
    lean: list[str] = []
    signs: list[str] = []
    flags: set[str] = set()
    emergency = in_danger == "yes"
    urgent = False
    concern = False
    for turn in turns:
        flags.update(turn.flags)
        if turn.evidence is None:
            firm += turn.categories
        else:
            turn_firm, turn_soft, turn_model, turn_guesses, turn_look = _decode(turn.evidence)
            firm += turn_firm
            lean += [value for value in turn.evidence if value.startswith("lean:")]
            soft += turn_soft
            model += turn_model
            guesses += turn_guesses
            look += turn_look
        if turn.intent == "emergency" or "danger_now" in turn.flags:
            emergency = True
        # A general question that names a sign ("is a second phone a sign of
        # county lines?", "what's the advice if a pupil tells us they carry a
        # knife?") is about the topic, not about a particular child. Only
        # questions about no particular child are `ask_information`: one with
        # urgent signs from a young person stays a disclosure (nlu_component).
        if turn.asks:
            continue
        if "urgent" in turn.flags:
            urgent = True
        signs += [s for s in turn.signs if s not in signs]
        if turn.signs or turn.intent in {"describe_concern", "disclose_abuse"}:
            concern = True
    # The conversation is weighed as one message would be: a sign that gives
    # way to another harm, or a model guess beside signs, counts only when
    # nothing said anywhere in the conversation outweighs it.
    # An everyday explanation anywhere ("turns out it's his Saturday job, I've
    # seen his payslips") accounts for the money, the new things and the older
    # people, and for what the model read into them; every other sign stands.
    if "explained" in flags:
        look, model, guesses = [], [], []
    categories = combine([*firm, *look], soft, model, guesses)
    # What practitioners would conclude from the whole conversation, learnt from
    # labelled conversations: adds what the signs alone miss (a second phone
    # now and "found in Reading" later: criminal exploitation and missing).
    leans, pushes = leaning(lean)
    # An everyday explanation ("I've seen his payslips") answers the worry the
    # model read into the money and the new things, as it does the rules' guesses.
    if "explained" not in flags:
        categories |= {c for c in CATEGORIES if leans.get(c, float("-inf")) >= CONVERSATION_THRESHOLD}
    # And where the conversation's words push clearly away from a harm the
    # signs named (nudes an ex passed round are not exploitation by an adult;
    # a boy carrying a knife after a fight is not being exploited), it is not
    # named. A short message moves the score little either way, so a sign
    # said in a few words stands. Urgency stands whatever is overruled.
    categories = {c for c in categories if pushes.get(c, 0.0) > VETO_THRESHOLD}
    if emergency:
        urgency = "emergency"
    elif urgent:
        urgency = "urgent"
    elif concern or any(f.startswith("vulnerability:") for f in flags):
        # What a practitioner would act on today though no urgent sign names
        # it (a bruise like fingermarks on a girl with a controlling boyfriend).
        urgency = "urgent" if leans.get(URGENT, float("-inf")) >= URGENT_THRESHOLD else "concern"
    else:
        urgency = "information"
    return Assessment(
        categories=tuple(c for c in CATEGORIES if c in categories),
        signs=tuple(signs),
        urgency=urgency,
        online="online" in flags,
        under_13="under_13" in flags,
        vulnerabilities=tuple(sorted(f.split(":", 1)[1] for f in flags if f.startswith("vulnerability:"))),
    )


def sign_phrases(signs: Iterable[str], knowledge: Knowledge) -> list[str]:
    """How the assistant names each sign back (never the person's words)."""
    phrases = []
    for sign in signs:
        if sign == UNDER_13_SEXUAL:
            phrases.append("sexual activity involving a child under 13, which is always abuse")
            continue
        try:
            phrases.append(knowledge.indicator(sign).says)
        except KeyError:
            continue
    return list(dict.fromkeys(phrases))
