"""Record when Report Remove was given (a new contact id is one flag column).

Revision ID: 0002_report_remove
Revises: 0001_outcomes
Create Date: 2026-11-21
"""

from __future__ import annotations

from bot.outcomes.migrations.helpers import add_flag_column, drop_flag_column

revision = "0002_report_remove"
down_revision = "0001_outcomes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_flag_column("contact", "report_remove")


def downgrade() -> None:
    drop_flag_column("contact", "report_remove")
