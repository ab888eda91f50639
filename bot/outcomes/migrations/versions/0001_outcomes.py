"""Create the outcomes table: one row per assessment, allow-listed columns only.

Revision ID: 0001_outcomes
Revises:
Create Date: 2024-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.outcomes.migrations.helpers import TABLE, flag_column, in_list

revision = "0001_outcomes"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("young_person", "parent_carer", "practitioner", "community_member")
AREAS = ("durham", "swindon", "elsewhere")
URGENCIES = ("emergency", "urgent", "concern", "information")
CATEGORIES = (
    "sexual_exploitation",
    "criminal_exploitation",
    "trafficking",
    "missing",
    "relationship_abuse",
    "harmful_sexual_behaviour",
    "radicalisation",
    "youth_violence",
)
CONTACTS = (
    "police_999",
    "police_101",
    "childline",
    "nspcc",
    "ceop",
    "crimestoppers",
    "modern_slavery_helpline",
    "missing_people",
    "prevent",
    "front_door",
    "out_of_hours",
)


def _shape_checks(dialect: str) -> list[sa.CheckConstraint]:
    """Checks that keep free text out of the id, day and version columns."""
    if dialect == "postgresql":
        return [
            sa.CheckConstraint("id ~ '^[0-9a-f]{32}$'", name=f"ck_{TABLE}_id"),
            sa.CheckConstraint("version ~ '^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$'", name=f"ck_{TABLE}_version"),
        ]
    # SQLite has no types or regular expressions: spell the shapes with GLOB,
    # and make the day a bare date (no time of day can hide in it).
    return [
        sa.CheckConstraint("length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'", name=f"ck_{TABLE}_id"),
        sa.CheckConstraint(
            "length(version) BETWEEN 1 AND 32 AND version NOT GLOB '*[^0-9A-Za-z.+_-]*' "
            "AND version GLOB '[0-9A-Za-z]*'",
            name=f"ck_{TABLE}_version",
        ),
        sa.CheckConstraint("day IS date(day)", name=f"ck_{TABLE}_day"),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("role", sa.String(32), nullable=True),
        sa.Column("area", sa.String(32), nullable=True),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        *(flag_column("category", c) for c in CATEGORIES),
        *(flag_column("contact", c) for c in CONTACTS),
        sa.CheckConstraint(in_list("role", ROLES), name=f"ck_{TABLE}_role"),
        sa.CheckConstraint(in_list("area", AREAS), name=f"ck_{TABLE}_area"),
        sa.CheckConstraint(in_list("urgency", URGENCIES), name=f"ck_{TABLE}_urgency"),
        *_shape_checks(dialect),
    )
    op.create_index(f"ix_{TABLE}_day", TABLE, ["day"])


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_day", table_name=TABLE)
    op.drop_table(TABLE)
