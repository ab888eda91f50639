"""Read one message: who is asking, where, which signs, and is a child in danger now.

Deterministic and explainable on purpose: the signs the assistant names come
from ``taxonomy.yml``, which a partnership can read, and the danger-now check
never depends on a statistical model's confidence. The category model
(``category_model.py``) may only add a category the rules missed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.understanding.category_model import CategoryModel, DangerModel
from bot.understanding.knowledge import TIERS, Indicator, Knowledge, default_knowledge
from bot.understanding.text import clause_start, normalise, words
from bot.vocabulary import CATEGORIES

NEGATIONS = frozenset(
    "not never no none nobody nobody's nobodys noone noone's nothing nothing's neither nor without don't doesn't "
    "didn't hasn't haven't hadn't "
    "isn't wasn't aren't weren't ain't".split()
)
# Uncertainty is not denial: "not sure if he's carrying a knife" keeps the sign.
UNCERTAIN = re.compile(
    r"\b(not sure|unsure|don't know|no idea (if|whether)|wonder|not certain|"
    r"not only|can't tell (if|whether))\b"
)
NEGATION_WINDOW = 6
# Tiers that state a role; a weak cue ("I saw", "training") only hints at one,
# so the assistant still asks.
HINT_TIERS = ("weak",)
# Cues that mention someone ("my son", "my pupils", "my mate") rather than say
# who the person is.
MENTION_TIER = "relationship"
STATED_TIERS = tuple(t for t in TIERS if t not in HINT_TIERS)
# The category model speaks only on descriptions long enough to describe
# something, and only when fairly sure (chosen on the dev split, README).
MODEL_MIN_WORDS = 6
MODEL_THRESHOLD = 0.5
# The bar for adding a category beside ones the rules found. It was 0.7 when
# the signs had been written on nearly all the dev cases; with many dev cases
# newer than the signs, 0.5 measured slightly better and raised recall (README,
# "How it understands"). A partnership can still raise it
# (`category_extra_threshold` in config.yml).
MODEL_EXTRA_THRESHOLD = 0.5
# How sure the danger model must be before a message it may judge counts as
# danger now, when no danger-now pattern matched (chosen on the dev split and
# tests/danger_cases_dev.yml; the table is in README "How it understands").
DANGER_THRESHOLD = 0.7
# A frightened child types "please help he's outside": three words are
# enough, but under six ("just a customer") the model must be surer.
DANGER_MIN_WORDS = 3
DANGER_SHORT_THRESHOLD = 0.9
SHORT_ANSWER_WORDS = 6
# Harms that say nothing about who the older people around a child are: a
# guess of sexual or criminal exploitation still stands beside them.
GUESS_BESIDE = frozenset({"missing", "trafficking"})
COMMON_WORD_COUNT = 100

_YES = re.compile(
    r"^((actually|um+|erm+|er|well|oh|ok|okay|honestly|sadly|unfortunately|i think|i'd say|i guess),? )?"
    r"(yes|yeah|yea|yep|yup|yh|ye|aye|ya|correct|i think so|i believe so|definitely|absolutely|sadly yes)\b"
)
_NO = re.compile(
    r"^(no|nope|nah|naw|not really|not right now|not at the moment|not now|not yet|no one|nobody|"
    r"not that i (know|can see|could see|can tell|could tell|'m aware|am aware|know of)|"
    r"not (like |really |exactly )?(physically|at the minute|rn|atm|as such|in that way)|"
    r"not (right )?this (second|minute)|not at this (moment|minute)|"
    r"(i|we) (don't|do not) think so|don't think so|"
    r"(i|we) (don't|do not) think (he|she|they|anyone|anybody)('s| is| are)? (in )?(any )?(immediate )?danger|probably not|i doubt it|unlikely|hopefully not|"
    r"(he's|she's|they're|he is|she is|they are|i'm|we're) (back )?(safe|fine|ok|okay|alright|all right|at home|home|back))\b"
)
# "Not sure if this is the right place, taxi driver in Swindon..." opens a
# conversation; it does not answer a question with "not sure".
_UNSURE = re.compile(
    r"^(not sure|unsure|i'm not sure|we're not sure|i don't know|we don't know|don't know|dunno|no idea|"
    r"maybe|possibly|might be|could be|i'm unsure|hard to say|can't say|not certain|i hope not)\b"
    r"(?! (if|whether|where|who|what|how|why|this|it's|its|i should|to|about (this|who|where|what)))"
)
_QUESTION_START = re.compile(
    r"^(what|what's|how|is|are|does|do|can|could|should|would|who|where|when|why|which|will|any)\b"
)
# Greetings, thanks and goodbyes: without one of these words a longer message
# is not small talk, whatever the classifier says ("I walk my dog there every
# night" is not "good night").
_SOCIAL = re.compile(
    r"\b(hi|hiya|hello|hey|morning|afternoon|evening|bye|goodbye|byee*|cya|see (ya|you)|good ?night|"
    r"night night|ta ?ra|thanks?|thank (you|u)|thx|ty|cheers|ta|appreciate)\b"
)
_NOT_NOW = re.compile(
    r"\b(not|nothing('s| is)?( happening)?) (right now|at the moment|(right )?this (second|minute)|at this minute|now|"
    r"today|rn)\b"
)
_FIRST_SENTENCE_ASKS = re.compile(r"^[^.!?]{1,100}\?")
# A question names a particular child when it talks about him or her, about
# "my son", "one of my pupils", or about what is happening to the person
# asking; "how do I report kids dealing without anyone knowing it was me?"
# names nobody.
_PARTICULAR = re.compile(
    r"\b(he|she|him|his|her|hers|he's|she's|himself|herself|"
    r"(my|our|one of my|one of our|this|that|the) (son|daughter|child|kid|boy|girl|lad|lass|grandson|"
    r"granddaughter|niece|nephew|brother|sister|stepson|stepdaughter|mate|friend|pupil|student|"
    r"young person|teenager|teen|neighbour's (son|daughter|kid))s?|"
    r"(i'm|i am|i've been|i have been|i was|i'm being|we're being) (being|been|getting|in|scared|forced|"
    r"made|threatened|followed|hurt|blackmailed|groomed)|"
    r"(make|makes|made|making|force|forced|forcing|want|wants|told|tell|tells|give|gives|gave|offer|offers|"
    r"offered|send|sends|sent|pay|pays|paid|asking|asks|asked|refer|arrest|hurt|hurts|threaten|threatens|"
    r"threatened|follow|follows|followed|message|messages|messaged) (me|us)|"
    r"(use|using|borrow|borrowing) (my|our)|(year \d+|\d+ year old) (boy|girl|lad|lass|pupil|student|kid|child)|"
    r"(owe|owed|owes) (them|him|her|money)|\d+ ?(yo|y/o|yr old|year old|years old|m|f)\b|"
    r"(i'm|im|i am|she's|he's) \d+)\b"
)
_SEXUAL_ACTIVITY = re.compile(
    r"\b(sex|have sex|had sex|having sex|sex stuff|sex acts?|sexual (activity|acts?|contact|things|stuff)|"
    r"sleeping with|slept with|raped?|sexually (abused|assaulted)|"
    r"touch(ing|ed|es)? (\w+ )?(private|privates|private parts|bits|willy|penis|vagina|down there|chest|breasts?)|"
    r"touching (other|younger|little) (children|kids|ones)|(made|make|makes|making) (her|him|them|me) touch|"
    r"(had|have|has) to touch (him|her|them)|"
    r"naked (pics|pictures|photos|images|videos)|in (her|his|their) underwear|"
    r"(pics|pictures|photos|images|videos) of (herself|himself|themselves)|"
    r"(take|taking|took|pull|pulled|pulling) (his|her|their) (trousers|pants|knickers|clothes|shorts) (down|off)|"
    r"morning after pill|pregnant|pregnancy tests?|"
    r"(hand|hands|fingers) (inside|in|down|up) (her|his|their|my|our|the)( [\w']+){0,5}? (pyjamas|pjs|knickers|pants|trousers|underwear|"
    r"skirt|shorts|nappy)|touch(ed|es|ing)? (her|him|them|me) between (her|his|their|my) legs)\b"
)
# "If a pupil tells us...", "what's the advice", "not about anyone in
# particular": a professional or a parent asking how to respond. Young people
# "asking for a friend" are often asking for themselves, so they never count.
_HYPOTHETICAL = re.compile(
    r"\b(if (a|one of (my|our)) (pupil|pupils|child|student|young person|yp|kid|learner|teenager|girl|boy|member of staff)s? "
    r"(tells?|told|discloses?|disclosed|says|said|is|was|were|has|had)|"
    r"what('s| is) the (advice|procedure|process|law|guidance)|"
    r"(not|isn't|nothing) about anyone in particular|(nobody|no one|noone) in particular|general question|"
    r"(an |the )?(assembly|lesson|training|session|staff training|policy) (on|about|next week)|"
    r"before it (actually )?happens)\b"
)
_NAMED_CHILD = re.compile(
    r"\b(my|our|his|her|their) (\d+ year old |little |eldest |youngest )?(son|daughter|lad|boy|girl|kid|child|grandson|"
    r"granddaughter|stepson|stepdaughter|niece|nephew|foster (son|daughter|child|lad|girl)|brother|sister)\b"
)
_FOR_A_FRIEND = re.compile(
    r"\b(for a (friend|mate)|my (friend|mate)|hypothetically|asking for (someone|somebody))\b"
)
_CHILD_PERPETRATOR = re.compile(
    r"\b(boy|boys|lad|lads|girl|girls|kid|kids|classmate|pupil)\b( [\w']+){0,5}? "
    r"(who is|who's|whos|who are|aged|age|is|was) (1[0-7]|[5-9])\b(?! (minutes|mins|hours|days|weeks|months|times))|"
    # "a 13 year old boy placed with us ... found him with his hand inside"
    r"\b((1[0-7]|[5-9]) year old (boy|lad|girl|foster (son|daughter|child)|pupil|stepson|stepdaughter)|"
    r"(boy|lad|girl) \(?(1[0-7]|[5-9])\)?)\b"
    r"( [\w',.]+){0,30}? (with (his|her) hand|touched|touching|made (her|him|them)|forced)\b"
)
_ADULT = re.compile(
    r"\b(man|men|adult|adults|bloke|blokes|guy|guys|grown|uncle|teacher|coach|"
    r"in (his|her|their) ([2-6]0s|twenties|thirties|forties|fifties))\b"
)
_SEXUAL = re.compile(
    r"\b(sex|sexual|sexually|have sex|had sex|having sex|sleeping with|slept with|nudes?|"
    r"morning after pill|sti tests?|sti testing|sti screening|pregnant|pregnancy tests?)\b"
)


@dataclass(frozen=True)
class Analysis:
    """What one message says, as ids only (never the person's words)."""

    role: str | None = None
    # A weak cue ("I saw..."): a guess used only to answer "who's asking?".
    role_hint: str | None = None
    area: str | None = None
    signs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    vulnerabilities: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    language_terms: tuple[str, ...] = ()
    urgent_reasons: tuple[str, ...] = ()
    danger_now: bool = False
    not_in_danger: bool = False
    under_13: bool = False
    answer: str | None = None
    question: bool = False
    # A question about a topic that names no particular child.
    general: bool = False
    flags: tuple[str, ...] = field(default=())
    model_categories: tuple[str, ...] = field(default=())
    # The evidence behind `categories`, kept apart so that a whole
    # conversation can be weighed the same way as one message (assess.py).
    firm: tuple[str, ...] = field(default=())
    # Categories whose only signs are ones an everyday explanation can account
    # for (money, new things, older people about): firm until one is given.
    look: tuple[str, ...] = field(default=())
    soft: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = field(default=())
    # The category model's categories past its bar, each with whether it is
    # also sure enough to stand beside signs (the higher bar).
    model: tuple[tuple[str, bool], ...] = field(default=())
    # A category named only when nothing else explains the older people,
    # cars or hotels (see `_gendered_exploitation`).
    guesses: tuple[str, ...] = field(default=())
    word_count: int = 0
    understood: bool = True
    # The role came from who the person says they are ("I'm a teacher", "im
    # 14"), not from someone they mention ("my daughter", "my class").
    role_said: bool = False
    # A question about what to do in general ("what's the advice if a pupil
    # tells us...", "not about anyone in particular"), asked by an adult.
    hypothetical: bool = False
    # A short reply that reads as a name nobody listed ("banbury", "barista"):
    # an answer to the question asked, never keyboard-mashing.
    name_like: bool = False
    # It greets, thanks or says goodbye ("thanks, bye"); see `_SOCIAL`.
    social: bool = False

    @property
    def has_concern(self) -> bool:
        return bool(self.signs or self.urgent_reasons or self.danger_now)


class Speller:
    """Corrects a misspelt word to a knowledge-file word one edit away.

    Only words that are not English words are touched, so "kissing" never
    becomes "missing"; "misssing", "groomin" and "plugin" are corrected. The
    dictionary is American and lists few inflections, so a word is also
    English when its stem is ("ramping" never becomes "raping", nor "texting"
    "testing") or when it is the British spelling of one ("tyres", "maths").
    Names the person wrote with a capital ("Crewe", "Newgate") are left alone.
    """

    def __init__(self, vocabulary: frozenset[str]) -> None:
        from spellchecker import SpellChecker

        self.english = SpellChecker(distance=1).word_frequency.dictionary
        self._vocabulary = vocabulary
        self._index: dict[str, str] = {}
        for word in sorted(vocabulary):
            for variant in self._deletes(word) | {word}:
                self._index.setdefault(variant, word)

    @staticmethod
    def _deletes(word: str) -> set[str]:
        return {word[:i] + word[i + 1 :] for i in range(len(word))}

    def _is_english(self, token: str) -> bool:
        forms = {token}
        for suffix in _INFLECTIONS:
            stem = token[: -len(suffix)]
            if token.endswith(suffix) and len(stem) >= 3:
                forms |= {stem, stem + "e"}
                if stem[-1] == stem[-2] != stem[-3]:  # "dropping" -> "drop", not "misssing" -> "miss"
                    forms.add(stem[:-1])
        forms |= {re.sub(british, american, form) for form in forms for british, american in _BRITISH}
        return any(form in self.english for form in forms)

    def correct(self, token: str, names: frozenset[str] = frozenset()) -> str:
        if len(token) < 5 or token in self._vocabulary or not token.isalpha() or token in names:
            return token
        if self._is_english(token):
            return token
        for variant in [token, *sorted(self._deletes(token))]:
            candidate = self._index.get(variant)
            if candidate and candidate[0] == token[0] and abs(len(candidate) - len(token)) <= 1:
                return candidate
        return token


_INFLECTIONS = ("ing", "ed", "es", "s", "er", "ers", "ly")
_BRITISH = ((r"our$", "or"), (r"yre$", "ire"), (r"tre$", "ter"), (r"ise$", "ize"), (r"maths$", "math"))
# A capitalised word that does not start a sentence: a name or a place.
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{4,}\b")


@lru_cache(maxsize=4)
def _speller(knowledge: Knowledge) -> Speller:
    return Speller(knowledge.vocabulary)


def prepare(text: str, knowledge: Knowledge) -> str:
    """Normalise and correct typos in ``text``."""
    speller = _speller(knowledge)
    names = frozenset(name.lower() for name in _NAME.findall(text))
    normal = normalise(text)
    return re.sub(r"(?<![a-z'])[a-z]{5,}(?![a-z'])", lambda m: speller.correct(m.group(0), names), normal)


def _negated(text: str, start: int) -> bool:
    window = text[clause_start(text, start) : start]
    # "a logo I didn't recognise and the word 'remigration'": a denial does
    # not reach past "and" to a new thing.
    window = window.rsplit(" and ", 1)[-1]
    if UNCERTAIN.search(window):
        return False
    return any(word in NEGATIONS for word in words(window)[-NEGATION_WINDOW:])


def _first_match(patterns, text: str, check_negation: bool = True) -> re.Match[str] | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            if not check_negation or not _negated(text, match.start()):
                return match
    return None


def _scan(patterns, text: str) -> tuple[re.Match[str] | None, bool]:
    """The first match not denied in its clause, and whether a denied one was seen."""
    denied = False
    for pattern in patterns:
        for match in pattern.finditer(text):
            if not _negated(text, match.start()):
                return match, denied
            denied = True
    return None, denied


def _clause_of(text: str, start: int, end: int) -> str:
    left = clause_start(text, start)
    right = re.search(r"[.;!?\n]|,|\b(but|though|although|however)\b", text[end:])
    return text[left : end + (right.start() if right else len(text) - end)]


def _ages(text: str, knowledge: Knowledge) -> list[int]:
    ages = []
    for pattern in knowledge.age_patterns:
        for match in pattern.finditer(text):
            numbers = [g for g in match.groups() if g and g.isdigit()]
            ages += [int(n) for n in numbers]
    for match in knowledge.school_year.finditer(text):
        year = int(match.group(1))
        if 1 <= year <= 13:
            ages.append(year + 4)  # the younger end of the school year
    return [age for age in ages if 4 <= age <= 70]


def find_role(text: str, knowledge: Knowledge, tiers: tuple[str, ...] = TIERS) -> str | None:
    """The role a message states, strongest cue first, earliest on ties."""
    found = find_role_cue(text, knowledge, tiers)
    return found[0] if found else None


def find_role_cue(text: str, knowledge: Knowledge, tiers: tuple[str, ...] = TIERS) -> tuple[str, str] | None:
    """(role, tier) of the strongest cue, earliest on ties."""
    for strength in tiers:
        best: tuple[int, str] | None = None
        for role, patterns in knowledge.role_cues[strength].items():
            match = _first_match(patterns, text, check_negation=strength != "self_identification")
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), role)
        if best:
            return best[1], strength
    return None


