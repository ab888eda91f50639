"""Building blocks for outcome migrations.

Each migration writes out its own lists of ids (never importing
:mod:`bot.outcomes.vocabulary`), so an old migration keeps meaning what it
meant when it was written. A new contact id is one migration::

    def upgrade() -> None:
        add_flag_column("contact", "new_contact_id")

    def downgrade() -> None:
        drop_flag_column("contact", "new_contact_id")
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

TABLE = "outcomes"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


def _checked(ids: Iterable[str]) -> list[str]:
    ids = list(ids)
    # The ids are pasted into CHECK constraints, so they must be plain ids.
    bad = [i for i in ids if not _ID.match(i)]
    if bad or not ids:
        raise ValueError(f"ids must match {_ID.pattern}: {bad}")
    return ids


def in_list(column: str, ids: Iterable[str]) -> str:
    """SQL for ``column IN ('a', 'b', ...)`` (NULL passes, as CHECK treats unknown as true)."""
    quoted = ", ".join(f"'{i}'" for i in _checked(ids))
    return f"{column} IN ({quoted})"


def flag_column(kind: str, name: str) -> sa.Column:
    """A NOT NULL boolean column ``<kind>_<name>``; on SQLite a CHECK keeps it to 0 or 1."""
    column = f"{kind}_{_checked([name])[0]}"
    return sa.Column(
        column,
        sa.Boolean(create_constraint=True, name=f"ck_{TABLE}_{column}"),
        nullable=False,
        server_default=sa.false(),
    )


def add_flag_column(kind: str, name: str) -> None:
    """Add a category or contact flag to the outcomes table (existing rows get false)."""
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    # SQLite's ADD COLUMN would drop the CHECK: copying the table keeps it.
    with op.batch_alter_table(TABLE, recreate=recreate) as batch:
        batch.add_column(flag_column(kind, name))


def drop_flag_column(kind: str, name: str) -> None:
    """Remove a category or contact flag column and its CHECK."""
    column = f"{kind}_{_checked([name])[0]}"
    with op.batch_alter_table(TABLE) as batch:
        if op.get_bind().dialect.name == "sqlite":
            # Batch mode copies reflected CHECKs, even one naming a dropped column.
            batch.drop_constraint(f"ck_{TABLE}_{column}", type_="check")
        batch.drop_column(column)
