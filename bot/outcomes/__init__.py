"""The anonymised outcome log: one row per assessment, allow-listed columns only.

Typical use from the conversation side::

    from bot.outcomes import get_recorder
    key = get_recorder(settings).submit_triage(triage_slot, replaces=previous_key)

``submit``/``submit_triage`` never block and never raise; pass the key they
returned as ``replaces`` when the assessment of the same conversation changes,
so that it stays one row. Reports: :func:`build_report`,
:func:`render_report_html`; command line: ``python -m bot report|purge|migrate``.
"""

from bot.outcomes.model import Outcome, OutcomeError, today
from bot.outcomes.recorder import OutcomeRecorder, RecorderStats, get_recorder
from bot.outcomes.report import Report, build_report, draw_report_chart, render_report_html
from bot.outcomes.schema import migrate
from bot.outcomes.store import (
    MemoryOutcomeStore,
    OutcomeStore,
    SqlOutcomeStore,
    StoreConfigError,
    StoreUnavailable,
    create_store,
)

__all__ = [
    "MemoryOutcomeStore",
    "Outcome",
    "OutcomeError",
    "OutcomeRecorder",
    "OutcomeStore",
    "RecorderStats",
    "Report",
    "SqlOutcomeStore",
    "StoreConfigError",
    "StoreUnavailable",
    "build_report",
    "create_store",
    "draw_report_chart",
    "get_recorder",
    "migrate",
    "render_report_html",
    "today",
]
