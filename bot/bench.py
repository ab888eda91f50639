"""``python -m bot bench``: measure the assistant as a person would feel it.

- ``latency`` (default): conversations over REST against the running
  assistant, one message at a time; prints p50/p95/max per reply.
- ``startup``: runs ``make run`` with nothing changed, times how long until
  it prints "ready", then stops it (the figure the README quotes).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid

import requests

from bot.settings import PROJECT_ROOT, load_settings

CONVERSATION = [
    "my son is 15 and keeps coming home with cash and a second phone",
    "I'm his mum",
    "we live in Swindon",
    "no, he's at home",
    "he was picked up by police in Bristol last month",
]
EMERGENCY = ["theyve got a knife and wont let me leave"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def latency(url: str, conversations: int) -> dict[str, float]:
    timings: list[float] = []
    with requests.Session() as session:
        for number in range(conversations):
            sender = f"bench-{uuid.uuid4().hex}"
            script = EMERGENCY if number % 5 == 4 else CONVERSATION
            for text in script:
                started = time.perf_counter()
                response = session.post(
                    f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
                )
                response.raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
            print(f"\r{number + 1}/{conversations} conversations", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return {
        "replies": len(timings),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(_percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
    }


def startup(timeout: float) -> dict[str, float]:
    """Time `make run` from launch to its "ready" line, then stop it."""
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    ready_after = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "ready in" in line:
                ready_after = time.monotonic() - started
                break
            if "training" in line and "changed" in line:
                print("note: make run is retraining; run it once first to measure a restart", file=sys.stderr)
            if time.monotonic() - started > timeout:
                break
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    if ready_after is None:
        raise RuntimeError("make run did not print 'ready' in time; run it by hand to see why")
    return {"make_run_ready_s": round(ready_after, 1)}


def main(argv: list[str], command: str = "bench") -> int:
    parser = argparse.ArgumentParser(prog="python -m bot bench", description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["latency", "startup"], default="latency")
    parser.add_argument("--url", help="Rasa server URL (default: from settings)")
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="startup: give up after this many seconds"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.what == "startup":
            result = startup(args.timeout)
        else:
            result = latency((args.url or load_settings().rasa_url).rstrip("/"), args.conversations)
    except (requests.RequestException, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result) if args.json else "  ".join(f"{k}={v}" for k, v in result.items()))
    return 0
