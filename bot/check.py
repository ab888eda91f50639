"""``python -m bot check``: validate the knowledge files a partnership edits.

The same checks run when the assistant starts (the NLU component loads the
taxonomy, the action server loads the directory), so an error found here is
one the assistant would refuse to start with.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.directory import DirectoryError, load_directory
from bot.understanding.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge


def check(knowledge_dir: Path = KNOWLEDGE_DIR, contacts: Path | None = None) -> list[str]:
    """Problems found, one line each; empty when everything is valid."""
    problems = []
    try:
        knowledge = load_knowledge(knowledge_dir)
    except KnowledgeError as error:
        problems.append(str(error))
        knowledge = None
    try:
        directory = load_directory(contacts or knowledge_dir / "contacts.yml")
    except DirectoryError as error:
        problems.append(str(error))
        directory = None
    if knowledge is not None and directory is not None:
        for area in ("durham", "swindon", "elsewhere"):
            if not directory.help_now(area):
                problems.append(f"contacts.yml: area {area}: the help-now panel would be empty")
    return problems


def main(argv: list[str], command: str = "check") -> int:
    parser = argparse.ArgumentParser(prog="python -m bot check", description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge-dir", type=Path, default=KNOWLEDGE_DIR)
    args = parser.parse_args(argv)
    problems = check(args.knowledge_dir)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"knowledge files valid: {args.knowledge_dir}")
    return 0
