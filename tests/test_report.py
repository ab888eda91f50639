"""Reports: counts by period and dimension, small numbers suppressed so that none can be worked out."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.outcomes import MemoryOutcomeStore, Outcome, build_report, create_store, render_report_html
from bot.outcomes.cli import UsageError, cutoff_for, main
from bot.outcomes.report import SUPPRESSED, CountTable, Report, periods_between
from bot.outcomes.schema import head_revision
from bot.outcomes.suppression import protect, protect_sharing_totals, with_margins
from bot.outcomes.vocabulary import AREAS, CATEGORIES, ROLES, URGENCIES

JANUARY = date(2024, 1, 1)


# -- an independent check: which hidden entries could be worked out? --------


def recoverable(tables: list[tuple[list[list[int]], set]], shared_totals: bool = False) -> set:
    """Hidden entries fixed by the published ones, found by linear algebra (not by the code under test).

    Each table contributes one equation per row and column (margins included).
    With ``shared_totals`` the tables' totals columns are the same unknowns.
    Returns {(table index, row, column)} of hidden entries with a unique value.
    """
    index: dict[tuple, int] = {}
    names: list[tuple] = []

    def var(t: int, r: int, c: int, n_cols: int) -> int:
        key = ("shared", r) if shared_totals and c == n_cols - 1 else (t, r, c)
        if key not in index:
            index[key] = len(names)
            names.append((t, r, c))
        return index[key]

    rows = []
    for t, (grid, hidden) in enumerate(tables):
        n_rows, n_cols = len(grid), len(grid[0])
        for line in range(n_rows + n_cols):
            equation: dict[int, float] = {}
            if line < n_rows:
                entries = [(line, c, -1.0 if c == n_cols - 1 else 1.0) for c in range(n_cols)]
            else:
                c = line - n_rows
                entries = [(r, c, -1.0 if r == n_rows - 1 else 1.0) for r in range(n_rows)]
            for r, c, sign in entries:
                if (r, c) in hidden:
                    j = var(t, r, c, n_cols)
                    equation[j] = equation.get(j, 0.0) + sign
            rows.append(equation)
    if not names:
        return set()
    matrix = np.zeros((len(rows), len(names)))
    for i, equation in enumerate(rows):
        for j, coefficient in equation.items():
            matrix[i, j] = coefficient
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    return {names[j] for j in range(len(names)) if np.all(np.abs(null_space[:, j]) < 1e-9)}


def published_small(grid: list[list[int]], hidden: set) -> list[int]:
    return [v for r, row in enumerate(grid) for c, v in enumerate(row) if (r, c) not in hidden and 0 < v < 10]


# -- suppression ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "hidden"),
    [
        ([[20, 30], [15, 40]], set()),
        ([[0, 0], [0, 0]], set()),
        # One small cell in a 2x2 table: its row, its column and the fourth cell must go too.
        ([[3, 20], [15, 40]], {(0, 0), (0, 1), (1, 0), (1, 1)}),
        ([[5, 20, 30], [25, 40, 50], [60, 70, 80]], {(0, 0), (0, 1), (1, 0), (1, 1)}),
        # Everything small: every cell and every total.
        ([[3, 4]], {(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)}),
    ],
)
def test_suppression_examples(cells: list[list[int]], hidden: set) -> None:
    grid = with_margins(cells, len(cells[0]))
    found = protect(grid)
    assert found == hidden
    assert published_small(grid, found) == []
    assert recoverable([(grid, found)]) == set()


def test_a_lone_small_cell_in_a_row_takes_the_next_smallest_with_it() -> None:
    grid = with_margins([[4, 12, 50, 60]], 4)
    found = protect(grid)
    assert (0, 0) in found and (0, 1) in found  # 12 is the next smallest in that row
    assert (0, 2) not in found and (0, 3) not in found


def test_a_hidden_total_is_hidden_in_every_table_sharing_it() -> None:
    # Same assessments per period (7, 30, 40) cut two ways.
    by_role = with_margins([[7, 0], [10, 20], [15, 25]], 2)
    by_area = with_margins([[0, 7], [12, 18], [20, 20]], 2)
    hidden = protect_sharing_totals([by_role, by_area])
    totals = [{r for r, c in found if c == 2} for found in hidden]
    assert totals[0] == totals[1] and 0 in totals[0]
    assert recoverable(list(zip([by_role, by_area], hidden, strict=True)), shared_totals=True) == set()


counts = st.one_of(st.integers(0, 12), st.integers(0, 80), st.just(0))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(counts, min_size=n, max_size=n), min_size=1, max_size=7)
    )
)
def test_property_no_small_number_published_and_none_recoverable(cells: list[list[int]]) -> None:
    grid = with_margins(cells, len(cells[0]))
    hidden = protect(grid)
    assert published_small(grid, hidden) == []
    assert recoverable([(grid, hidden)]) == set()


# -- building reports -------------------------------------------------------


def outcome(day: date, **changes) -> Outcome:
    fields = {
        "day": day,
        "role": "parent_carer",
        "area": "swindon",
        "categories": ("missing",),
        "urgency": "urgent",
        "contacts": ("front_door",),
    }
    fields.update(changes)
    return Outcome(**fields)


def filled(outcomes: list[Outcome]) -> MemoryOutcomeStore:
    store = MemoryOutcomeStore()
    for item in outcomes:
        store.add(item)
    return store


def test_report_counts_what_was_recorded() -> None:
    store = filled(
        [outcome(JANUARY + timedelta(days=i)) for i in range(20)]
        + [outcome(date(2024, 2, 10), role="practitioner", area=None, categories=(), urgency="concern")] * 12
    )
    report = build_report(store, JANUARY, date(2024, 2, 29), "month")
    assert [p.label for p in report.periods] == ["2024-01", "2024-02"]
    assert report.assessments == 32
    role = report.table("role")
    assert role.columns == (*ROLES, "unknown")
    assert role.rows == ((0, 20, 0, 0, 0), (0, 0, 12, 0, 0))
    assert role.row_totals == (20, 12) and role.column_totals == (0, 20, 12, 0, 0) and role.total == 32
    area = report.table("area")
    assert area.rows == ((0, 20, 0, 0), (0, 0, 0, 12))
    category = report.table("category")
    assert category.columns == (*CATEGORIES, "no_category")
    assert category.rows[0][CATEGORIES.index("missing")] == 20 and category.rows[1][-1] == 12
    assert report.table("urgency").column_totals == (0, 20, 12, 0)


def test_report_with_few_outcomes_shows_no_numbers() -> None:
    report = build_report(filled([outcome(JANUARY)] * 3), JANUARY, date(2024, 1, 31), "month")
    assert report.assessments is None
    for table in report.tables:
        shown = [v for row in table.rows for v in row] + [
            *table.row_totals,
            *table.column_totals,
            table.total,
        ]
        assert all(v in (None, 0) for v in shown)


@pytest.mark.parametrize(
    ("start", "end", "by", "labels"),
    [
        (date(2024, 1, 3), date(2024, 1, 20), "week", ["2024-W01", "2024-W02", "2024-W03"]),
        (date(2024, 12, 30), date(2025, 1, 6), "week", ["2025-W01", "2025-W02"]),
        (date(2024, 1, 15), date(2024, 3, 2), "month", ["2024-01", "2024-02", "2024-03"]),
        (date(2024, 2, 29), date(2024, 2, 29), "month", ["2024-02"]),
    ],
)
def test_periods_include_empty_ones(start: date, end: date, by: str, labels: list[str]) -> None:
    assert [p.label for p in periods_between(start, end, by)] == labels


def test_report_starts_at_the_first_recorded_day_by_default() -> None:
    report = build_report(filled([outcome(date(2024, 3, 5))]), None, date(2024, 4, 1), "month")
    assert report.start == date(2024, 3, 5) and [p.label for p in report.periods] == ["2024-03", "2024-04"]


@pytest.mark.parametrize(("start", "by"), [(date(2024, 5, 1), "month"), (JANUARY, "day")])
def test_report_refuses_bad_ranges(start: date, by: str) -> None:
    with pytest.raises(ValueError):
        build_report(MemoryOutcomeStore(), start, date(2024, 4, 30), by)


outcomes_strategy = st.lists(
    st.builds(
        Outcome,
        day=st.dates(JANUARY, date(2024, 3, 31)),
        role=st.sampled_from((*ROLES, None)),
        area=st.sampled_from((*AREAS, None)),
        categories=st.lists(st.sampled_from(CATEGORIES), max_size=3).map(tuple),
        urgency=st.sampled_from(URGENCIES),
        contacts=st.just(("childline",)),
    ),
    max_size=250,
)


def true_grid(outcomes: list[Outcome], report: Report, name: str) -> list[list[int]]:
    """The counts behind a published table, recounted here for the check."""
    table = report.table(name)
    cells = [[0] * len(table.columns) for _ in report.periods]
    for item in outcomes:
        r = next(i for i, p in enumerate(report.periods) if p.start <= item.day <= p.end)
        if name == "category":
            values = item.categories or ("no_category",)
        else:
            values = ({"role": item.role, "area": item.area, "urgency": item.urgency}[name] or "unknown",)
        for value in values:
            cells[r][table.columns.index(value)] += 1
    return with_margins(cells, len(table.columns))


def hidden_of(table: CountTable) -> set:
    grid = [[*row, total] for row, total in zip(table.rows, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    return {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v is None}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outcomes_strategy, st.sampled_from(["week", "month"]))
def test_property_reports_publish_no_small_number_and_hide_them_for_good(
    outcomes: list[Outcome], by: str
) -> None:
    report = build_report(filled(outcomes), JANUARY, date(2024, 3, 31), by)
    shared = []
    for table in report.tables:
        grid, hidden = true_grid(outcomes, report, table.name), hidden_of(table)
        published = [[*row, total] for row, total in zip(table.rows, table.row_totals, strict=True)]
        published.append([*table.column_totals, table.total])
        for r, row in enumerate(published):
            for c, value in enumerate(row):
                assert value is None or value == grid[r][c]  # published numbers are the true ones
                assert value is None or not 0 < value < 10
        assert recoverable([(grid, hidden)]) == set()
        if table.name != "category":
            shared.append((grid, hidden))
    # Role, area and urgency publish the same totals: together they must not give a hidden one away.
    assert recoverable(shared, shared_totals=True) == set()


def test_html_is_escaped_and_has_no_inline_style_or_script() -> None:
    period = periods_between(JANUARY, JANUARY, "month")[0]
    table = CountTable(
        "role", "<b>Who</b>", ("<script>x</script>",), ((None,),), (None,), (12,), 40, "assessments"
    )
    page = render_report_html(Report(JANUARY, JANUARY, "month", (period,), (table,), None))
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;Who" in page
    assert "style=" not in page and 'data-table="role"' in page
    assert f'<td class="suppressed">{SUPPRESSED}</td>' in page


# -- the command line -------------------------------------------------------


@pytest.fixture
def outcome_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'outcomes.sqlite3'}"
    store = create_store(url)
    for i in range(90):
        day = JANUARY + timedelta(days=i)
        store.add(outcome(day, role=ROLES[i % 4], urgency=URGENCIES[i % 3]))
    store.add(
        outcome(date(2024, 3, 30), area="durham", categories=("radicalisation",))
    )  # a lone, small count
    store.close()
    return url


def run(argv: list[str], command: str, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    status = main(argv, command)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def all_counts(document: object) -> list:
    if isinstance(document, dict):
        return [
            n for key, value in document.items() if key not in {"suppressed_below"} for n in all_counts(value)
        ]
    if isinstance(document, list):
        return [n for value in document for n in all_counts(value)]
    return [document] if document is None or isinstance(document, int) else []


def test_report_json(outcome_db: str, capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run(
        ["--database", outcome_db, "--from", "2024-01-01", "--to", "2024-03-31", "--format", "json"],
        "report",
        capsys,
    )
    assert status == 0
    document = json.loads(out)
    assert document["assessments"] == 91 and set(document["tables"]) == {
        "category",
        "role",
        "area",
        "urgency",
    }
    assert document["tables"]["area"]["totals"]["durham"] is None  # the single Durham assessment
    assert not [n for n in all_counts(document) if n is not None and 0 < n < 10]


def test_report_csv(outcome_db: str, capsys: pytest.CaptureFixture) -> None:
    status, out, _ = run(
        ["--database", outcome_db, "--to", "2024-03-31", "--by", "week", "--format", "csv"], "report", capsys
    )
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and set(rows[0]) == {"table", "period", "period_start", "period_end", "value", "count"}
    assert {r["table"] for r in rows} == {"category", "role", "area", "urgency"}
    assert {r["period"] for r in rows} >= {"2024-W01", "2024-W13", "total"}
    assert all(r["count"] == SUPPRESSED or not 0 < int(r["count"]) < 10 for r in rows)


def test_report_table_and_chart(outcome_db: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    chart = tmp_path / "charts" / "by-category.png"
    status, out, err = run(
        ["--database", outcome_db, "--to", "2024-03-31", "--chart", str(chart)], "report", capsys
    )
    assert status == 0
    assert out.startswith("Outcomes from 1 January 2024 to 31 March 2024, by month: 91 assessments")
    assert "Who asked" in out and SUPPRESSED in out and str(chart) in err
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 550)


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--from", "2024-13-01"], 2, "is not a date like 2024-01-31"),
        (["--to", "last tuesday"], 2, "is not a date"),
        (["--from", "2024-03-01", "--to", "2024-01-01"], 2, "is after"),
        (["--by", "day"], 2, "invalid choice"),
        (["--format", "xml"], 2, "invalid choice"),
        (["--chart", "chart.jpg"], 2, "ending in .png"),
        (["--database", "mysql://u:pw@host/db"], 2, "unsupported outcome database"),
        (["--database", "sqlite:////nowhere/outcomes.sqlite3"], 2, "no outcome database at /nowhere"),
        (
            ["--database", "postgresql://u:pw@127.0.0.1:9/x?connect_timeout=2"],
            1,
            "outcome database unavailable",
        ),
    ],
)
def test_report_errors_are_clear(
    argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture
) -> None:
    code, out, err = run(
        argv if "--database" in argv else ["--database", "memory://", *argv], "report", capsys
    )
    assert code == status and message in err and out == ""
    assert ":pw@" not in err


@pytest.mark.parametrize(
    ("age", "today", "cutoff"),
    [
        ("30d", date(2024, 3, 31), date(2024, 3, 1)),
        ("2w", date(2024, 3, 31), date(2024, 3, 17)),
        ("1m", date(2024, 3, 31), date(2024, 2, 29)),
        ("24m", date(2024, 2, 29), date(2022, 2, 28)),
        ("2y", date(2024, 2, 29), date(2022, 2, 28)),
        (" 6M ", date(2024, 8, 15), date(2024, 2, 15)),
    ],
)
def test_purge_ages(age: str, today: date, cutoff: date) -> None:
    assert cutoff_for(age, today) == cutoff


@pytest.mark.parametrize("age", ["24", "m", "0d", "-1d", "1.5y", "", "24 months"])
def test_purge_refuses_unclear_ages(age: str) -> None:
    with pytest.raises(UsageError, match="--older-than"):
        cutoff_for(age, date(2024, 1, 1))


def test_purge_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from bot.outcomes.model import today

    url = f"sqlite:///{tmp_path / 'outcomes.sqlite3'}"
    store = create_store(url)
    now = today()
    for age in (1000, 800, 700, 400, 10, 0):
        store.add(outcome(now - timedelta(days=age)))
    store.close()
    status, out, _ = run(["--database", url, "--older-than", "24m"], "purge", capsys)
    assert status == 0
    assert out == f"deleted 2 outcomes from before {cutoff_for('24m', now).isoformat()}\n"
    store = create_store(url)
    assert len(store.query()) == 4
    store.close()
    assert run(["--database", url, "--older-than", "soon"], "purge", capsys)[0] == 2


def test_migrate_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'outcomes.sqlite3'}"
    assert run(["--database", url], "migrate", capsys) == (
        0,
        f"outcome database at revision {head_revision()} (newest)\n",
        "",
    )
    assert run(["--database", url, "--downgrade", "base"], "migrate", capsys)[1] == (
        "outcome database at revision base (no tables)\n"
    )
    status, _, err = run(["--database", url, "--downgrade", "no_such_revision"], "migrate", capsys)
    assert status == 2 and "no_such_revision" in err
