"""``python -m bot report | purge | migrate``: the outcome log from the command line."""

from __future__ import annotations

import argparse
import calendar
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from alembic.util import CommandError

from bot.outcomes.model import today
from bot.outcomes.report import (
    PERIODS,
    build_report,
    draw_report_chart,
    render_report_csv,
    render_report_json,
    render_report_table,
)
from bot.outcomes.schema import downgrade, head_revision, migrate
from bot.outcomes.store import OutcomeStore, StoreConfigError, StoreUnavailable, create_store, parse_url

FORMATS = {"table": render_report_table, "csv": render_report_csv, "json": render_report_json}
_AGE = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)


class UsageError(ValueError):
    """A command line value that cannot be used."""


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` date, for argparse."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-01-31") from None


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, or that month's last day if it is shorter."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def cutoff_for(age: str, now: date) -> date:
    """The first day kept when outcomes older than ``age`` (``30d``, ``8w``, ``24m``, ``2y``) go."""
    match = _AGE.match(age or "")
    if not match:
        raise UsageError(f"--older-than takes a number and a unit d, w, m or y (like 24m), got {age!r}")
    amount, unit = int(match.group(1)), match.group(2).lower()
    if amount < 1:
        raise UsageError("--older-than must be at least 1 day, week, month or year")
    if unit == "d":
        return now - timedelta(days=amount)
    if unit == "w":
        return now - timedelta(weeks=amount)
    return months_before(now, amount * (12 if unit == "y" else 1))


def _database(arg: str | None) -> str:
    if arg:
        return arg
    from bot.settings import load_settings

    return load_settings().outcomes_url


def _existing_store(arg: str | None) -> OutcomeStore:
    """Open the store for reading or purging; a SQLite file that is not there is a mistake, not a new log."""
    url = _database(arg)
    if not url.strip().startswith("memory:"):
        parsed = parse_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database).expanduser().exists():
            raise UsageError(
                f"no outcome database at {parsed.database} (check --database or OUTCOMES_DATABASE_URL; "
                "`python -m bot migrate` creates an empty one)"
            )
    return create_store(url)


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m bot {command}")
    parser.add_argument(
        "--database", metavar="URL", help="outcome database (default: OUTCOMES_DATABASE_URL or var/)"
    )
    if command == "report":
        parser.description = "Aggregated outcome counts; counts from 1 to 9 are suppressed."
        parser.add_argument(
            "--from", dest="start", type=parse_day, metavar="DATE", help="first day (default: first recorded)"
        )
        parser.add_argument(
            "--to", dest="end", type=parse_day, metavar="DATE", help="last day (default: today)"
        )
        parser.add_argument("--by", choices=PERIODS, default="month", help="period (default: month)")
        parser.add_argument("--format", choices=sorted(FORMATS), default="table", help="default: table")
        parser.add_argument("--chart", metavar="FILE.png", help="also draw counts over time by category")
    elif command == "purge":
        parser.description = "Delete outcomes older than an age such as 24m."
        parser.add_argument("--older-than", required=True, metavar="AGE", help="Nd, Nw, Nm or Ny, e.g. 24m")
    elif command == "migrate":
        parser.description = "Bring the outcome database to the newest schema."
        parser.add_argument("--downgrade", metavar="REVISION", help="go back to REVISION (base: no tables)")
    return parser


def _report(args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        raise UsageError(f"--from {args.start} is after --to {args.end}")
    if args.chart and not args.chart.lower().endswith(".png"):
        raise UsageError(f"--chart writes a PNG file: give a name ending in .png, got {args.chart!r}")
    store = _existing_store(args.database)
    try:
        report = build_report(store, args.start, args.end, args.by)
    finally:
        store.close()
    sys.stdout.write(FORMATS[args.format](report))
    if args.chart:
        path = draw_report_chart(report, args.chart)
        print(f"chart written to {path}", file=sys.stderr)
    return 0


def _purge(args: argparse.Namespace) -> int:
    cutoff = cutoff_for(args.older_than, today())
    store = _existing_store(args.database)
    try:
        deleted = store.purge(cutoff)
    finally:
        store.close()
    print(f"deleted {deleted} outcomes from before {cutoff.isoformat()}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    url = _database(args.database)
    if url.strip().startswith("memory:"):
        print("memory:// keeps no tables: nothing to migrate")
        return 0
    reached = downgrade(url, args.downgrade) if args.downgrade else migrate(url)
    newest = " (newest)" if reached == head_revision() else ""
    print(f"outcome database at revision {reached or 'base (no tables)'}{newest}")
    return 0


COMMANDS = {"report": _report, "purge": _purge, "migrate": _migrate}


def main(argv: list[str], command: str = "report") -> int:
    """Run ``report``, ``purge`` or ``migrate``; return the exit status."""
    if command not in COMMANDS:
        print(f"unknown outcome command {command!r}", file=sys.stderr)
        return 2
    try:
        args = _parser(command).parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage or the error
        return int(exc.code or 0)
    try:
        return COMMANDS[command](args)
    except (UsageError, StoreConfigError, CommandError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
