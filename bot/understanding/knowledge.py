"""Load, validate and compile the knowledge files in ``bot/knowledge/``.

The files are edited by partnerships, so every error names the file, the
entry and the field, and the assistant refuses to start on an invalid file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.vocabulary import AREAS, CATEGORIES, ROLES

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
LEVELS = ("concern", "urgent")


class KnowledgeError(ValueError):
    """A knowledge file is missing, malformed or inconsistent."""


# An optional group of whole words between spaces or at the end, after a word
# (not after a `~` gap): " (now|right now)?".
_OPTIONAL_WORDS = re.compile(r"(?<=[\w')]) \(([^()]*[^() ])\)\?(?=$| (?!\?))")


def compile_pattern(pattern: str, where: str) -> re.Pattern[str]:
    """Compile a knowledge-file pattern: whole words, with `~` word gaps."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise KnowledgeError(f"{where}: a pattern must be a non-empty string")
    source = pattern.strip()
    # " (now|right now)?" is optional with its space: "they're hitting me" ends
    # the message, so no space follows "me". (Unless " ?" follows, which
    # already makes the next space optional.)
    source = _OPTIONAL_WORDS.sub(lambda m: "\x03" + m.group(1) + "\x04", source)
    source = source.replace(" ~~ ", "\x00").replace(" ~ ", "\x01").replace(" ?", "\x02")
    source = source.replace(" ", r"\s+").replace("\x02", r"\s*")
    # A gap may start after a comma: "boyfriend, same age, who grabs her".
    source = source.replace("\x00", r"(?:[\s,]+[^\s,]+){0,6}[\s,]+").replace(
        "\x01", r"(?:[\s,]+[^\s,]+){0,3}[\s,]+"
    )
    source = source.replace("\x03", r"(?:\s+(").replace("\x04", "))?")
    try:
        return re.compile(rf"(?<![\w']){source}(?![\w'])")
    except re.error as error:
        raise KnowledgeError(f"{where}: invalid pattern {pattern!r}: {error}") from None


