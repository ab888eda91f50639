"""The chat API and the page's HTTP behaviour, served for real against a fake Rasa."""

from __future__ import annotations

import http.client
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

SENDER = "a" * 16 + "B9_-"


def call(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def post_chat(base: str, payload: Any, content_type: str = "application/json") -> tuple[int, dict, bytes]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return call(f"{base}/api/chat", "POST", body, {"Content-Type": content_type})


def lines(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/", None),
        ("GET", "/?area=swindon", None),
        ("GET", "/browsing-safely", None),
        ("GET", "/health", None),
        ("GET", "/static/widget.js", None),
        ("GET", "/api/help-now", None),
        ("GET", "/no-such-page", None),
        ("POST", "/api/chat", json.dumps({"sender": SENDER, "message": "hello"}).encode()),
        ("POST", "/api/chat", b"not json"),
    ],
)
def test_every_response_carries_the_security_headers(web, method, path, body) -> None:
    status, headers, _ = call(web.url + path, method, body, {"Content-Type": "application/json"})
    assert status in {200, 400, 404}
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http" not in csp  # no third-party origin anywhere in the policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cache-control"] == "no-store"
    assert "set-cookie" not in headers


def test_widget_files_may_be_loaded_by_partnership_pages_and_pages_may_not(web) -> None:
    _, js, _ = call(web.url + "/static/widget.js")
    _, index, _ = call(web.url + "/")
    assert js["cross-origin-resource-policy"] == "cross-origin"
    assert index["cross-origin-resource-policy"] == "same-origin"


