"""``GET /stats`` on the web server: the token, the report with small numbers hidden, bad dates."""

from __future__ import annotations

import logging
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from email.message import Message
from pathlib import Path

import pytest

from bot.outcomes import Outcome, create_store
from bot.outcomes.report import periods_between
from bot.outcomes.web import period_count
from bot.settings import Settings
from bot.web import server

TOKEN = "stats-token-for-the-tests-7f3a"


class NoDirectory:
    """The stats page needs no contacts."""

    def help_now(self, area):
        return []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, str]:
    """Status, headers (names in any case) and body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 (loopback only)
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


def fill(url: str) -> None:
    """March 2024: 40 + 25 + 3 (the 3 must not be shown); April 2024: 30 + 20 + 12."""
    store = create_store(url)
    rows = [
        (40, date(2024, 3, 5), "parent_carer", "swindon", "criminal_exploitation", "urgent"),
        (25, date(2024, 3, 12), "practitioner", "durham", "sexual_exploitation", "concern"),
        (3, date(2024, 3, 20), "practitioner", "durham", "radicalisation", "concern"),
        (30, date(2024, 4, 2), "parent_carer", "swindon", "criminal_exploitation", "urgent"),
        (20, date(2024, 4, 9), "practitioner", "durham", "sexual_exploitation", "concern"),
        (12, date(2024, 4, 9), "young_person", "durham", "missing", "concern"),
    ]
    try:
        for count, day, role, area, category, urgency in rows:
            for _ in range(count):
                store.add(Outcome(day, role, area, (category,), urgency, ("front_door",)))
    finally:
        store.close()


def start_server(settings: Settings) -> server.ThreadedServer:
    app = server.create_app(settings, NoDirectory(), reply_timeout=1.0)
    return server.ThreadedServer(app, "127.0.0.1", settings.web_port).start()


@pytest.fixture(scope="module")
def stats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('stats') / 'outcomes.sqlite3'}"
    fill(url)
    settings = Settings(
        rasa_port=free_port(), web_port=free_port(), stats_token=TOKEN, outcomes_database_url=url
    )
    running = start_server(settings)
    try:
        yield running.url + "/stats"
    finally:
        running.stop()


def table(page: str, name: str) -> str:
    found = re.search(rf'<table class="outcome-report-table" data-table="{name}">.*?</table>', page, re.S)
    assert found, f"no {name} table on the page"
    return found.group(0)


def row(table_html: str, period: str) -> list[str]:
    found = re.search(rf'<tr><th scope="row">{re.escape(period)}</th>(.*?)</tr>', table_html, re.S)
    assert found, f"no row {period}"
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))


# -- who may see it -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {}),
        ("?token=", {}),
        ("?token=wrong-token", {}),
        ("?token=" + TOKEN[:-1], {}),
        ("", {"Authorization": "Bearer wrong-token"}),
        ("", {"Authorization": f"Basic {TOKEN}"}),
        ("", {"Authorization": "Bearer"}),
        (f"?token={TOKEN}x", {}),
    ],
)
def test_without_the_right_token_nothing_is_shown(stats_url: str, query: str, headers: dict) -> None:
    status, got_headers, body = fetch(stats_url + query, headers)
    assert status == 401
    assert got_headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert "<table" not in body and "130" not in body and "[c]" not in body


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        (f"?token={TOKEN}", {}),
        ("", {"Authorization": f"Bearer {TOKEN}"}),
        ("", {"Authorization": f"bearer {TOKEN}"}),
    ],
)
def test_the_token_in_the_header_or_the_address_shows_the_report(
    stats_url: str, query: str, headers: dict
) -> None:
    status, _, body = fetch(
        stats_url + query + ("&" if query else "?") + "from=2024-03-01&to=2024-04-30", headers
    )
    assert status == 200
    assert "Outcomes from 1 March 2024 to 30 April 2024, by month: 130 assessments" in body


def test_with_no_token_configured_the_page_is_not_there(tmp_path: Path) -> None:
    settings = Settings(
        rasa_port=free_port(),
        web_port=free_port(),
        stats_token="",
        outcomes_database_url=f"sqlite:///{tmp_path / 'outcomes.sqlite3'}",
    )
    running = start_server(settings)
    try:
        for path in ("/stats", "/stats?token=", "/stats/stats.css"):
            status, _, body = fetch(running.url + path, {"Authorization": "Bearer "})
            assert status == 404, path
            missing_status, _, missing_body = fetch(running.url + path.replace("stats", "nothing-here"))
            # The same answer as for a page that does not exist.
            assert (status, body.replace("stats", "X")) == (
                missing_status,
                missing_body.replace("nothing-here", "X"),
            )
    finally:
        running.stop()


# -- what it shows -------------------------------------------------------------


def test_small_numbers_and_what_would_reveal_them_are_suppressed(stats_url: str) -> None:
    status, _, page = fetch(f"{stats_url}?token={TOKEN}&from=2024-03-01&to=2024-04-30&by=month")
    assert status == 200
    categories = table(page, "category")
    march = row(categories, "2024-03")
    # Sexual exploitation, criminal exploitation, ..., radicalisation (7th), ..., total.
    assert march[0] == "[c]" and march[1] == "40" and march[6] == "[c]" and march[-1] == "68"
    # 3 radicalisation is hidden, and so are the 25 and the 45 from which it could be worked out.
    for revealing in ("3", "25", "45"):
        assert f"<td>{revealing}</td>" not in categories
    assert row(categories, "2024-04")[:4] == ["20", "30", "0", "12"]
    assert row(table(page, "area"), "2024-03") == ["28", "40", "0", "0", "68"]
    assert "[c] = suppressed: a count from 1 to 9" in page


@pytest.mark.parametrize(
    ("query", "first_row"),
    [
        ("from=2024-03-01&to=2024-03-31&by=week", "2024-W09"),
        ("from=2024-04-01&to=2024-04-30", "2024-04"),
        ("to=2024-04-30", "2024-03"),  # from the first day on record, as the command line does
    ],
)
def test_periods_and_range_follow_the_query(stats_url: str, query: str, first_row: str) -> None:
    status, _, page = fetch(f"{stats_url}?token={TOKEN}&{query}")
    assert status == 200
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>', table(page, "urgency"))
    assert rows[0] == first_row and rows[-1] == "Total"


def test_the_page_is_static_html_under_the_web_servers_security_headers(stats_url: str) -> None:
    status, headers, page = fetch(
        f"{stats_url}?from=2024-03-01&to=2024-04-30", {"Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 200
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    assert "noindex" in headers["X-Robots-Tag"]
    assert "<script" not in page and "style=" not in page and "<style" not in page
    status, headers, css = fetch(stats_url + "/stats.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and ".outcome-report-table" in css


def test_a_token_from_the_address_is_kept_in_the_form_but_a_header_token_is_not(stats_url: str) -> None:
    _, _, from_address = fetch(f"{stats_url}?token={TOKEN}")
    _, _, from_header = fetch(stats_url, {"Authorization": f"Bearer {TOKEN}"})
    assert f'name="token" value="{TOKEN}"' in from_address
    assert TOKEN not in from_header


# -- what it refuses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-13-01", "'from' must be a date written like 2024-01-31."),
        ("to=31/03/2024", "'to' must be a date written like 2024-01-31."),
        ("from=yesterday", "'from' must be a date written like 2024-01-31."),
        ("from=2024-04-30&to=2024-03-01", "'from' (2024-04-30) is after 'to' (2024-03-01)."),
        ("by=year", "'by' must be week or month."),
        ("from=0202-01-01&to=2024-01-01&by=week", "That range has more than 600 weeks"),
    ],
)
def test_dates_that_cannot_be_used_get_400_and_say_why(stats_url: str, query: str, message: str) -> None:
    status, _, page = fetch(f"{stats_url}?token={TOKEN}&{query}")
    assert status == 400
    assert message.replace("'", "&#x27;") in page
    assert "<table" not in page


@pytest.mark.parametrize(
    ("start", "end", "by"),
    [
        (date(2024, 3, 1), date(2024, 3, 1), "week"),
        (date(2024, 3, 3), date(2024, 3, 4), "week"),  # Sunday to Monday: two weeks
        (date(2023, 12, 25), date(2025, 1, 5), "week"),
        (date(2024, 1, 31), date(2024, 2, 1), "month"),
        (date(1975, 1, 1), date(2024, 12, 31), "month"),  # 600 months: the most the page shows
    ],
)
def test_the_range_limit_counts_periods_as_the_report_does(start: date, end: date, by: str) -> None:
    assert period_count(start, end, by) == len(periods_between(start, end, by))


def test_an_unreachable_database_gets_503_with_a_plain_message(tmp_path: Path) -> None:
    settings = Settings(
        rasa_port=free_port(),
        web_port=free_port(),
        stats_token=TOKEN,
        # Nothing listens on port 9 (discard): the connection is refused at once.
        outcomes_database_url="postgresql://nobody@127.0.0.1:9/outcomes",
    )
    running = start_server(settings)
    try:
        status, headers, page = fetch(running.url + "/stats", {"Authorization": f"Bearer {TOKEN}"})
    finally:
        running.stop()
    assert status == 503 and headers.get("Retry-After") == "60"
    assert "not answering just now" in page
    assert "nobody" not in page and "127.0.0.1" not in page


def test_only_the_status_is_logged(stats_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fetch(f"{stats_url}?token={TOKEN}&from=2024-03-01&to=2024-04-30")
    fetch(f"{stats_url}?token=guess-1234&from=2024-03-01")
    fetch(f"{stats_url}?token={TOKEN}&from=1999-99-99")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "stats page answered 200" in logged and "stats page answered 401" in logged
    assert "stats page answered 400" in logged
    for secret in (TOKEN, "guess-1234", "2024-03-01", "1999-99-99", "127.0.0.1", "Python-urllib"):
        assert secret not in logged
