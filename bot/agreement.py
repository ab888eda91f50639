"""``python -m bot agreement CASES LABELS...``: how far independent labellers agree.

A case file's ``expect`` is one labeller's reading. Other labellers, who saw
only the conversations (never those labels nor the assistant's answers), each
give a file of their own readings:

    - id: pc-cce-1242
      role: parent_carer
      area: durham
      categories: [criminal_exploitation, missing]
      urgency: urgent

Agreement between two labellers is scored with the very metrics `evaluate`
gives the assistant (one labeller standing in for the assistant), so the
figures can be read side by side: the assistant cannot be expected to agree
with a labeller more than other careful labellers do. With two or more label
files, ``--majority FILE`` writes the case file again with each label the
majority's (a category when most labellers name it; role, area and urgency by
vote, the case file's own label breaking a tie), to evaluate against.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bot.evaluate import HEADLINE, Case, CaseError, Result, _check_expect, load_cases, read_list, score
from bot.vocabulary import CATEGORIES

FIELDS = ("role", "area", "categories", "urgency")
# Labels have no contacts, replies or turns.
SHOWN = tuple(k for k in HEADLINE if k not in {"contacts_include_rate", "first_reply_999_rate", "mean_turns"})


def load_labels(path: Path, known: set[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """One labeller's file: id -> labels for the ``known`` cases, and the ids of
    entries for other cases (a labeller may have read cases of several files).
    Errors name the entry and the field."""
    data = read_list(path, "labels")
    labels: dict[str, dict[str, Any]] = {}
    elsewhere: list[str] = []
    for index, raw in enumerate(data):
        where = f"{path.name}: entry {index + 1}"
        if not isinstance(raw, dict) or "id" not in raw:
            raise CaseError(f"{where}: expected a mapping with an id")
        case_id = str(raw["id"])
        where = f"{path.name}: {case_id}"
        if case_id in labels or case_id in elsewhere:
            raise CaseError(f"{where}: labelled twice")
        missing = [f for f in FIELDS if f not in raw]
        if missing:
            raise CaseError(f"{where}: missing {', '.join(missing)}")
        if not isinstance(raw["categories"], list):
            raise CaseError(f"{where}: categories must be a list")
        entry = {f: raw[f] for f in FIELDS}
        _check_expect(entry, where)
        if case_id in known:
            labels[case_id] = entry
        else:
            elsewhere.append(case_id)
    return labels, elsewhere


def compare(cases: list[Case], reference: dict[str, dict], other: dict[str, dict]) -> dict[str, Any]:
    """``other`` scored against ``reference`` on the cases both labelled."""
    chosen = [c for c in cases if c.id in reference and c.id in other]
    results = [
        Result(c.id, c.split, {**c.expect, **reference[c.id]}, other[c.id], 0, "", False, []) for c in chosen
    ]
    return score(results, chosen)


def majority(case: Case, readings: list[dict[str, Any]]) -> dict[str, Any]:
    """The majority's labels; ``readings[0]`` (the case file's) breaks ties."""
    out: dict[str, Any] = {}
    for field in ("role", "area", "urgency"):
        votes = Counter(r[field] for r in readings)
        top = max(votes.values())
        out[field] = next(r[field] for r in readings if votes[r[field]] == top)
    named = Counter(c for r in readings for c in set(r["categories"]))
    out["categories"] = [c for c in CATEGORIES if named[c] * 2 > len(readings)]
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot agreement", description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, help="case file (CONTRACT.md format): the first labeller")
    parser.add_argument("labels", type=Path, nargs="+", help="other labellers' files")
    parser.add_argument("--majority", type=Path, help="write the cases with the majority's labels here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


def main(argv: list[str], command: str = "agreement") -> int:
    args = _parser().parse_args(argv)
    try:
        cases = load_cases(args.cases)
        known = {c.id for c in cases}
        readers = {args.cases.name: {c.id: {f: c.expect.get(f) for f in FIELDS} for c in cases}}
        for path in args.labels:
            readers[path.name], elsewhere = load_labels(path, known)
            if elsewhere:
                print(
                    f"note: {path.name}: {len(elsewhere)} labels for cases not in {args.cases.name} "
                    f"(first {elsewhere[0]}) left out",
                    file=sys.stderr,
                )
            if not readers[path.name]:
                raise CaseError(f"{path}: labels no case of {args.cases}")
    except CaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    names = list(readers)
    report: dict[str, Any] = {}
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            report[f"{second} vs {first}"] = compare(cases, readers[first], readers[second])
    if args.majority:
        labelled = [c for c in cases if all(c.id in readers[n] for n in names)]
        if not labelled:
            print("error: no case was labelled by every labeller", file=sys.stderr)
            return 2
        out = []
        for case in labelled:
            agreed = majority(case, [readers[n][case.id] for n in names])
            out.append(
                {
                    "id": case.id,
                    "split": case.split,
                    "opening": case.opening,
                    "role_answer": case.role_answer,
                    "area_answer": case.area_answer,
                    "danger_answer": case.danger_answer,
                    "more": case.more,
                    "expect": {**agreed, "contacts_include": case.expect.get("contacts_include") or []},
                }
            )
        args.majority.parent.mkdir(parents=True, exist_ok=True)
        args.majority.write_text(yaml.safe_dump(out, sort_keys=False, allow_unicode=True, width=110))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    width = max(len(k) for k in report) if report else 10
    print(f"{'':<{width}}  " + " ".join(f"{k.split('_accuracy')[0][:10]:>10}" for k in SHOWN) + "   cases")
    for pair, metrics in report.items():
        print(
            f"{pair:<{width}}  "
            + " ".join(f"{metrics.get(k, ''):>10}" for k in SHOWN)
            + f"   {metrics['cases']}"
        )
    if args.majority:
        print(f"majority labels for {len(out)} cases written to {args.majority}")
    return 0
