"""Tracker stores that keep no message text after the turn (SAFETY.md section 2).

Rasa holds a message's text in memory while it handles the turn (the action
server sees it then); what these stores *keep* has the text removed. Name one
in ``endpoints.yml``::

    tracker_store:
      type: bot.tracker_store.RedactingInMemoryTrackerStore

    tracker_store:                    # several Rasa replicas
      type: bot.tracker_store.RedactingRedisTrackerStore
      url: localhost                  # or redis://[:password@]host:port/db
      record_exp: 3600                # seconds a conversation is kept

Rasa falls back to a plain in-memory store, without a word, when the class
cannot be imported, so start-up calls :func:`check_tracker_store` first.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import redis
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, TrackerStore
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# Entities from these extractors carry ids by construction (bot/nlu_component.py's
# rule-based annotator), so they are kept even when the id is also a word the person typed.
TRUSTED_EXTRACTORS: tuple[str, ...] = ("HothAnnotator",)
# An id: lower case words joined by "_", optionally namespaced with ":" (e.g. "vulnerability:sen").
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}(?::[a-z0-9][a-z0-9_]{0,63})*$")
ENTITY_KEYS = (
    "entity",
    "value",
    "role",
    "group",
    "start",
    "end",
    "confidence_entity",
    "extractor",
    "processors",
)
INTENT_KEYS = ("name", "confidence", "id", "full_retrieval_intent_name")
# Slot filled by Rasa from the channel's message metadata, which the client chooses.
SESSION_METADATA_SLOT = "session_started_metadata"
DEFAULT_RECORD_EXP = 3600


def is_id(value: Any) -> bool:
    """True for an id-shaped string (no spaces, capitals or punctuation beyond ``_`` and ``:``)."""
    return isinstance(value, str) and bool(ID_PATTERN.match(value))


def _words(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


def _keeps_no_text(value: Any, text: str, trusted: bool) -> bool:
    """Whether an entity value can be kept: an id, and not lifted from the text unless trusted."""
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_keeps_no_text(item, text, trusted) for item in value)
    if not is_id(value):
        return False
    # An untrusted extractor (DIET, regex, Duckling) may have copied the
    # person's words into an id-shaped value, e.g. a town or a made-up name.
    return trusted or not text or _words(value) not in _words(text)


def _redact_entities(entities: Any, text: str, trusted_extractors: Iterable[str]) -> list[dict[str, Any]]:
    kept = []
    trusted_set = set(trusted_extractors)
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, Mapping) or not is_id(entity.get("entity")):
            continue
        trusted = entity.get("extractor") in trusted_set
        if _keeps_no_text(entity.get("value"), text, trusted):
            kept.append({key: entity[key] for key in ENTITY_KEYS if key in entity})
    return kept


def _redact_intent(intent: Any) -> dict[str, Any]:
    if not isinstance(intent, Mapping):
        return {}
    return {key: intent[key] for key in INTENT_KEYS if key in intent}


def _only_ids(value: Any) -> Any:
    """Keep id keys with id, number or boolean values (recursively); drop everything else."""
    if isinstance(value, Mapping):
        return {k: _only_ids(v) for k, v in value.items() if is_id(k) and _only_ids(v) is not None}
    if value is None or isinstance(value, (bool, int, float)) or is_id(value):
        return value
    return None


def redact_event(event: Mapping[str, Any], trusted_extractors: Iterable[str] = TRUSTED_EXTRACTORS) -> dict:
    """A serialised Rasa event with the person's words removed.

    A user event keeps its intent, intent ranking and the entities whose values
    are ids; its text, ``parse_data.text``, metadata and anything else in
    ``parse_data`` go. Other events pass unchanged, except that the slot Rasa
    fills from client metadata keeps only id-valued entries.
    """
    kind = event.get("event")
    if kind == "user":
        parse_data = event.get("parse_data") or {}
        text = event.get("text") or parse_data.get("text") or ""
        text = text if isinstance(text, str) else ""
        redacted = {
            key: event[key] for key in ("event", "timestamp", "input_channel", "message_id") if key in event
        }
        redacted["parse_data"] = {
            "intent": _redact_intent(parse_data.get("intent")),
            "entities": _redact_entities(parse_data.get("entities"), text, trusted_extractors),
            "intent_ranking": [
                _redact_intent(i) for i in parse_data.get("intent_ranking") or [] if isinstance(i, Mapping)
            ],
            "message_id": parse_data.get("message_id", event.get("message_id")),
        }
        return redacted
    if kind == "entities":
        # Set by actions, with no text at hand to compare against: ids only.
        return {**event, "entities": _redact_entities(event.get("entities"), "", ())}
    if kind == "slot" and event.get("name") == SESSION_METADATA_SLOT:
        return {**event, "value": _only_ids(event.get("value"))}
    return dict(event)


class _Redacting:
    """What both stores share: building the tracker that is actually kept."""

    trusted_extractors: tuple[str, ...] = TRUSTED_EXTRACTORS

    def _configure(self, trusted_extractors: Iterable[str] | None) -> None:
        if trusted_extractors is not None:
            self.trusted_extractors = tuple(trusted_extractors)

    def redacted(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """A copy of ``tracker`` whose events carry no message text."""
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = [redact_event(e, self.trusted_extractors) for e in dialogue["events"]]
        copy = self.init_tracker(tracker.sender_id)  # type: ignore[attr-defined]
        copy.recreate_from_dialogue(Dialogue.from_parameters(dialogue))
        return copy


class RedactingInMemoryTrackerStore(_Redacting, InMemoryTrackerStore):
    """Rasa's in-memory store, keeping each tracker without message text."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: Any = None,
        trusted_extractors: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's url, which memory has no use for
        super().__init__(domain, event_broker, **kwargs)  # type: ignore[arg-type]
        self._configure(trusted_extractors)

    async def save(self, tracker: DialogueStateTracker) -> None:
        # InMemoryTrackerStore.save serialises through its class name, so
        # overriding serialise_tracker would change nothing: redact here.
        await super().save(self.redacted(tracker))