_PLACE_CUE = re.compile(
    r"\b(live|living|lives|in|from|near|based|moved to|round|around|outside|at|area|town|city|village)\s+(\S+\s+)?$"
)
# In a longer message a place counts as where the person is only after a
# residence cue; "he was picked up in Bristol" says where the child was found.
# A bare "in" is not one: "a flat in Gloucester", "a march in London" and
# "the shooting in Plymouth" say where something happened, not where the
# person is.
_RESIDENCE_CUE = re.compile(
    r"(\b(live|living|lives|based|here|moved to|local to|near|round|around)|"
    r"\b(we're|we are|i'm|i am|im|i|we|us|family|mum|mam|dad|parent|carer|teacher|nurse|worker|school|college|"
    r"area|home|practice|team|service|driver|officer|manager|receptionist|coach|owner|landlord|volunteer|guard|"
    r"staff|assistant|lead|dsl|warden)(\s+\S+){0,3}\s+(from|in))"
    r"\s+(?:the\s+|in\s+|near\s+)?(\S+\s+)?$"
)
_MOVEMENT_CUE = re.compile(
    r"\b(found|picked up|arrested|stopped|seen|spotted|went|go|goes|going|gone|travelled|traveled|taken|sent|"
    r"ended up|turned up|trains? to|tickets? to|trip to|visit|visiting|visited|moved|brought|taken|took|"
    r"trafficked|sent|drove|driven|holiday|holidays)\b(\s+\S+){0,6}\s+$"
)


