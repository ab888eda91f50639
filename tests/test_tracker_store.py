"""Tracker stores keep no message text after the turn, and start-up refuses a store that would."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.tracker_store import (
    DEFAULT_RECORD_EXP,
    TRUSTED_EXTRACTORS,
    RedactingInMemoryTrackerStore,
    RedactingRedisTrackerStore,
    TrackerStoreCheckError,
    _redis_kwargs,
    check_tracker_store,
    redact_event,
    stored_events,
)

CANARY = "zebracanary4417"
REDIS_DB = 15

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [describe_concern, inform]
entities: [area, user_role, hoth_sign, city]
slots:
  area:
    type: categorical
    values: [durham, swindon, elsewhere]
    mappings: [{type: from_entity, entity: area}]
  user_role:
    type: categorical
    values: [young_person, parent_carer, practitioner, community_member]
    mappings: [{type: from_entity, entity: user_role}]
forms:
  triage_form:
    required_slots: [user_role, area]
responses:
  utter_ask_area: [{text: "Where are you?"}]
"""
)


def user(text: str, intent: str = "describe_concern", entities: list[dict] | None = None) -> UserUttered:
    return UserUttered(
        text,
        {"name": intent, "confidence": 0.93},
        entities or [],
        parse_data={"intent_ranking": [{"name": intent, "confidence": 0.93}]},
        input_channel="rest",
        metadata={"userAgent": f"Mozilla/5.0 {CANARY}"},
    )


def first_turn() -> list:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        user(
            f"my friend {CANARY} from bristol is 14 and her boyfriend is 30, we're in durham",
            entities=[
                {"entity": "area", "value": "durham", "extractor": "HothAnnotator", "start": 0, "end": 0},
                {
                    "entity": "hoth_sign",
                    "value": "age_gap",
                    "extractor": "HothAnnotator",
                    "start": 0,
                    "end": 0,
                },
                {"entity": "city", "value": "bristol", "extractor": "DIETClassifier", "start": 28, "end": 35},
                {"entity": "city", "value": CANARY, "extractor": "DIETClassifier", "start": 10, "end": 25},
            ],
        ),
        SlotSet("area", "durham"),
        ActiveLoop("triage_form"),
        SlotSet("requested_slot", "user_role"),
        BotUttered("Who are you?"),
        ActionExecuted("action_listen"),
    ]


@pytest.fixture
def redis_store() -> Iterator[RedactingRedisTrackerStore]:
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis server answered on 127.0.0.1:6379 ({type(exc).__name__})")
    prefix = f"hothtest{secrets.token_hex(4)}"
    store = RedactingRedisTrackerStore(
        DOMAIN, host="127.0.0.1", port=6379, db=REDIS_DB, key_prefix=prefix, record_exp=60
    )
    try:
        yield store
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> TrackerStore:
    if request.param == "memory":
        return RedactingInMemoryTrackerStore(DOMAIN)
    return request.getfixturevalue("redis_store")


def raw(store: TrackerStore, sender: str) -> str:
    """What the store keeps for ``sender``, read from Redis itself for the Redis store."""
    if isinstance(store, RedactingRedisTrackerStore):
        assert not store._fallback.store, "the Redis store fell back to memory"
        kept = store.red.get(store.key_prefix + sender)
        assert kept is not None
        return kept
    return store.store[sender]


# -- what is kept -----------------------------------------------------------


async def test_no_text_is_kept_after_the_turn(store: TrackerStore) -> None:
    await store.save(DialogueStateTracker.from_events("s1", first_turn(), DOMAIN.slots))
    kept = raw(store, "s1")
    assert CANARY not in kept and "bristol" not in kept and "boyfriend" not in kept and "Mozilla" not in kept
    users = [e for e in json.loads(kept)["events"] if e["event"] == "user"]
    assert len(users) == 1 and not users[0]["text"] and not users[0]["parse_data"]["text"]


async def test_retrieved_tracker_keeps_what_the_dialogue_needs(store: TrackerStore) -> None:
    original = DialogueStateTracker.from_events("s1", first_turn(), DOMAIN.slots)
    await store.save(original)
    back = await store.retrieve("s1")
    assert back is not None
    assert len(back.events) == len(original.events)
    assert back.latest_message.intent["name"] == "describe_concern"
    assert [(e["entity"], e["value"]) for e in back.latest_message.entities] == [
        ("area", "durham"),
        ("hoth_sign", "age_gap"),
    ]
    assert back.get_slot("area") == "durham"
    assert back.active_loop_name == "triage_form" and back.get_slot("requested_slot") == "user_role"
    assert back.latest_bot_utterance.text == "Who are you?"
    assert CANARY not in raw(store, "s1")


