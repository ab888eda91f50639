"""Alembic environment: runs on the connection that :mod:`bot.outcomes.schema` opens."""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run outcome migrations with `python -m bot migrate` (bot.outcomes.schema.migrate)")

context.configure(
    connection=connection,
    version_table=config.attributes["version_table"],
    # SQLite changes constraints by copying the table; batch mode does that.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