def _counts_as_residence(text: str, start: int, short: bool) -> bool:
    # A short message, or a place it opens with ("park north in swindon, im
    # not from here..."), answers "where are you?".
    if short or len(words(text[:start])) <= 1:
        return True
    before = text[max(0, start - 60) : start]
    return bool(_RESIDENCE_CUE.search(before)) and not _MOVEMENT_CUE.search(before)


def find_area(text: str, knowledge: Knowledge) -> str | None:
    """The partnership area where the person is, if the message says so."""
    places = knowledge.places
    short = len(words(text)) <= SHORT_ANSWER_WORDS
    found: list[tuple[int, str]] = []
    for area, patterns in places.areas.items():
        for pattern in patterns:
            match = next(
                (
                    m
                    for m in pattern.finditer(text)
                    if (
                        pattern.pattern not in places.ambiguous
                        or len(words(text)) <= 3
                        or _PLACE_CUE.search(text[: m.start()])
                    )
                    and _counts_as_residence(text, m.start(), short)
                ),
                None,
            )
            if match:
                found.append((match.start(), area))
                break
    local = sorted(f for f in found if f[1] != "elsewhere")
    if local:
        return local[0][1]
    if found:
        return "elsewhere"
    if short:
        for area, patterns in places.answers.items():
            if any(p.search(text) for p in patterns):
                return area
    return None


