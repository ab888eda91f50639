"""Aggregated outcome counts with small numbers suppressed, and their renderings.

:func:`build_report` is the only place that sees true counts; the
:class:`Report` it returns holds published values only (``None`` where a
count is suppressed), so nothing rendered from it can leak a small number.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.outcomes.model import Outcome, today
from bot.outcomes.store import OutcomeStore
from bot.outcomes.suppression import THRESHOLD, protect, protect_sharing_totals, with_margins
from bot.outcomes.vocabulary import AREAS, CATEGORIES, ROLES, URGENCIES

PERIODS = ("week", "month")
SUPPRESSED = "[c]"
LEGEND = (
    f"{SUPPRESSED} = suppressed: a count from 1 to {THRESHOLD - 1}, or a count hidden so that "
    "such a small number cannot be worked out from the totals."
)
UNKNOWN = "unknown"
NO_CATEGORY = "no_category"

LABELS = {
    UNKNOWN: "Not known",
    NO_CATEGORY: "No category",
    "harmful_sexual_behaviour": "Harmful sexual behaviour",
}


def label(value: str) -> str:
    """Words for an id, for people reading the report."""
    return LABELS.get(value, value.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


@dataclass(frozen=True)
class CountTable:
    """Counts per period (rows) and value (columns), with totals; ``None`` = suppressed."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None
    total_label: str


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    by: str
    periods: tuple[Period, ...]
    tables: tuple[CountTable, ...]
    assessments: int | None

    def table(self, name: str) -> CountTable:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; suppressed counts are ``null``."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "by": self.by,
            "suppressed_below": THRESHOLD,
            "assessments": self.assessments,
            "periods": [
                {"label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()}
                for p in self.periods
            ],
            "tables": {
                t.name: {
                    "title": t.title,
                    "total_counts": t.total_label,
                    "columns": list(t.columns),
                    "rows": [
                        {
                            "period": p.label,
                            "counts": dict(zip(t.columns, row, strict=True)),
                            "total": row_total,
                        }
                        for p, row, row_total in zip(self.periods, t.rows, t.row_totals, strict=True)
                    ],
                    "totals": dict(zip(t.columns, t.column_totals, strict=True)),
                    "total": t.total,
                }
                for t in self.tables
            },
        }


# -- building --------------------------------------------------------------


def period_of(day: date, by: str) -> Period:
    """The week (Monday to Sunday, ISO numbered) or calendar month holding ``day``."""
    if by == "week":
        start = day - timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return Period(f"{year}-W{week:02d}", start, start + timedelta(days=6))
    if by == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Period(f"{start:%Y-%m}", start, following - timedelta(days=1))
    raise ValueError(f"by must be one of {', '.join(PERIODS)}")


def periods_between(start: date, end: date, by: str) -> list[Period]:
    """Every period from the one holding ``start`` to the one holding ``end``, empty ones included."""
    found = [period_of(start, by)]
    while found[-1].end < end:
        found.append(period_of(found[-1].end + timedelta(days=1), by))
    return found


def _count(
    outcomes: Sequence[Outcome],
    periods: Sequence[Period],
    by: str,
    columns: Sequence[str],
    values_of: Callable[[Outcome], Sequence[str]],
) -> list[list[int]]:
    index = {p.label: i for i, p in enumerate(periods)}
    position = {value: i for i, value in enumerate(columns)}
    counts = [[0] * len(columns) for _ in periods]
    for outcome in outcomes:
        row = counts[index[period_of(outcome.day, by).label]]
        for value in values_of(outcome):
            row[position[value]] += 1
    return counts


def _published(name: str, title: str, total_label: str, columns: Sequence[str], grid, hidden) -> CountTable:
    def shown(r: int, c: int) -> int | None:
        return None if (r, c) in hidden else grid[r][c]

    n_rows, n_cols = len(grid) - 1, len(columns)
    return CountTable(
        name=name,
        title=title,
        columns=tuple(columns),
        rows=tuple(tuple(shown(r, c) for c in range(n_cols)) for r in range(n_rows)),
        row_totals=tuple(shown(r, n_cols) for r in range(n_rows)),
        column_totals=tuple(shown(n_rows, c) for c in range(n_cols)),
        total=shown(n_rows, n_cols),
        total_label=total_label,
    )


def build_report(
    store: OutcomeStore, start: date | None = None, end: date | None = None, by: str = "month"
) -> Report:
    """Counts by period and by category, role, area and urgency, small numbers suppressed.

    ``start`` defaults to the first day on record, ``end`` to today; both are
    included. The role, area and urgency tables share their row totals (the
    assessments per period), so they are protected together.
    """
    if by not in PERIODS:
        raise ValueError(f"by must be one of {', '.join(PERIODS)}")
    end = end or today()
    if start is not None and start > end:
        raise ValueError(f"the start ({start}) is after the end ({end})")
    outcomes = store.query(start, end)
    if start is None:
        start = min((o.day for o in outcomes), default=end)
    periods = periods_between(start, end, by)

    category_columns = (*CATEGORIES, NO_CATEGORY)
    category_grid = with_margins(
        _count(outcomes, periods, by, category_columns, lambda o: o.categories or (NO_CATEGORY,)),
        len(category_columns),
    )
    shared = {
        "role": ("Who asked", (*ROLES, UNKNOWN), lambda o: (o.role or UNKNOWN,)),
        "area": ("Area", (*AREAS, UNKNOWN), lambda o: (o.area or UNKNOWN,)),
        "urgency": ("Urgency", URGENCIES, lambda o: (o.urgency,)),
    }
    grids = {
        name: with_margins(_count(outcomes, periods, by, columns, values_of), len(columns))
        for name, (_, columns, values_of) in shared.items()
    }
    hidden_shared = dict(zip(grids, protect_sharing_totals(list(grids.values())), strict=True))

    tables = [
        _published(
            "category",
            "Concerns (an assessment can have several, so totals count mentions)",
            "mentions",
            category_columns,
            category_grid,
            protect(category_grid),
        )
    ]
    for name, (title, columns, _) in shared.items():
        tables.append(_published(name, title, "assessments", columns, grids[name], hidden_shared[name]))
    return Report(
        start=start,
        end=end,
        by=by,
        periods=tuple(periods),
        tables=tuple(tables),
        assessments=tables[1].total,
    )


