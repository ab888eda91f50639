"""``GET /stats``: the outcome report in a browser, for whoever holds ``STATS_TOKEN``.

Mounted on the chat page's web server by ``register_stats(app, settings)``
(``bot/web/server.py`` calls it when this module exists), so the page's
security headers apply here too.

- The token goes in ``Authorization: Bearer <token>`` or ``?token=<token>``;
  without it, or with a wrong one, the answer is 401. With no ``STATS_TOKEN``
  configured the route answers exactly as a page that does not exist (404).
- ``?from=YYYY-MM-DD&to=YYYY-MM-DD&by=week|month`` as in ``python -m bot
  report``; a value that cannot be used gets 400 with a sentence saying why.
- The counts are :func:`bot.outcomes.report.build_report`'s, small numbers
  suppressed, rendered by :func:`render_report_html`. The page has no script
  and no inline style; its stylesheet is ``/stats/stats.css``.
- Only the status of each answer is logged: never the token, the dates asked
  for, the address or anything else about the request.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sanic import Request, Sanic, response
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.outcomes.model import today
from bot.outcomes.report import PERIODS, Report, build_report, render_report_html
from bot.outcomes.store import OutcomeStore, StoreConfigError, StoreUnavailable, create_store

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)

STATS_PATH = "/stats"
STYLESHEET_PATH = "/stats/stats.css"
# A mistyped year (0202 for 2022) would otherwise build a report of a hundred
# thousand weeks and hold a worker for minutes.
MAX_PERIODS = 600
UNAVAILABLE = "The outcome database is not answering just now. Try again in a few minutes."

STYLESHEET = """\
body { margin: 1.5rem; color: #0b0c0c; font: 1rem/1.5 system-ui, "Segoe UI", Arial, sans-serif; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.2rem; }
form { margin: 1rem 0; display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end; }
label { display: flex; flex-direction: column; font-weight: bold; }
.outcome-report-table { border-collapse: collapse; margin: 1.25rem 0; }
.outcome-report-table caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
.outcome-report-table th, .outcome-report-table td { border: 1px solid #b1b4b6; padding: 0.2rem 0.5rem; }
.outcome-report-table td { text-align: right; font-variant-numeric: tabular-nums; }
.outcome-report-table td.suppressed { color: #505a5f; }
.outcome-report-table tfoot { font-weight: bold; }
.error { border-left: 0.3rem solid #d4351c; padding-left: 0.75rem; }
"""


class QueryError(ValueError):
    """A query parameter that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class StatsQuery:
    """The report asked for: ``start`` ``None`` means from the first day on record."""

    start: date | None
    end: date
    by: str


def _day(request: Request, name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise QueryError(f"'{name}' must be a date written like 2024-01-31.") from None


def period_count(start: date, end: date, by: str) -> int:
    """How many weeks or months a report from ``start`` to ``end`` has (without listing them)."""
    if by == "week":
        monday = start - timedelta(days=start.weekday())
        return (end - monday).days // 7 + 1
    return (end.year - start.year) * 12 + end.month - start.month + 1


def parse_query(request: Request, now: date) -> StatsQuery:
    """Read ``from``, ``to`` and ``by``; raise :class:`QueryError` with a reason a person can act on."""
    start = _day(request, "from")
    end = _day(request, "to") or now
    by = (request.args.get("by") or "month").strip().lower()
    if by not in PERIODS:
        raise QueryError(f"'by' must be {' or '.join(PERIODS)}.")
    if start is not None and start > end:
        raise QueryError(f"'from' ({start.isoformat()}) is after 'to' ({end.isoformat()}).")
    if start is not None and period_count(start, end, by) > MAX_PERIODS:
        raise QueryError(
            f"That range has more than {MAX_PERIODS} {by}s: choose a shorter range, or by=month."
        )
    return StatsQuery(start, end, by)


def _presented_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.args.get("token", "")


def token_matches(presented: str, expected: str) -> bool:
    """Constant-time comparison, so the answer time does not give the token away."""
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


class ReportSource:
    """Opens the outcome store on first use (in a worker thread) and builds reports from it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: OutcomeStore | None = None
        self._lock = threading.Lock()

    def _open(self) -> OutcomeStore:
        with self._lock:
            if self._store is None:
                # A store that failed to open is not kept: the next request tries again.
                self._store = create_store(self.url)
            return self._store

    def build(self, query: StatsQuery) -> Report:
        """Blocking: run it off the event loop."""
        store = self._open()
        start = query.start
        if start is None:
            # Same default as the command line (the first day on record), but
            # the range is checked before a report of it is built.
            recorded = store.query(None, query.end)
            start = min((o.day for o in recorded), default=query.end)
            if period_count(start, query.end, query.by) > MAX_PERIODS:
                raise QueryError(
                    f"The outcomes on record span more than {MAX_PERIODS} {query.by}s: "
                    "give a 'from' date, or by=month."
                )
        return build_report(store, start, query.end, query.by)

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}">\n'
        f"</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _form(query: StatsQuery | None, token_in_query: str) -> str:
    e = html.escape
    start = query.start.isoformat() if query and query.start else ""
    end = query.end.isoformat() if query else ""
    by = query.by if query else "month"
    options = "".join(f'<option value="{p}"{" selected" if p == by else ""}>{p}</option>' for p in PERIODS)
    # The form is sent by the browser, which cannot add a header: a token that
    # came in the address goes on in the address.
    hidden = f'<input type="hidden" name="token" value="{e(token_in_query)}">' if token_in_query else ""
    return (
        f'<form method="get" action="{STATS_PATH}">{hidden}'
        f'<label>From <input type="date" name="from" value="{e(start)}"></label>'
        f'<label>To <input type="date" name="to" value="{e(end)}"></label>'
        f'<label>By <select name="by">{options}</select></label>'
        '<button type="submit">Show</button></form>\n'
    )


INTRO = (
    "<h1>Harm Outside the Home assistant: outcome statistics</h1>\n"
    "<p>Anonymous counts of the assessments the assistant gave. Nothing anyone typed is kept: "
    "each assessment is only its day, who asked, the area, the concerns, the urgency and the "
    "contacts given.</p>\n"
)


def _problem(what: str, message: str, after: str = "") -> str:
    body = INTRO + f'<p class="error" role="alert">{html.escape(message)}</p>\n' + after
    return _page(f"Outcome statistics: {what}", body)


def _html(body: str, status: int, headers: dict[str, str] | None = None) -> HTTPResponse:
    logger.info("stats page answered %d", status)
    return response.html(body, status=status, headers={"X-Robots-Tag": "noindex", **(headers or {})})


def register_stats(app: Sanic, settings: Settings) -> None:
    """Add ``GET /stats`` (and its stylesheet) to ``app``, reading ``settings.outcomes_url``."""
    source = ReportSource(settings.outcomes_url)
    expected = settings.stats_token
    app.ctx.stats_source = source

    def refuse_if_unconfigured(request: Request) -> None:
        if not expected:
            logger.info("stats page answered 404")
            # Sanic's own 404, so the answer matches a route that does not exist.
            raise NotFound(f"Requested URL {request.path} not found")

    async def stats(request: Request) -> HTTPResponse:
        refuse_if_unconfigured(request)
        presented = _presented_token(request)
        if not token_matches(presented, expected):
            body = INTRO + "<p>This page needs the statistics token (STATS_TOKEN).</p>\n"
            return _html(
                _page("Outcome statistics", body),
                401,
                {"WWW-Authenticate": 'Bearer realm="outcome statistics"'},
            )
        in_query = request.args.get("token", "")
        token_in_query = in_query if token_matches(in_query, expected) else ""
        try:
            query = parse_query(request, today())
        except QueryError as err:
            return _html(_problem("check the dates", str(err), _form(None, token_in_query)), 400)
        try:
            report = await asyncio.to_thread(source.build, query)
        except QueryError as err:
            return _html(_problem("check the dates", str(err), _form(query, token_in_query)), 400)
        except (StoreUnavailable, StoreConfigError, SQLAlchemyError, OSError):
            return _html(_problem("unavailable", UNAVAILABLE), 503, {"Retry-After": "60"})
        shown = StatsQuery(report.start, report.end, report.by)
        body = INTRO + _form(shown, token_in_query) + render_report_html(report)
        return _html(_page("Outcome statistics", body), 200)

    async def stylesheet(request: Request) -> HTTPResponse:
        refuse_if_unconfigured(request)
        return response.text(STYLESHEET, content_type="text/css; charset=utf-8")

    async def close_store(_app: Sanic, _loop: object) -> None:
        await asyncio.to_thread(source.close)

    app.add_route(stats, STATS_PATH, methods=["GET"], name="outcome_stats")
    app.add_route(stylesheet, STYLESHEET_PATH, methods=["GET"], name="outcome_stats_css")
    app.register_listener(close_store, "after_server_stop")