def _danger_now(text: str, knowledge: Knowledge) -> bool:
    danger = knowledge.danger

    def clean(match: re.Match[str]) -> bool:
        clause = _clause_of(text, match.start(), match.end())
        if any(p.search(clause) for p in danger.past_cues):
            return False
        return not _negated(text, match.start())

    for pattern in danger.always:
        if any(clean(m) for m in pattern.finditer(text)):
            return True
    # "She's safe at home" outweighs a now-cue elsewhere in the message.
    said_safe = _said_not_in_danger(text, knowledge)
    for pattern in danger.with_now:
        for match in pattern.finditer(text):
            clause = _clause_of(text, match.start(), match.end())
            if clean(match) and not said_safe and any(p.search(clause) for p in danger.now_cues):
                return True
    return False


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NAME_WORD = re.compile(r"^[a-z][a-z'-]{2,19}$")


def _looks_like_a_name(text: str) -> bool:
    """One to four words that could be a place or a job nobody listed
    ("banbury", "kirkby thore", "barista"), not keyboard-mashing ("asdfgh")."""
    tokens = [t.strip(".,!?") for t in text.split()]
    if not 1 <= len(tokens) <= 4:
        return False
    for token in tokens:
        if not _NAME_WORD.match(token) or not re.search(r"[aeiouy]", token):
            return False
        if re.search(r"[^aeiouy'-]{4,}", token) or re.search(r"(.)\1\1", token):
            return False
        if any(row[i : i + 4] in token for row in _KEYBOARD_ROWS for i in range(len(row) - 3)):
            return False
    return True


