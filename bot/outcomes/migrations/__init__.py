"""Alembic scripts for the outcome database; see :mod:`bot.outcomes.schema`."""
