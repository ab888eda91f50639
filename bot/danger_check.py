"""``python -m bot danger FILE``: does the running assistant hear danger now?

Each message in FILE opens a conversation of its own over the REST channel,
as a person would type it; the tracker then says whether the assistant took
it as an emergency (the intent that puts 999 first). FILE is a YAML list of
``{text: "...", danger_now: true|false}``. Prints recall (dangers heard), the
false-emergency rate, and writes the misses to a file to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.evaluate import Assistant, add_assistant_arguments, read_list, run_all
from bot.settings import PROJECT_ROOT, load_settings

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def says_999_first(reply: str) -> bool:
    """Whether the reply's first sentence tells the person to call 999 (every
    first reply mentions 999 somewhere; an emergency puts it first)."""
    return "999" in _SENTENCE_END.split(reply.strip(), maxsplit=1)[0]


class DangerFileError(ValueError):
    """The file is not a list of {text, danger_now} items."""


@dataclass
class Heard:
    text: str
    danger_now: bool
    emergency: bool | None
    first_reply: str
    error: str | None = None


def load_items(path: Path) -> list[dict[str, Any]]:
    data = read_list(path, "{text, danger_now} items", DangerFileError)
    for number, item in enumerate(data, 1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text"), str)
            or not item["text"].strip()
            or not isinstance(item.get("danger_now"), bool)
        ):
            raise DangerFileError(
                f"{path}: item {number} needs a non-empty `text` and `danger_now: true|false`"
            )
    return data


async def hear(assistant: Assistant, item: dict[str, Any]) -> Heard:
    sender = f"danger-{uuid.uuid4().hex}"
    try:
        replies = await assistant.say(sender, item["text"])
        tracker = await assistant.tracker(sender)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return Heard(item["text"], item["danger_now"], None, "", error=repr(error))
    intent = ((tracker.get("latest_message") or {}).get("intent") or {}).get("name")
    first = replies[0].get("text") or "" if replies else ""
    return Heard(item["text"], item["danger_now"], intent == "emergency", first)


async def hear_all(
    items: Sequence[dict[str, Any]], url: str, token: str, concurrency: int, timeout: float, progress: bool
) -> list[Heard]:
    return await run_all(items, hear, url, token, concurrency, timeout, progress, unit="msg")


def score(results: Sequence[Heard]) -> dict[str, Any]:
    ran = [r for r in results if r.error is None]
    dangers = [r for r in ran if r.danger_now]
    others = [r for r in ran if not r.danger_now]
    return {
        "messages": len(results),
        "errors": len(results) - len(ran),
        "danger_recall": round(sum(r.emergency for r in dangers) / len(dangers), 3) if dangers else 1.0,
        "false_emergency_rate": round(sum(r.emergency for r in others) / len(others), 3) if others else 0.0,
        "first_sentence_999_rate": round(
            sum(says_999_first(r.first_reply) for r in dangers) / len(dangers), 3
        )
        if dangers
        else 1.0,
        "dangers": len(dangers),
        "not_dangers": len(others),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot danger", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="YAML list of {text, danger_now}")
    add_assistant_arguments(
        parser,
        PROJECT_ROOT / "results" / "danger_failures.yml",
        "where to write the misses and false emergencies",
    )
    return parser


def main(argv: list[str], command: str = "danger") -> int:
    args = _parser().parse_args(argv)
    try:
        items = load_items(args.file)
    except DangerFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings = load_settings()
    url = args.url or settings.rasa_url
    token = args.token if args.token is not None else settings.rasa_auth_token
    started = time.monotonic()
    results = asyncio.run(hear_all(items, url, token, args.concurrency, args.timeout, not args.no_progress))
    if all(r.error for r in results):
        print(
            f"error: no message could run against {url}: {results[0].error}. Is `make run` up?",
            file=sys.stderr,
        )
        return 2
    figures = score(results)
    figures["seconds"] = round(time.monotonic() - started, 1)
    wrong = [asdict(r) for r in results if r.error or r.emergency != r.danger_now]
    args.failures.parent.mkdir(parents=True, exist_ok=True)
    args.failures.write_text(yaml.safe_dump(wrong, sort_keys=False, allow_unicode=True, width=110))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{args.file.name}: {figures['messages']} messages ({figures['errors']} errors)")
        print(f"  danger now heard (recall)   {figures['danger_recall']:.3f} of {figures['dangers']}")
        print(f"  999 in the first sentence   {figures['first_sentence_999_rate']:.3f}")
        print(
            f"  false emergencies           {figures['false_emergency_rate']:.3f} of {figures['not_dangers']}"
        )
        print(f"{len(wrong)} wrong written to {args.failures} ({figures['seconds']} s)")
    return 0