def _has_known_word(text: str, knowledge: Knowledge) -> bool:
    """False for keyboard-mashing ("asdkjh qwe zzz"): no English or knowledge-file word."""
    english = _speller(knowledge).english
    tokens = [w.strip("'") for w in words(text)]
    # Rare dictionary entries ("zzz", "hmm") do not count as words.
    return any(
        t.isdigit() or (english.get(t) or 0) >= COMMON_WORD_COUNT or t in knowledge.vocabulary
        for t in tokens
        if t
    )


def _said_not_in_danger(text: str, knowledge: Knowledge) -> bool:
    return any(p.search(text) for p in knowledge.danger.not_danger)


def _answer(text: str) -> str | None:
    if _UNSURE.match(text):
        return "unsure"
    if _NO.match(text):
        return "no"
    if _YES.match(text):
        return "yes"
    return None


def analyse(
    message: str,
    knowledge: Knowledge | None = None,
    category_model: CategoryModel | None = None,
    threshold: float = MODEL_THRESHOLD,
    extra_threshold: float = MODEL_EXTRA_THRESHOLD,
    danger_model: DangerModel | None = None,
    danger_threshold: float = DANGER_THRESHOLD,
) -> Analysis:
    """Analyse one message; returns ids only.

    ``category_model`` adds categories the rules missed when it is at least
    ``threshold`` sure (``extra_threshold`` when the rules found a category
    already), except ones the message denies. ``danger_model`` reads danger
    now in words no pattern knows, when it is ``danger_threshold`` sure.
    """
    knowledge = knowledge or default_knowledge()
    text = prepare(message, knowledge)
    if not text:
        return Analysis()

    signs: list[str] = []
    categories: set[str] = set()
    denied: set[str] = set()
    urgent: list[str] = []
    yielding: list[Indicator] = []
    # the signs behind each category, to tell those an everyday explanation
    # can account for ("he works at the chippy") from the rest
    support: dict[str, set[str]] = {}
    for indicator in knowledge.indicators:
        if indicator.unless and any(p.search(text) for p in indicator.unless):
            continue
        if indicator.negated_ok:
            found, was_denied = _first_match(indicator.patterns, text, check_negation=False), False
        else:
            found, was_denied = _scan(indicator.patterns, text)
        if found:
            signs.append(indicator.id)
            if indicator.yields_to:
                yielding.append(indicator)
            else:
                categories.update(indicator.categories)
                for category in indicator.categories:
                    support.setdefault(category, set()).add(indicator.id)
            if indicator.level == "urgent":
                urgent.append(indicator.id)
        elif was_denied:
            denied.update(indicator.categories)
    yielded = {c for indicator in yielding for c in indicator.categories}
    guesses = _gendered_exploitation(text, signs, categories | yielded)

    topics = [cid for cid, patterns in knowledge.topics.items() if _first_match(patterns, text)]
    categories.update(topics)

    ages = _ages(text, knowledge)
    under_13 = any(age < 13 for age in ages)
    sexual = bool(_SEXUAL.search(text)) and not _negated(text, _SEXUAL.search(text).start())
    # Sexual activity involving a child under 13 is urgent; sexual talk, porn
    # shown or online grooming with no sexual act yet are concerns.
    activity = _SEXUAL_ACTIVITY.search(text)
    # "a lad at the skatepark whos 15 makes me do sex stuff": another child
    # doing it is harmful sexual behaviour, not exploitation by an adult.
    if (
        (activity or "forced_sexual_activity" in signs)
        and _CHILD_PERPETRATOR.search(text)
        and not _ADULT.search(text)
        and all(age < 18 for age in ages)
    ):
        categories.add("harmful_sexual_behaviour")
    if under_13 and activity and not _negated(text, activity.start()):
        urgent.append("under_13_sexual")
        if "harmful_sexual_behaviour" not in categories:
            categories.add("sexual_exploitation")
    teen = [age for age in ages if age < 18]
    adult = [age for age in ages if age >= 18]
    if teen and adult and sexual and max(teen) < 16:
        # Sexual activity between an adult and a child under 16 is a crime.
        categories.add("sexual_exploitation")
        if "older_partner" not in signs:
            signs.append("older_partner")
        urgent.append("adult_sexual_contact")

    firm = set(categories)
    # categories whose only support is signs an everyday explanation can account for
    look = {c for c in firm if c in support and support[c] <= knowledge.explained.signs}
    explained = (
        _first_match(knowledge.explained.patterns, text) is not None
        and not urgent
        and all(sign in knowledge.explained.signs for sign in signs)
    )
    soft = tuple(
        (c, indicator.yields_to, indicator.instead) for indicator in yielding for c in indicator.categories
    )
    model: tuple[tuple[str, bool], ...] = ()
    role_cue = find_role_cue(text, knowledge, STATED_TIERS)
    role = role_cue[0] if role_cue else None
    area = find_area(text, knowledge)
    # Answers ("no, he came home on the school bus") are not descriptions:
    # the model would read "came home" as going missing.
    answering = (
        _answer(text) is not None
        or _said_not_in_danger(text, knowledge)
        or bool(_NOT_NOW.search(text))
        # "I do reception at a hotel" answers "who's asking?"
        or (len(words(text)) <= SHORT_ANSWER_WORDS + 2 and bool(role or area))
    )
    if category_model is not None and len(words(text)) >= MODEL_MIN_WORDS and not answering:
        scores = category_model.scores(text)
        model = tuple(
            (c, scores[c] >= max(threshold, extra_threshold))
            for c in CATEGORIES
            if scores.get(c, 0.0) >= threshold and c not in denied and c not in firm
        )
    if explained:
        # "He's got cash, but it's from his Saturday job, I've seen his payslips."
        firm, model, guesses, look = firm - look, (), set(), set()
    categories = combine(firm, soft, model, guesses)
    model_categories = tuple(c for c, _ in model if c in categories and c not in yielded)

    vulnerabilities = tuple(v.id for v in knowledge.vulnerabilities if _first_match(v.patterns, text))
    contexts = tuple(c.id for c in knowledge.contexts if _first_match(c.patterns, text, check_negation=False))
    language = tuple(term.id for term in knowledge.language if _first_match(term.patterns, text, False))
    danger_now = _danger_now(text, knowledge)
    question = text.endswith("?") or bool(_QUESTION_START.match(text) or _FIRST_SENTENCE_ASKS.match(text))
    general = question and not _PARTICULAR.search(text)
    # The danger model reads descriptions of three words or more: never an
    # answer ("no, she's home"; a "yes" already answers the danger question;
    # "Swindon, by the retail park"), a "she's safe now", nor a question that
    # names no particular child ("what do I do if he's threatened with a knife?").
    if (
        not danger_now
        and danger_model is not None
        and len(words(text)) >= DANGER_MIN_WORDS
        and not answering
        and not general
        and not _HYPOTHETICAL.search(text)
        and danger_model.probability(text)
        >= (danger_threshold if len(words(text)) >= MODEL_MIN_WORDS else DANGER_SHORT_THRESHOLD)
    ):
        danger_now = True
    known_word = _has_known_word(text, knowledge)
    name_like = not known_word and _looks_like_a_name(text)
    flags = []
    if explained and not danger_now:
        flags.append("explained")
    if "online" in contexts:
        flags.append("online")
    if under_13:
        flags.append("under_13")
    return Analysis(
        role=role,
        role_said=bool(role_cue and role_cue[1] != MENTION_TIER),
        role_hint=find_role(text, knowledge, HINT_TIERS),
        area=area,
        signs=tuple(signs),
        topics=tuple(topics),
        categories=tuple(c for c in CATEGORIES if c in categories),
        vulnerabilities=vulnerabilities,
        contexts=contexts,
        language_terms=language,
        urgent_reasons=tuple(dict.fromkeys(urgent)),
        danger_now=danger_now,
        not_in_danger=not danger_now and _said_not_in_danger(text, knowledge),
        under_13=under_13,
        answer=_answer(text),
        question=question,
        general=general,
        flags=tuple(flags),
        model_categories=model_categories,
        firm=tuple(c for c in CATEGORIES if c in firm and c not in look),
        look=tuple(c for c in CATEGORIES if c in look),
        soft=soft,
        model=model,
        guesses=tuple(c for c in CATEGORIES if c in guesses),
        word_count=len(words(text)),
        understood=known_word or name_like,
        name_like=name_like,
        social=bool(_SOCIAL.search(text)),
        hypothetical=bool(_HYPOTHETICAL.search(text))
        and role != "young_person"
        and not _FOR_A_FRIEND.search(text)
        and not _NAMED_CHILD.search(text)
        and not danger_now,
    )


