"""Checking chat requests and cleaning Rasa's messages (bot/web/chat.py)."""

from __future__ import annotations

import json

import pytest

from bot.web.chat import (
    MAX_BUTTONS,
    SAFE_ERROR,
    ChatRequest,
    ChatRequestError,
    SeenSenders,
    clean_message,
    parse_chat_request,
)

JSON = "application/json"
SENDER = "0123456789abcdef"


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    ("content_type", "raw", "expected"),
    [
        (JSON, body(sender=SENDER, message="hi"), ChatRequest(SENDER, "hi")),
        ("application/json; charset=utf-8", body(sender=SENDER, message=" hi \n"), ChatRequest(SENDER, "hi")),
        (JSON, body(sender="A" * 64, message="x" * 1000), ChatRequest("A" * 64, "x" * 1000)),
        (
            JSON,
            body(sender="a_b-" * 4, message="hi", area="swindon"),
            ChatRequest("a_b-" * 4, "hi", "swindon"),
        ),
        (JSON, body(sender=SENDER, message="hi", area=""), ChatRequest(SENDER, "hi")),
        (JSON, body(sender=SENDER, message="hi", area=None), ChatRequest(SENDER, "hi")),
        (JSON, body(sender=SENDER, message="🙂" * 1000), ChatRequest(SENDER, "🙂" * 1000)),
    ],
)
def test_good_requests_are_accepted(content_type: str, raw: bytes, expected: ChatRequest) -> None:
    assert parse_chat_request(content_type, raw) == expected


@pytest.mark.parametrize(
    ("content_type", "raw", "status", "code"),
    [
        (None, body(sender=SENDER, message="hi"), 415, "unsupported_media_type"),
        ("text/plain", body(sender=SENDER, message="hi"), 415, "unsupported_media_type"),
        (JSON, b"", 400, "invalid_json"),
        (JSON, b"\xff\xfe", 400, "invalid_json"),
        (JSON, b'"just a string"', 400, "invalid_json"),
        (JSON, body(sender="a" * 15, message="hi"), 400, "invalid_sender"),
        (JSON, body(sender="a" * 65, message="hi"), 400, "invalid_sender"),
        (JSON, body(sender="a" * 15 + " ", message="hi"), 400, "invalid_sender"),
        (JSON, body(sender="ä" * 16, message="hi"), 400, "invalid_sender"),
        (JSON, body(sender="a" * 16 + "\n", message="hi"), 400, "invalid_sender"),
        (JSON, body(sender=SENDER, message=None), 400, "invalid_message"),
        (JSON, body(sender=SENDER, message=42), 400, "invalid_message"),
        (JSON, body(sender=SENDER, message=""), 400, "empty_message"),
        (JSON, body(sender=SENDER, message="\t \n"), 400, "empty_message"),
        (JSON, body(sender=SENDER, message="x" * 1001), 413, "message_too_long"),
        (JSON, body(sender=SENDER, message="hi", area="Swindon "), 400, "invalid_area"),
        (JSON, body(sender=SENDER, message="hi", area="london"), 400, "invalid_area"),
        (JSON, body(sender=SENDER, message="hi", area=["swindon"]), 400, "invalid_area"),
    ],
)
def test_bad_requests_get_a_status_and_a_plain_reason(content_type, raw, status, code) -> None:
    with pytest.raises(ChatRequestError) as caught:
        parse_chat_request(content_type, raw)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.body()["message"].endswith(".")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"recipient_id": SENDER, "text": "Call 999"}, {"text": "Call 999"}),
        (
            {"text": "Pick", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
            {"text": "Pick", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        ),
        (
            {"buttons": [{"title": "Yes", "payload": "/affirm", "type": "postback"}]},
            {"buttons": [{"title": "Yes", "payload": "/affirm"}]},
        ),
        ({"text": "x", "buttons": [{"title": 1, "payload": "/a"}, "junk", {"title": "t"}]}, {"text": "x"}),
        (
            {"text": "x", "custom": {"a": 1}, "image": "https://evil.example/i.png", "attachment": "f"},
            {"text": "x"},
        ),
        ({"text": "   "}, None),
        ({"custom": {"a": 1}}, None),
        ({"text": 12}, None),
        ("a string", None),
        (None, None),
    ],
)
def test_only_text_and_buttons_reach_the_page(raw, expected) -> None:
    assert clean_message(raw) == expected


def test_button_lists_are_capped() -> None:
    many = [{"title": str(i), "payload": f"/p{i}"} for i in range(40)]
    assert len(clean_message({"buttons": many})["buttons"]) == MAX_BUTTONS


def test_seen_senders_forget_the_oldest_past_the_limit() -> None:
    seen = SeenSenders(limit=2)
    for sender in ("a", "b", "c"):
        seen.add(sender)
    assert "a" not in seen and "b" in seen and "c" in seen
    seen.discard("b")
    seen.discard("never-added")
    assert "b" not in seen


@pytest.mark.parametrize("needed", ["999", "Childline", "0800 1111"])
def test_the_safe_error_always_names_the_routes(needed: str) -> None:
    assert needed in SAFE_ERROR