def _patterns(items: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(items, list) or not items:
        raise KnowledgeError(f"{where}: expected a non-empty list of patterns")
    return tuple(compile_pattern(p, f"{where}[{i}]") for i, p in enumerate(items))


def _mapping(data: Any, key: str, where: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: missing or invalid '{key}' (expected a mapping)")
    return value


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: '{key}' must be non-empty text")
    return value.strip()


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    short: str
    definition: str


@dataclass(frozen=True)
class Indicator:
    id: str
    says: str
    categories: tuple[str, ...]
    level: str
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...] = ()
    negated_ok: bool = False
    # Categories that, when another sign in the message points to them, take
    # the place of this sign's own (nudes passed round a class are harmful
    # sexual behaviour between children, not exploitation by an adult).
    yields_to: tuple[str, ...] = ()
    # Categories that take this sign's place when it yields (forced sexual
    # acts by a same-age partner are harmful sexual behaviour).
    instead: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cue:
    """A named set of patterns (vulnerability, context, language term)."""

    id: str
    patterns: tuple[re.Pattern[str], ...]
    says: str = ""
    better: str = ""


@dataclass(frozen=True)
class Danger:
    always: tuple[re.Pattern[str], ...]
    with_now: tuple[re.Pattern[str], ...]
    now_cues: tuple[re.Pattern[str], ...]
    past_cues: tuple[re.Pattern[str], ...]
    not_danger: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Explained:
    """An everyday explanation ("he works Saturdays at the chippy, I've seen his
    payslips") and the signs it can account for."""

    patterns: tuple[re.Pattern[str], ...]
    signs: frozenset[str]


@dataclass(frozen=True, eq=False)
class Knowledge:
    categories: dict[str, Category]
    indicators: tuple[Indicator, ...]
    topics: dict[str, tuple[re.Pattern[str], ...]]
    vulnerabilities: tuple[Cue, ...]
    contexts: tuple[Cue, ...]
    language: tuple[Cue, ...]
    danger: Danger
    age_patterns: tuple[re.Pattern[str], ...]
    school_year: re.Pattern[str]
    explained: Explained
    places: Places
    role_cues: dict[str, dict[str, tuple[re.Pattern[str], ...]]]
    vocabulary: frozenset[str] = field(default_factory=frozenset)

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping: a second
    `unless:` or `patterns:` would silently replace the first."""


def _no_duplicate_keys(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise KnowledgeError(f"{path}: file not found")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise KnowledgeError(f"{path}: expected a mapping with 'version: 1'")
    return data


def _load_taxonomy(path: Path) -> dict[str, Any]:
    data = _read(path)
    name = path.name
    raw_categories = _mapping(data, "categories", name)
    if set(raw_categories) != set(CATEGORIES):
        missing = sorted(set(CATEGORIES) - set(raw_categories))
        extra = sorted(set(raw_categories) - set(CATEGORIES))
        raise KnowledgeError(
            f"{name}: categories must be exactly {CATEGORIES}; missing {missing}, unknown {extra}"
        )
    categories = {}
    for cid in CATEGORIES:
        entry = raw_categories[cid]
        where = f"{name}: category {cid}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected a mapping")
        categories[cid] = Category(
            cid, _text(entry, "name", where), _text(entry, "short", where), _text(entry, "definition", where)
        )

    indicators = []
    seen: set[str] = set()
    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        raise KnowledgeError(f"{name}: 'indicators' must be a non-empty list")
    for position, entry in enumerate(raw_indicators):
        where = f"{name}: indicators[{position}]"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected a mapping")
        iid = _text(entry, "id", where)
        where = f"{name}: indicator {iid}"
        if iid in seen:
            raise KnowledgeError(f"{where}: duplicate id")
        seen.add(iid)
        cats = entry.get("categories")
        if not isinstance(cats, list) or any(c not in CATEGORIES for c in cats):
            raise KnowledgeError(f"{where}: 'categories' must be a list of {CATEGORIES}, got {cats!r}")
        level = entry.get("level", "concern")
        if level not in LEVELS:
            raise KnowledgeError(f"{where}: 'level' must be one of {LEVELS}, got {level!r}")
        unless = entry.get("unless") or []
        yields_to = entry.get("yields_to") or []
        instead = entry.get("instead") or []
        for key, value in (("yields_to", yields_to), ("instead", instead)):
            if not isinstance(value, list) or any(c not in CATEGORIES for c in value):
                raise KnowledgeError(f"{where}: '{key}' must be a list of {CATEGORIES}, got {value!r}")
        if instead and not yields_to:
            raise KnowledgeError(f"{where}: 'instead' needs 'yields_to'")
        indicators.append(
            Indicator(
                id=iid,
                says=_text(entry, "says", where),
                categories=tuple(cats),
                level=level,
                patterns=_patterns(entry.get("patterns"), f"{where}: patterns"),
                unless=_patterns(unless, f"{where}: unless") if unless else (),
                negated_ok=bool(entry.get("negated_ok", False)),
                yields_to=tuple(yields_to),
                instead=tuple(instead),
            )
        )

    raw_topics = _mapping(data, "topics", name)
    unknown = sorted(set(raw_topics) - set(CATEGORIES))
    if unknown:
        raise KnowledgeError(f"{name}: topics has unknown categories {unknown}")
    topics = {cid: _patterns(items, f"{name}: topics.{cid}") for cid, items in raw_topics.items()}

    def cues(key: str, need: str) -> tuple[Cue, ...]:
        raw = data.get(key)
        if isinstance(raw, dict):
            raw = [{"id": k, "patterns": v} for k, v in raw.items()]
        if not isinstance(raw, list) or not raw:
            raise KnowledgeError(f"{name}: '{key}' must be a non-empty list")
        out = []
        for position, entry in enumerate(raw):
            where = f"{name}: {key}[{position}]"
            cid = _text(entry, "id", where)
            out.append(
                Cue(
                    id=cid,
                    patterns=_patterns(entry.get("patterns"), f"{name}: {key}.{cid}"),
                    says=_text(entry, need, f"{name}: {key}.{cid}") if need == "says" else "",
                    better=_text(entry, need, f"{name}: {key}.{cid}") if need == "better" else "",
                )
            )
        return tuple(out)

    raw_danger = _mapping(data, "danger_now", name)
    danger = Danger(
        **{
            key: _patterns(raw_danger.get(key), f"{name}: danger_now.{key}")
            for key in ("always", "with_now", "now_cues", "past_cues", "not_danger")
        }
    )
    raw_ages = _mapping(data, "ages", name)
    raw_explained = _mapping(data, "explained", name)
    explainable = raw_explained.get("signs")
    known = {indicator.id for indicator in indicators}
    if not isinstance(explainable, list) or not explainable:
        raise KnowledgeError(f"{name}: explained.signs must be a non-empty list of indicator ids")
    unknown = sorted(set(explainable) - known)
    if unknown:
        raise KnowledgeError(f"{name}: explained.signs has unknown indicators {unknown}")
    explained = Explained(
        patterns=_patterns(raw_explained.get("patterns"), f"{name}: explained.patterns"),
        signs=frozenset(explainable),
    )
    return {
        "categories": categories,
        "indicators": tuple(indicators),
        "topics": topics,
        "vulnerabilities": cues("vulnerabilities", "says"),
        "contexts": cues("contexts", ""),
        "language": cues("language", "better"),
        "danger": danger,
        "age_patterns": _patterns(raw_ages.get("patterns"), f"{name}: ages.patterns"),
        "school_year": compile_pattern(_text(raw_ages, "school_years", f"{name}: ages"), f"{name}: ages"),
        "explained": explained,
    }


@dataclass(frozen=True, eq=False)
class Places:
    """Place names by area; `ambiguous` names need a place cue or a short answer."""

    areas: dict[str, tuple[re.Pattern[str], ...]]
    ambiguous: frozenset[str]
    answers: dict[str, tuple[re.Pattern[str], ...]]


def _load_places(path: Path) -> Places:
    data = _read(path)
    name = path.name
    areas = _mapping(data, "areas", name)
    answers = _mapping(data, "answers", name)
    for section, value in (("areas", areas), ("answers", answers)):
        if set(value) - set(AREAS):
            raise KnowledgeError(
                f"{name}: {section} has unknown areas {sorted(set(value) - set(AREAS))}; use {AREAS}"
            )
    ambiguous = data.get("ambiguous") or []
    if not isinstance(ambiguous, list):
        raise KnowledgeError(f"{name}: 'ambiguous' must be a list of place names")
    listed = {p for items in areas.values() for p in items}
    unknown = sorted(set(ambiguous) - listed)
    if unknown:
        raise KnowledgeError(f"{name}: ambiguous names {unknown} are not listed under any area")
    return Places(
        areas={area: _patterns(items, f"{name}: areas.{area}") for area, items in areas.items()},
        ambiguous=frozenset(compile_pattern(p, name).pattern for p in ambiguous),
        answers={area: _patterns(items, f"{name}: answers.{area}") for area, items in answers.items()},
    )


TIERS = ("self_identification", "relationship", "age", "weak")


def _occupation_patterns(occupations: list[str], workplaces: list[str]) -> list[str]:
    """Patterns that recognise an occupation or a workplace in the ways people say them."""
    patterns = []
    if occupations:
        occ = "(" + "|".join(occupations) + ")"
        patterns += [
            rf"(i'm|i am|im|i work as|working as|i'm just|just) (a |an |the |his |her |their |one of (his|her|their) )?"
            rf"(\S+ )?{occ}",
            # at the start of the message or of a sentence: "Not sure if this is the right
            # place. Taxi driver in Swindon, had a job earlier..."
            rf"(^|(?<=[.!?]) )(a |an |the )?(?!(my|his|her|their|our|your) )(\S+ )?{occ}(?=[.,:;!?]| -| here| speaking"
            rf"| writing| at (a|an|the|my|our)| in | for (a|an|the)| on (a|an|the|my|our)| with (a|an|the|my|our)|$)",
            rf"{occ} (here|speaking|writing)",
            rf"^(\S+ ){{0,2}}{occ}( \S+){{0,2}}$",
        ]
    if workplaces:
        place = "(" + "|".join(workplaces) + ")"
        patterns += [
            rf"i (work|worked|volunteer|am working|do shifts|do nights)( nights| days| part time| weekends)? (at|in|on|for) "
            rf"(a |an |the |our |my )?(\S+ )?{place}",
            rf"^(i )?(work|working) (at|in|on|for) (a |an |the )?(\S+ )?{place}",
            rf"(i|i'm|i am|im) (on|do|cover|work|doing|covering) (\S+ ){{0,4}}(at|in|for) (a |an |the |our |my )?(\S+ )?"
            rf"{place}\b",
        ]
    return patterns


def _load_roles(path: Path) -> dict[str, dict[str, tuple[re.Pattern[str], ...]]]:
    data = _read(path)
    name = path.name
    occupations = _mapping(data, "occupations", name)
    workplaces = _mapping(data, "workplaces", name)
    for section, value in (("occupations", occupations), ("workplaces", workplaces)):
        if set(value) - set(ROLES):
            raise KnowledgeError(f"{name}: {section} has unknown roles {sorted(set(value) - set(ROLES))}")
    out: dict[str, dict[str, tuple[re.Pattern[str], ...]]] = {}
    for tier in TIERS:
        section = _mapping(data, tier, name)
        if set(section) - set(ROLES):
            raise KnowledgeError(f"{name}: {tier} has unknown roles {sorted(set(section) - set(ROLES))}")
        compiled = {}
        for role in ROLES:
            items = list(section.get(role) or [])
            if tier == "self_identification":
                items += _occupation_patterns(occupations.get(role) or [], workplaces.get(role) or [])
            if items:
                compiled[role] = _patterns(items, f"{name}: {tier}.{role}")
        out[tier] = compiled
    return out


_WORD = re.compile(r"[a-z][a-z']{4,}")


def _vocabulary(*sources: Path) -> frozenset[str]:
    """Literal words of five letters or more used in the patterns (typo targets)."""
    found: set[str] = set()
    for path in sources:
        # "'cuckooing'" in a quoted YAML pattern is the word cuckooing
        found.update(w.strip("'") for w in _WORD.findall(path.read_text(encoding="utf-8").lower()))
    return frozenset(w for w in found if len(w) >= 5)


def load_knowledge(directory: Path | None = None) -> Knowledge:
    """Load and validate the three knowledge files from ``directory``."""
    directory = Path(directory or KNOWLEDGE_DIR)
    taxonomy_path = directory / "taxonomy.yml"
    places_path = directory / "places.yml"
    roles_path = directory / "roles.yml"
    return Knowledge(
        **_load_taxonomy(taxonomy_path),
        places=_load_places(places_path),
        role_cues=_load_roles(roles_path),
        vocabulary=_vocabulary(taxonomy_path, roles_path, places_path),
    )


@lru_cache(maxsize=4)
def default_knowledge(directory: str | None = None) -> Knowledge:
    """The knowledge files, loaded once per process."""
    return load_knowledge(Path(directory) if directory else None)