# -- rendering -------------------------------------------------------------


def _cell(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _heading(report: Report) -> str:
    return (
        f"Outcomes from {_long_date(report.start)} to {_long_date(report.end)}, by {report.by}: "
        f"{_cell(report.assessments)} assessments"
    )


def render_report_table(report: Report) -> str:
    """Plain text tables, one per dimension, for a terminal."""
    out = [_heading(report), LEGEND]
    for table in report.tables:
        header = ["Period", *(label(c) for c in table.columns), f"Total ({table.total_label})"]
        body = [
            [period.label, *(_cell(v) for v in row), _cell(total)]
            for period, row, total in zip(report.periods, table.rows, table.row_totals, strict=True)
        ]
        body.append(["Total", *(_cell(v) for v in table.column_totals), _cell(table.total)])
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

        def fmt(line: list[str], widths: list[int] = widths) -> str:
            first = line[0].ljust(widths[0])
            return "  ".join(
                [first, *(value.rjust(w) for value, w in zip(line[1:], widths[1:], strict=True))]
            )

        out += ["", table.title, fmt(header), fmt(["-" * w for w in widths]), *(fmt(line) for line in body)]
    return "\n".join(out) + "\n"


def render_report_csv(report: Report) -> str:
    """One line per count (table, period, value), suppressed counts as ``[c]``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["table", "period", "period_start", "period_end", "value", "count"])
    for table in report.tables:
        for period, row, total in zip(report.periods, table.rows, table.row_totals, strict=True):
            span = [period.label, period.start.isoformat(), period.end.isoformat()]
            for column, value in zip(table.columns, row, strict=True):
                writer.writerow([table.name, *span, column, _cell(value)])
            writer.writerow([table.name, *span, f"total_{table.total_label}", _cell(total)])
        span = ["total", report.start.isoformat(), report.end.isoformat()]
        for column, value in zip(table.columns, table.column_totals, strict=True):
            writer.writerow([table.name, *span, column, _cell(value)])
        writer.writerow([table.name, *span, f"total_{table.total_label}", _cell(table.total)])
    return buffer.getvalue()


def render_report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"


def render_report_html(report: Report) -> str:
    """An HTML fragment (a ``<section>``) for the statistics page.

    Everything is escaped, and there are no inline styles or scripts, so it
    fits a strict Content-Security-Policy; style it through the classes.
    """
    e = html.escape
    parts = [
        '<section class="outcome-report">',
        f"<h2>{e(_heading(report))}</h2>",
        f'<p class="outcome-report-legend">{e(LEGEND)}</p>',
    ]
    for table in report.tables:
        parts.append(f'<table class="outcome-report-table" data-table="{e(table.name)}">')
        parts.append(f"<caption>{e(table.title)}</caption>")
        header = "".join(f'<th scope="col">{e(label(c))}</th>' for c in table.columns)
        parts.append(
            f'<thead><tr><th scope="col">Period</th>{header}'
            f'<th scope="col">Total ({e(table.total_label)})</th></tr></thead><tbody>'
        )

        def cells(values: Sequence[int | None]) -> str:
            return "".join(
                '<td class="suppressed">' + e(SUPPRESSED) + "</td>" if v is None else f"<td>{v}</td>"
                for v in values
            )

        for period, row, total in zip(report.periods, table.rows, table.row_totals, strict=True):
            parts.append(f'<tr><th scope="row">{e(period.label)}</th>{cells([*row, total])}</tr>')
        parts.append(
            f'</tbody><tfoot><tr><th scope="row">Total</th>'
            f"{cells([*table.column_totals, table.total])}</tr></tfoot></table>"
        )
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def draw_report_chart(report: Report, path: str | Path) -> Path:
    """Draw counts over time by category to a PNG; suppressed counts are gaps in the lines."""
    # The Agg canvas draws without a display and without touching pyplot's
    # global backend, which another part of the process may use.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    table = report.table("category")
    x = list(range(len(report.periods)))
    figure = Figure(figsize=(10, 5.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    for index, column in enumerate(table.columns):
        y = [float("nan") if row[index] is None else row[index] for row in table.rows]
        axes.plot(x, y, marker="o", markersize=3, label=label(column))
    step = max(1, len(x) // 12)  # about a dozen labels, however long the range
    axes.set_xticks(x[::step])
    axes.set_xticklabels([p.label for p in report.periods][::step], rotation=45, ha="right")
    axes.set_xlim(-0.5, len(x) - 0.5)
    axes.set_title(f"Concerns by {report.by}, {_long_date(report.start)} to {_long_date(report.end)}")
    axes.set_ylabel("assessments mentioning it")
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.text(
        0.01,
        0.01,
        f"Gaps: suppressed counts (1 to {THRESHOLD - 1}, or hidden to protect them).",
        fontsize="small",
    )
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