async def test_each_turn_is_redacted_as_the_conversation_goes_on(store: TrackerStore) -> None:
    await store.save(DialogueStateTracker.from_events("s2", first_turn(), DOMAIN.slots))
    tracker = await store.retrieve("s2")
    second = f"I'm her teacher at {CANARY} academy"
    role = {
        "entity": "user_role",
        "value": "practitioner",
        "extractor": "HothAnnotator",
        "start": 0,
        "end": 0,
    }
    tracker.update(user(second, intent="inform", entities=[role]))
    tracker.update(SlotSet("user_role", "practitioner"))
    await store.save(tracker)
    kept = raw(store, "s2")
    assert CANARY not in kept and "teacher" not in kept and "academy" not in kept
    back = await store.retrieve("s2")
    intents = [e.intent_name for e in back.events if isinstance(e, UserUttered)]
    assert intents == ["describe_concern", "inform"] and back.get_slot("user_role") == "practitioner"


async def test_rasas_own_factory_and_fail_safe_wrapper_use_the_redacting_store() -> None:
    endpoint = EndpointConfig(type="bot.tracker_store.RedactingInMemoryTrackerStore", url="ignored")
    created = TrackerStore.create(endpoint, domain=DOMAIN)
    assert isinstance(created, RedactingInMemoryTrackerStore)
    wrapped = FailSafeTrackerStore(created)  # what rasa.core.agent.Agent puts around it
    await wrapped.save(DialogueStateTracker.from_events("s3", first_turn(), DOMAIN.slots))
    assert CANARY not in raw(created, "s3")


# -- Redis specifics --------------------------------------------------------


async def test_redis_conversations_expire(redis_store: RedactingRedisTrackerStore) -> None:
    await redis_store.save(DialogueStateTracker.from_events("s4", first_turn(), DOMAIN.slots))
    ttl = redis_store.red.ttl(redis_store.key_prefix + "s4")
    assert 0 < ttl <= 60


@pytest.mark.parametrize("configured", [None, 0, -5])
def test_redis_store_never_keeps_a_conversation_for_ever(configured) -> None:
    store = RedactingRedisTrackerStore(DOMAIN, host="127.0.0.1", record_exp=configured)
    assert store.record_exp == DEFAULT_RECORD_EXP


async def test_redis_outage_keeps_the_conversation_in_memory_without_text() -> None:
    store = RedactingRedisTrackerStore(DOMAIN, host="127.0.0.1", port=9, db=REDIS_DB)
    await store.save(DialogueStateTracker.from_events("s5", first_turn(), DOMAIN.slots))
    back = await store.retrieve("s5")
    assert back is not None and back.get_slot("area") == "durham"
    assert CANARY not in json.dumps(stored_events(store, "s5"))
    assert list(await store.keys()) == ["s5"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("localhost", {"host": "localhost"}),
        (None, {"host": "localhost"}),
        ("redis://cache:6380/3", {"host": "cache", "port": 6380, "db": 3}),
        ("redis://:s%40cret@cache", {"host": "cache", "password": "s@cret"}),
        (
            "rediss://user:pw@cache:6390/0",
            {"host": "cache", "port": 6390, "db": 0, "username": "user", "password": "pw", "use_ssl": True},
        ),
    ],
)
def test_redis_url_forms(url, expected: dict) -> None:
    assert _redis_kwargs(url, {}) == expected


# -- redact_event, case by case ---------------------------------------------

TEXT = "we live in durham and my name is Jo, she goes to St Mary's"


@pytest.mark.parametrize(
    ("entity", "kept"),
    [
        (
            {"entity": "area", "value": "durham", "extractor": "HothAnnotator"},
            True,
        ),  # trusted id, even if typed
        (
            {"entity": "area", "value": "durham", "extractor": "RegexEntityExtractor"},
            False,
        ),  # copied from text
        (
            {"entity": "user_role", "value": "parent_carer", "extractor": "RegexEntityExtractor"},
            True,
        ),  # mapped id
        ({"entity": "name", "value": "Jo", "extractor": "DIETClassifier"}, False),
        ({"entity": "school", "value": "St Mary's", "extractor": "HothAnnotator"}, False),  # not an id at all
        ({"entity": "hoth_flag", "value": "vulnerability:send", "extractor": "HothAnnotator"}, True),
        ({"entity": "age", "value": 14, "extractor": "HothAnnotator"}, True),
        ({"entity": "hoth_sign", "value": ["age_gap", "gifts"], "extractor": "HothAnnotator"}, True),
        ({"entity": "hoth_sign", "value": ["age_gap", "Jo"], "extractor": "HothAnnotator"}, False),
        ({"entity": "Has Spaces", "value": "durham", "extractor": "HothAnnotator"}, False),
    ],
)
def test_entities_are_kept_only_when_their_value_is_an_id(entity: dict, kept: bool) -> None:
    event = {
        "event": "user",
        "text": TEXT,
        "parse_data": {"text": TEXT, "entities": [{**entity, "start": 3}]},
    }
    found = redact_event(event)["parse_data"]["entities"]
    assert found == ([{**entity, "start": 3}] if kept else [])