_FEMALE = re.compile(
    r"\b(she|her|hers|herself|girl|girls|daughter|niece|granddaughter|sister|stepdaughter|gf|girlfriend)\b"
)
_MALE = re.compile(r"\b(he|him|his|himself|boy|boys|lad|lads|son|nephew|grandson|brother|stepson)\b")
_FEMALE_CHILD = re.compile(
    r"\b(?<!older )(?<!adult )(girl|girls|daughter|niece|granddaughter|sister|stepdaughter|schoolgirls?|\d+f|lass|lasses)\b"
)
_MALE_CHILD = re.compile(
    r"\b(?<!older )(?<!adult )(?<!grown )(boy|boys|son|nephew|grandson|brother|stepson|schoolboys?|\d+m|lad)\b"
)
_GENDERED_SIGNS = ("older_associates", "taxis_hotels", "expensive_items")


def combine(
    firm: Iterable[str],
    soft: Iterable[tuple[str, Iterable[str], Iterable[str]]],
    model: Iterable[tuple[str, bool]],
    guesses: Iterable[str] = (),
) -> set[str]:
    """The categories that evidence points to, for one message or a conversation.

    ``firm``: categories of signs and topics. ``soft``: a sign's category with
    the categories it yields to ("an older man online" gives way to
    radicalisation when the talk is extremist) and those that then take its
    place. ``model``: the category model's categories past its bar, each with
    whether it also passed the higher bar that lets it stand beside signs.
    ``guesses``: added only when nothing but going missing or trafficking
    was found (older men around a girl who goes missing: likely sexual
    exploitation; older men in an extremist group: radicalisation only).
    """
    soft = list(soft)
    found = set(firm)
    alone = not found and not soft
    found |= {c for c, sure in model if sure or alone}
    given_way = [(c, instead) for c, yields_to, instead in soft if found & set(yields_to)]
    found |= {c for c, yields_to, _ in soft if not found & set(yields_to)}
    found |= {c for _, instead in given_way for c in instead}
    if not found - GUESS_BESIDE:
        found |= set(guesses)
    return found


def _gendered_exploitation(text: str, signs: list[str], found: set[str]) -> set[str]:
    """Older people, cars, hotels, new things and no exploitation ``found`` yet: sexual or criminal?

    Both happen to all children; with nothing else to go on the assistant
    names the more common pattern for the child described, and says these
    are possible signs, never a finding. Returns the guess, which `combine`
    drops if anything in the conversation explains the older people.
    """
    if (
        not any(s in signs for s in _GENDERED_SIGNS)
        or {"sexual_exploitation", "criminal_exploitation"} & found
    ):
        return set()
    # The child is named by a noun ("girls in school uniform", "my son"); "he"
    # and "him" are as often the man around her. Pronouns decide only a tie.
    female = len(_FEMALE_CHILD.findall(text))
    male = len(_MALE_CHILD.findall(text))
    if female == male:
        female, male = len(_FEMALE.findall(text)), len(_MALE.findall(text))
    if female > male:
        return {"sexual_exploitation"}
    if male > female:
        return {"criminal_exploitation"}
    return set()