@pytest.mark.parametrize(
    ("payload", "content_type", "status", "error"),
    [
        ({"sender": "short", "message": "hi"}, "application/json", 400, "invalid_sender"),
        ({"sender": "x" * 65, "message": "hi"}, "application/json", 400, "invalid_sender"),
        ({"sender": "<script>alert(1)</script>", "message": "hi"}, "application/json", 400, "invalid_sender"),
        ({"sender": 1234567890123456789, "message": "hi"}, "application/json", 400, "invalid_sender"),
        ({"message": "hi"}, "application/json", 400, "invalid_sender"),
        ({"sender": SENDER}, "application/json", 400, "invalid_message"),
        ({"sender": SENDER, "message": ["hi"]}, "application/json", 400, "invalid_message"),
        ({"sender": SENDER, "message": ""}, "application/json", 400, "empty_message"),
        ({"sender": SENDER, "message": "   \n "}, "application/json", 400, "empty_message"),
        ({"sender": SENDER, "message": "x" * 1001}, "application/json", 413, "message_too_long"),
        ({"sender": SENDER, "message": "hi", "area": "london"}, "application/json", 400, "invalid_area"),
        (b"{not json", "application/json", 400, "invalid_json"),
        ([1, 2], "application/json", 400, "invalid_json"),
        ({"sender": SENDER, "message": "hi"}, "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_invalid_chat_requests_get_a_clear_error_and_never_reach_rasa(
    web, fake_rasa, payload, content_type, status, error
) -> None:
    got, headers, body = post_chat(web.url, payload, content_type)
    assert got == status
    answer = json.loads(body)
    assert answer["error"] == error and answer["message"]
    assert headers["cache-control"] == "no-store"
    assert fake_rasa.received == []


def test_a_body_far_over_the_limit_is_refused(web, fake_rasa) -> None:
    status, _, _ = post_chat(web.url, {"sender": SENDER, "message": "x" * 40_000})
    assert status == 413
    assert fake_rasa.received == []


def test_a_message_of_exactly_1000_characters_is_accepted(web, fake_rasa) -> None:
    status, _, _ = post_chat(web.url, {"sender": SENDER, "message": "y" * 1000})
    assert status == 200
    assert fake_rasa.received[0]["message"] == "y" * 1000


def test_replies_are_forwarded_as_ndjson_with_only_text_and_buttons(web, fake_rasa) -> None:
    fake_rasa.say(
        "my son keeps coming home with cash",
        {"text": "I'm sorry you're worried.", "custom": {"secret": 1}, "image": "https://evil.example/x.png"},
        {"text": "Who are you?", "buttons": [{"title": "I'm a parent", "payload": "/parent"}, {"bad": 1}]},
    )
    message = {"sender": SENDER, "message": "my son keeps coming home with cash"}
    status, headers, body = post_chat(web.url, message)
    assert status == 200
    assert headers["content-type"].startswith("application/x-ndjson")
    assert lines(body) == [
        {"text": "I'm sorry you're worried."},
        {"text": "Who are you?", "buttons": [{"title": "I'm a parent", "payload": "/parent"}]},
    ]
    assert fake_rasa.received == [{"sender": SENDER, "message": "my son keeps coming home with cash"}]


def test_the_first_reply_arrives_before_rasa_has_finished(web, fake_rasa) -> None:
    fake_rasa.say("help", {"text": "Call 999 now."}, {"text": "Later advice."}, pauses=[0, 2.0])
    parts = urlsplit(web.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    started = time.monotonic()
    conn.request(
        "POST",
        "/api/chat",
        json.dumps({"sender": SENDER, "message": "help"}),
        {"Content-Type": "application/json"},
    )
    resp = conn.getresponse()
    first = json.loads(resp.readline())
    first_at = time.monotonic() - started
    rest = resp.read()
    conn.close()
    assert first == {"text": "Call 999 now."}
    assert first_at < 1.5
    assert lines(rest) == [{"text": "Later advice."}]


def test_rasa_unreachable_gets_a_safe_502_naming_999_and_childline(make_web, dead_rasa_port) -> None:
    web = make_web(rasa_port=dead_rasa_port)
    status, headers, body = post_chat(web.url, {"sender": SENDER, "message": "hello"})
    assert status == 502
    message = json.loads(body)["message"]
    assert "999" in message and "Childline" in message and "0800 1111" in message
    assert headers["cache-control"] == "no-store"


def test_rasa_too_slow_to_answer_gets_the_safe_502(make_web, fake_rasa) -> None:
    web = make_web(reply_timeout=0.5)
    fake_rasa.say("hello", {"text": "late"}, pauses=[2.0])
    status, _, body = post_chat(web.url, {"sender": SENDER, "message": "hello"})
    assert status == 502
    assert "999" in json.loads(body)["message"]


def test_rasa_hanging_mid_answer_keeps_the_first_reply_and_adds_the_safe_message(make_web, fake_rasa) -> None:
    web = make_web(reply_timeout=0.5)
    fake_rasa.say("danger", {"text": "Call 999 now."}, {"text": "never arrives"}, pauses=[0, 3.0])
    status, _, body = post_chat(web.url, {"sender": SENDER, "message": "danger"})
    assert status == 200
    replies = lines(body)
    assert replies[0] == {"text": "Call 999 now."}
    assert replies[1]["error"] == "rasa_unavailable" and "Childline" in replies[1]["message"]
    assert len(replies) == 2


def test_area_from_the_page_is_set_once_before_the_first_message(web, fake_rasa) -> None:
    post_chat(web.url, {"sender": SENDER, "message": "hi", "area": "swindon"})
    post_chat(web.url, {"sender": SENDER, "message": "more", "area": "swindon"})
    assert fake_rasa.events == [
        {"sender": SENDER, "events": [{"event": "slot", "name": "area", "value": "swindon"}]}
    ]
    assert [m["message"] for m in fake_rasa.received] == ["hi", "more"]


def test_after_a_restart_the_area_is_set_again(web, fake_rasa) -> None:
    post_chat(web.url, {"sender": SENDER, "message": "hi", "area": "durham"})
    post_chat(web.url, {"sender": SENDER, "message": "/restart"})
    post_chat(web.url, {"sender": SENDER, "message": "hi again", "area": "durham"})
    assert len(fake_rasa.events) == 2


def test_an_area_rasa_refuses_is_a_safe_502_and_the_message_is_not_sent(make_web, fake_rasa) -> None:
    web = make_web(rasa_auth_token="wrong-token")
    status, _, body = post_chat(web.url, {"sender": SENDER, "message": "hi", "area": "swindon"})
    assert status == 502 and "999" in json.loads(body)["message"]
    assert fake_rasa.received == []


def test_message_text_is_never_logged(make_web, fake_rasa, dead_rasa_port, caplog) -> None:
    canary = "canary-7f3a-zebra-lighthouse"
    caplog.set_level(logging.DEBUG)
    for web in (make_web(), make_web(rasa_port=dead_rasa_port), make_web(reply_timeout=0.3)):
        fake_rasa.say(canary, {"text": "ok"}, {"text": "slow"}, pauses=[0, 1.0])
        post_chat(web.url, {"sender": SENDER, "message": canary})
    assert fake_rasa.received  # it did reach Rasa
    assert canary not in caplog.text
    assert SENDER not in caplog.text


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("https://www.partnership.example", True), ("https://evil.example", False)],
)
def test_only_configured_partnership_sites_may_call_the_chat_api(make_web, origin, allowed) -> None:
    web = make_web(cors_origins=("https://www.partnership.example",))
    status, headers, _ = call(
        web.url + "/api/chat",
        "OPTIONS",
        None,
        {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 204
    assert (headers.get("access-control-allow-origin") == origin) is allowed
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?area=swindon", ["999", "101", "0800 1111", "01793 464646"]),
        ("?area=durham", ["999", "101", "0800 1111"]),
        ("", ["999", "101", "0800 1111", "01793 464646"]),
    ],
)
def test_help_now_json_lists_the_numbers_for_the_widget(web, query, expected) -> None:
    status, headers, body = call(web.url + "/api/help-now" + query, headers={"Origin": "https://x.example"})
    phones = [c.get("phone") for c in json.loads(body)["contacts"]]
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    for number in expected:
        assert number in phones
