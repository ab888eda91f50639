"""The ids an outcome may hold: CONTRACT.md's vocabulary plus the ids routing gives.

The database enforces the same lists (CHECK constraints and one column per
category and contact, written into the migrations). Adding an id without a
migration makes the outcome tests fail, which is the point: the two move
together (see ``bot/outcomes/migrations/helpers.py``).
"""

from __future__ import annotations

import re

from bot import vocabulary

ROLES: tuple[str, ...] = vocabulary.ROLES
AREAS: tuple[str, ...] = vocabulary.AREAS
CATEGORIES: tuple[str, ...] = vocabulary.CATEGORIES
URGENCIES: tuple[str, ...] = vocabulary.URGENCIES
# Routing also gives the area's out-of-hours children's social care line,
# under the reserved id `out_of_hours` (bot/knowledge/contacts.yml).
# Report Remove was added by migration 0002 (one column per contact).
CONTACTS: tuple[str, ...] = tuple(dict.fromkeys((*vocabulary.CONTACTS, "out_of_hours", "report_remove")))

# The assistant's version is written by the code, never typed by a person,
# so it is held to a short, plain shape (e.g. "0.1.0", "0.1.0+model.20240101").
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$")