def test_a_user_event_keeps_only_ids() -> None:
    event = {
        "event": "user",
        "timestamp": 12.5,
        "text": TEXT,
        "input_channel": "socketio",
        "message_id": "m1",
        "metadata": {"page": "https://example.org/?q=" + CANARY},
        "parse_data": {
            "text": TEXT,
            "intent": {"name": "inform", "confidence": 0.8, "extra": TEXT},
            "intent_ranking": [{"name": "inform", "confidence": 0.8}, {"name": "greet", "confidence": 0.1}],
            "entities": [{"entity": "city", "value": "Durham City", "text": "Durham City", "extractor": "X"}],
            "response_selector": {"default": {"response": {"responses": [{"text": "hello"}]}}},
            "metadata": {"page": CANARY},
            "message_id": "m1",
        },
    }
    assert redact_event(event) == {
        "event": "user",
        "timestamp": 12.5,
        "input_channel": "socketio",
        "message_id": "m1",
        "parse_data": {
            "intent": {"name": "inform", "confidence": 0.8},
            "entities": [],
            "intent_ranking": [{"name": "inform", "confidence": 0.8}, {"name": "greet", "confidence": 0.1}],
            "message_id": "m1",
        },
    }


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"event": "bot", "text": "Call 999 now.", "data": {}},
            {"event": "bot", "text": "Call 999 now.", "data": {}},
        ),
        (
            {"event": "slot", "name": "area", "value": "swindon"},
            {"event": "slot", "name": "area", "value": "swindon"},
        ),
        (
            {
                "event": "slot",
                "name": "session_started_metadata",
                "value": {"area": "swindon", "userAgent": "Mozilla"},
            },
            {"event": "slot", "name": "session_started_metadata", "value": {"area": "swindon"}},
        ),
        (
            {
                "event": "entities",
                "entities": [{"entity": "area", "value": "durham"}, {"entity": "n", "value": "Jo"}],
            },
            {"event": "entities", "entities": [{"entity": "area", "value": "durham"}]},
        ),
        ({"event": "action", "name": "action_listen"}, {"event": "action", "name": "action_listen"}),
    ],
)
def test_other_events(event: dict, expected: dict) -> None:
    assert redact_event(event) == expected


def test_the_project_annotator_is_trusted() -> None:
    from bot.nlu_component import EXTRACTOR

    assert EXTRACTOR in TRUSTED_EXTRACTORS


# -- the start-up check -----------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "result"),
    [
        (
            "tracker_store:\n  type: bot.tracker_store.RedactingInMemoryTrackerStore\n",
            RedactingInMemoryTrackerStore,
        ),
        (
            "tracker_store:\n  type: bot.tracker_store.RedactingRedisTrackerStore\n  url: localhost\n",
            RedactingRedisTrackerStore,
        ),
        ("tracker_store:\n  type: redis\n  url: localhost\n", "RedisTrackerStore, which keeps message text"),
        ("tracker_store:\n  type: sql\n  dialect: sqlite\n", "SQLTrackerStore, which keeps message text"),
        ("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n", "InMemoryTrackerStore, which keeps"),
        # A typo: Rasa would warn once and carry on with a plain in-memory store.
        (
            "tracker_store:\n  type: bot.tracker_store.RedactingInMemoryStore\n",
            "InMemoryTrackerStore, which keeps",
        ),
        ("tracker_store:\n  type: bot.nowhere.Store\n", "InMemoryTrackerStore, which keeps"),
        ("tracker_store:\n  type: bot.tracker_store.TrackerStoreCheckError\n", "is not a Rasa tracker store"),
        (
            "tracker_store:\n  type: bot.tracker_store.RedactingInMemoryTrackerStore\n  url: ${HOTH_UNSET}\n",
            "cannot read tracker_store",
        ),
    ],
)
def test_check_tracker_store(tmp_path: Path, endpoints: str, result) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text(endpoints)
    if isinstance(result, type):
        assert check_tracker_store(path) is result
    else:
        with pytest.raises(TrackerStoreCheckError, match=result):
            check_tracker_store(path)


def test_check_tracker_store_without_endpoints_file(tmp_path: Path) -> None:
    with pytest.raises(TrackerStoreCheckError, match="not found"):
        check_tracker_store(tmp_path / "endpoints.yml")
