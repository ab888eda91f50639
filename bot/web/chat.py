"""The chat API's two halves: checking what the browser sends, and talking to Rasa.

Message text passes through here and is never logged: log lines name what
happened (Rasa unreachable, timed out), never what anyone wrote.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

SENDER_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_MESSAGE_CHARS = 1000
AREAS = ("durham", "swindon", "elsewhere")
RESTART = "/restart"
# Longest wait for Rasa to connect, or to produce its next message.
REPLY_TIMEOUT = 10.0
MAX_TEXT_CHARS = 5000
MAX_BUTTONS = 12

SAFE_ERROR = (
    "Sorry, the chat is not working right now. If you or a child are in danger now, call 999. "
    "Young people can call Childline free on 0800 1111, any time."
)


class ChatRequestError(Exception):
    """A request the API refuses, with the status and the JSON body to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class RasaUnavailable(Exception):
    """Rasa could not be reached, answered with an error, or was too slow."""


@dataclass(frozen=True)
class ChatRequest:
    """A checked chat request."""

    sender: str
    message: str
    area: str = ""


def parse_chat_request(content_type: str | None, body: bytes) -> ChatRequest:
    """Check a ``POST /api/chat`` body; raise :class:`ChatRequestError` if unusable."""
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise ChatRequestError(415, "unsupported_media_type", "Send the message as application/json.")
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        raise ChatRequestError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ChatRequestError(400, "invalid_json", "The request body must be a JSON object.")
    sender = data.get("sender")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise ChatRequestError(400, "invalid_sender", "sender must be 16 to 64 letters, digits, '_' or '-'.")
    message = data.get("message")
    if not isinstance(message, str):
        raise ChatRequestError(400, "invalid_message", "message must be text.")
    message = message.strip()
    if not message:
        raise ChatRequestError(400, "empty_message", "Type a message before sending.")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ChatRequestError(
            413,
            "message_too_long",
            f"Messages can be up to {MAX_MESSAGE_CHARS} characters. Please send it in shorter parts.",
        )
    area = data.get("area")
    if area in (None, ""):
        area = ""
    elif not isinstance(area, str) or area not in AREAS:
        raise ChatRequestError(400, "invalid_area", "area must be one of: " + ", ".join(AREAS) + ".")
    return ChatRequest(sender=sender, message=message, area=area)


def clean_message(raw: Any) -> dict[str, Any] | None:
    """Keep only what the page shows (text and buttons) from a Rasa message."""
    if not isinstance(raw, dict):
        return None
    out: dict[str, Any] = {}
    text = raw.get("text")
    if isinstance(text, str) and text.strip():
        out["text"] = text[:MAX_TEXT_CHARS]
    buttons = [
        {"title": b["title"][:200], "payload": b["payload"][:MAX_MESSAGE_CHARS]}
        for b in raw.get("buttons") or []
        if isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)
    ][:MAX_BUTTONS]
    if buttons:
        out["buttons"] = buttons
    return out or None


class SeenSenders:
    """Senders whose area slot was already set, bounded so memory stays small."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._seen: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, sender: object) -> bool:
        return sender in self._seen

    def add(self, sender: str) -> None:
        self._seen[sender] = None
        self._seen.move_to_end(sender)
        while len(self._seen) > self._limit:
            self._seen.popitem(last=False)

    def discard(self, sender: str) -> None:
        self._seen.pop(sender, None)


class MessageStream:
    """Rasa's newline-delimited JSON reply, read one cleaned message at a time."""

    def __init__(self, response: aiohttp.ClientResponse, timeout: float) -> None:
        self._response = response
        self._timeout = timeout

    async def next(self) -> dict[str, Any] | None:
        """The next message to show, or ``None`` when Rasa has finished."""
        while True:
            try:
                line = await asyncio.wait_for(self._response.content.readline(), self._timeout)
            except asyncio.TimeoutError:
                raise RasaUnavailable("no reply in time") from None
            except (aiohttp.ClientError, ValueError) as err:
                raise RasaUnavailable(type(err).__name__) from None
            if not line:
                return None
            try:
                message = clean_message(json.loads(line))
            except ValueError:
                continue  # a line that is not JSON is not for the person
            if message is not None:
                return message


class RasaClient:
    """Rasa's REST channel and HTTP API, as the chat API uses them."""

    def __init__(self, base_url: str, token: str = "", timeout: float = REPLY_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # Created inside the server's loop; trust_env off so no proxy sees the text.
        self._session = aiohttp.ClientSession(trust_env=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("RasaClient.start() has not been awaited")
        return self._session

    def _timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=None, sock_connect=self.timeout, sock_read=self.timeout)

    async def set_slot(self, sender: str, name: str, value: str) -> None:
        """Set one slot through the HTTP API (``/conversations/{id}/tracker/events``)."""
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker/events"
        params = {"include_events": "NONE"}
        if self.token:
            params["token"] = self.token
        try:
            async with self.session.post(
                url,
                params=params,
                json=[{"event": "slot", "name": name, "value": value}],
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                await response.read()
                if response.status != 200:
                    raise RasaUnavailable(f"slot update answered {response.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as err:
            raise RasaUnavailable(type(err).__name__) from None

    @asynccontextmanager
    async def messages(self, sender: str, message: str) -> AsyncIterator[MessageStream]:
        """Send one message over REST with ``stream=true`` and read the replies."""
        url = f"{self.base_url}/webhooks/rest/webhook"
        try:
            async with self.session.post(
                url,
                params={"stream": "true"},
                json={"sender": sender, "message": message},
                timeout=self._timeout(),
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"REST channel answered {response.status}")
                yield MessageStream(response, self.timeout)
        except (aiohttp.ClientError, asyncio.TimeoutError) as err:
            raise RasaUnavailable(type(err).__name__) from None
