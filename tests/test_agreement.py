"""`python -m bot agreement`: independent labellers scored against each other."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.agreement import load_labels, main, majority
from bot.evaluate import CaseError, load_cases

CASES = [
    {
        "id": "pc-cce-1",
        "opening": "my son has cash and a second phone",
        "expect": {
            "role": "parent_carer",
            "area": "durham",
            "categories": ["criminal_exploitation"],
            "urgency": "concern",
        },
    },
    {
        "id": "yp-cse-2",
        "opening": "a man online wants my pics",
        "expect": {
            "role": "young_person",
            "area": "swindon",
            "categories": ["sexual_exploitation"],
            "urgency": "urgent",
        },
    },
]


def _write(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _label(case_id: str, categories: list[str], urgency: str, role: str = "parent_carer") -> dict:
    return {"id": case_id, "role": role, "area": "durham", "categories": categories, "urgency": urgency}


def test_labels_for_other_files_are_set_aside_and_bad_ones_are_named(tmp_path: Path) -> None:
    known = {"pc-cce-1", "yp-cse-2"}
    labels, elsewhere = load_labels(
        _write(tmp_path / "b.yml", [_label("pc-cce-1", [], "concern"), _label("pr-miss-9", [], "concern")]),
        known,
    )
    assert set(labels) == {"pc-cce-1"} and elsewhere == ["pr-miss-9"]
    with pytest.raises(CaseError, match="labelled twice"):
        load_labels(_write(tmp_path / "c.yml", [_label("pc-cce-1", [], "concern")] * 2), known)
    with pytest.raises(CaseError, match="missing urgency"):
        load_labels(
            _write(tmp_path / "d.yml", [{"id": "pc-cce-1", "role": "x", "area": "durham", "categories": []}]),
            known,
        )
    with pytest.raises(CaseError, match="expect.urgency"):
        load_labels(_write(tmp_path / "e.yml", [_label("pc-cce-1", [], "soon")]), known)
    with pytest.raises(CaseError, match="non-empty YAML list of labels"):
        load_labels(_write(tmp_path / "f.yml", {"id": "pc-cce-1"}), known)


def test_the_majority_names_a_category_most_labellers_name_and_the_case_file_breaks_ties(
    tmp_path: Path,
) -> None:
    case = load_cases(_write(tmp_path / "cases.yml", CASES))[0]
    readings = [
        _label("pc-cce-1", ["criminal_exploitation"], "concern"),
        _label("pc-cce-1", ["criminal_exploitation", "missing"], "urgent", role="practitioner"),
        _label("pc-cce-1", ["missing"], "emergency", role="practitioner"),
    ]
    agreed = majority(case, readings)
    assert agreed["categories"] == ["criminal_exploitation", "missing"]
    assert agreed["role"] == "practitioner"
    assert agreed["urgency"] == "concern"  # one vote each: the case file's


def test_agreement_scores_labellers_with_the_evaluation_metrics(tmp_path: Path, capsys) -> None:
    cases = _write(tmp_path / "cases.yml", CASES)
    same = _write(
        tmp_path / "same.yml",
        [
            _label("pc-cce-1", ["criminal_exploitation"], "concern"),
            {**_label("yp-cse-2", ["sexual_exploitation"], "urgent", "young_person"), "area": "swindon"},
        ],
    )
    other = _write(
        tmp_path / "other.yml",
        [
            _label("pc-cce-1", ["missing"], "concern"),
            {**_label("yp-cse-2", ["sexual_exploitation"], "concern", "young_person"), "area": "swindon"},
        ],
    )
    out = tmp_path / "majority.yml"
    assert main([str(cases), str(same), str(other), "--json", "--majority", str(out)]) == 0
    report = yaml.safe_load(capsys.readouterr().out)
    assert report["same.yml vs cases.yml"]["category_macro_f1"] == 1.0
    assert report["same.yml vs cases.yml"]["urgency_accuracy"] == 1.0
    assert report["other.yml vs cases.yml"]["urgency_accuracy"] == 0.5
    assert report["other.yml vs cases.yml"]["category_macro_f1"] < 1.0
    written = load_cases(out)
    assert [c.expect["categories"] for c in written] == [["criminal_exploitation"], ["sexual_exploitation"]]


def test_a_label_file_for_no_case_of_the_file_is_an_error(tmp_path: Path, capsys) -> None:
    cases = _write(tmp_path / "cases.yml", CASES)
    stray = _write(tmp_path / "stray.yml", [_label("pr-miss-9", [], "concern")])
    assert main([str(cases), str(stray)]) == 2
    assert "labels no case" in capsys.readouterr().err