def _redis_kwargs(host: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Accept ``redis://[user:password@]host:port/db`` (or ``rediss://``) as the endpoint's url."""
    if not host or "://" not in host:
        return {"host": host or "localhost", **kwargs}
    parts = urlparse(host)
    if parts.scheme not in {"redis", "rediss"}:
        raise ValueError(
            f"tracker store url must be a host name or redis://host:port/db, got {parts.scheme}://"
        )
    found: dict[str, Any] = {"host": parts.hostname or "localhost"}
    if parts.port:
        found["port"] = parts.port
    if parts.path.strip("/"):
        found["db"] = int(parts.path.strip("/"))
    if parts.username:
        found["username"] = unquote(parts.username)
    if parts.password:
        found["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        found["use_ssl"] = True
    return {**found, **kwargs}


def whole_seconds(value: Any) -> int | None:
    """An expiry as the whole number of seconds redis-py accepts; ``None`` when unset or under 1 s."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if seconds >= 1 else None


class RedactingRedisTrackerStore(_Redacting, RedisTrackerStore):
    """Rasa's Redis store, keeping each tracker without message text and only for ``record_exp`` seconds.

    When Redis fails, conversations carry on in a redacting in-memory store
    (Rasa's own fail-safe would keep them, text and all, in a plain one).
    """

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = "localhost",
        record_exp: float | str | None = DEFAULT_RECORD_EXP,
        trusted_extractors: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        options = _redis_kwargs(host, kwargs)
        # Never keep a conversation without an expiry, whatever the configuration says.
        expiry = whole_seconds(record_exp) or DEFAULT_RECORD_EXP
        super().__init__(domain, record_exp=expiry, **options)  # type: ignore[arg-type]
        self._configure(trusted_extractors)
        self._fallback = RedactingInMemoryTrackerStore(domain, trusted_extractors=self.trusted_extractors)

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        self._domain = domain or Domain.empty()
        if hasattr(self, "_fallback"):
            self._fallback.domain = domain

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        redacted = self.redacted(tracker)
        try:
            # Rasa hands `timeout` (and `record_exp`) to redis-py's `SET ... ex=`,
            # which refuses a float such as 1800.0 with a DataError: the
            # conversation would then never reach Redis.
            expiry = whole_seconds(timeout) or whole_seconds(self.record_exp) or DEFAULT_RECORD_EXP
            await super().save(redacted, expiry)
        except redis.exceptions.RedisError as exc:
            logger.error(
                "Redis tracker store unavailable (%s); keeping the conversation in memory", type(exc).__name__
            )
            await self._fallback.save(redacted)
            return
        self._fallback.store.pop(tracker.sender_id, None)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        if sender_id in self._fallback.store:
            return await self._fallback._retrieve(sender_id, fetch_all_sessions)
        try:
            return await super()._retrieve(sender_id, fetch_all_sessions)
        except redis.exceptions.RedisError as exc:
            logger.error(
                "Redis tracker store unavailable (%s); starting a new conversation", type(exc).__name__
            )
            return None

    async def keys(self) -> Iterable[str]:
        try:
            found = list(await super().keys())
        except redis.exceptions.RedisError:
            found = []
        return found + [key for key in await self._fallback.keys() if key not in found]


REDACTING_STORES: tuple[type[TrackerStore], ...] = (RedactingInMemoryTrackerStore, RedactingRedisTrackerStore)


class TrackerStoreCheckError(RuntimeError):
    """The tracker store Rasa would use keeps message text."""


def tracker_store_class(endpoints_path: str | Path) -> type[TrackerStore]:
    """The class Rasa would really instantiate for ``endpoints_path``'s ``tracker_store``.

    Follows ``rasa.core.tracker_store._create_from_endpoint_config``, including
    its silent fall back to ``InMemoryTrackerStore`` when a dotted path does not import.
    """
    import rasa.shared.utils.common
    from rasa.core.tracker_store import DynamoTrackerStore, MongoTrackerStore, SQLTrackerStore
    from rasa.core.utils import read_endpoint_config

    config = read_endpoint_config(str(endpoints_path), endpoint_type="tracker_store")
    if config is None or config.type is None:
        return InMemoryTrackerStore
    built_in = {
        "redis": RedisTrackerStore,
        "mongod": MongoTrackerStore,
        "sql": SQLTrackerStore,
        "dynamo": DynamoTrackerStore,
    }
    if config.type.lower() in built_in:
        return built_in[config.type.lower()]
    try:
        found = rasa.shared.utils.common.class_from_module_path(config.type)
    except (AttributeError, ImportError):
        return InMemoryTrackerStore
    if not (isinstance(found, type) and issubclass(found, TrackerStore)):
        raise TrackerStoreCheckError(f"{config.type} in {endpoints_path} is not a Rasa tracker store")
    return found


def check_tracker_store(endpoints_path: str | Path) -> type[TrackerStore]:
    """Return the tracker store class Rasa will use, raising unless it redacts message text."""
    path = Path(endpoints_path)
    if not path.is_file():
        raise TrackerStoreCheckError(
            f"{path} not found: Rasa would keep message text in its default in-memory tracker store"
        )
    try:
        found = tracker_store_class(path)
    except TrackerStoreCheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. an unset ${VAR}: Rasa would not start either
        raise TrackerStoreCheckError(f"cannot read tracker_store in {path}: {exc}") from exc
    if not issubclass(found, REDACTING_STORES):
        names = ", ".join(f"bot.tracker_store.{cls.__name__}" for cls in REDACTING_STORES)
        raise TrackerStoreCheckError(
            f"{path}: Rasa would use {found.__module__}.{found.__name__}, which keeps message text; "
            f"set tracker_store.type to one of {names} (and check that it imports)"
        )
    return found


def stored_events(store: TrackerStore, sender_id: str) -> list[dict[str, Any]]:
    """The events as stored for ``sender_id`` (for checks that nothing readable is kept)."""
    raw: Any = None
    if isinstance(store, RedactingRedisTrackerStore):
        raw = store._fallback.store.get(sender_id) or store.red.get(store.key_prefix + sender_id)
    elif isinstance(store, InMemoryTrackerStore):
        raw = store.store.get(sender_id)
    return json.loads(raw)["events"] if raw else []
