"""`flamewatch train` as a user runs it: a data folder in, a model file out, byte-identical on
a second run, moderator decisions folded in with their weight, bad input refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.cli.main import main
from streams.detect import DetectConfig
from streams.detect.learned.model import LinearModel
from streams.training.feedback import FEEDBACK_WEIGHT, feedback_examples

PAIRS = [
    ("Ann", "The bus lane opens in May.", "Ben", "You are a clueless clown.", "attack"),
    ("Ann", "The bus lane opens in May.", "Cat", "Grow up, nobody cares what you think.", "attack"),
    ("Dan", "I liked the film.", "Eve", "You have the taste of a goat, honestly.", "attack"),
    ("Ann", "The bus lane opens in May.", "Ben", "Have you checked the timetable?", "none"),
    ("Dan", "I liked the film.", "Eve", "Fair point, the ending was good.", "none"),
    ("Dan", "I liked the film.", "Fay", "The council are clowns, every one.", "none"),
]


def _data(root: Path, name: str, rows: list[tuple[str, str, str, str, str]]) -> Path:
    split = root / name
    split.mkdir(parents=True)
    with (split / "pairs.jsonl").open("w") as f:
        for i, (pa, pt, ra, rt, label) in enumerate(rows):
            f.write(json.dumps({"id": f"{name}-{i}", "parent_author": pa, "parent_text": pt,
                                "reply_author": ra, "reply_text": rt, "label": label,
                                "category": "x"}) + "\n")
    return split


def test_train_writes_the_same_bytes_twice_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "data"
    _data(root, "a", PAIRS[:3] + PAIRS[3:5])
    _data(root, "b", PAIRS[1:])
    out1, out2 = tmp_path / "m1.fwm", tmp_path / "m2.fwm"
    fast = ["--iterations", "40"]
    assert main(["train", "--data", str(root), "--out", str(out1), "--report", *fast]) == 0
    report = capsys.readouterr().out
    assert main(["train", "--data", str(root), "--out", str(out2), *fast]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    model = LinearModel.load(out1)
    assert model.meta["splits"] == {"a": 5, "b": 5}
    assert model.calibration != (1.0, 0.0)  # calibrated on the two folds' held-out scores
    assert "a " in report and "b " in report and "F1" in report


def test_feedback_decisions_become_weighted_examples(tmp_path: Path) -> None:
    fb = tmp_path / "decisions.jsonl"
    fb.write_text(json.dumps({"id": "fb-1", "parent_author": "Ann", "parent_text": "Hi.",
                              "reply_author": "Ben", "reply_text": "You absolute weasel.",
                              "label": "attack", "category": "feedback_confirmed"}) + "\n")
    (ex,) = feedback_examples(fb, DetectConfig())
    assert ex.label and ex.weight == FEEDBACK_WEIGHT and ex.split == "feedback"


def test_train_refuses_a_missing_folder_or_feedback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "m")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    root = tmp_path / "data"
    _data(root, "a", PAIRS)
    code = main(["train", "--data", str(root), "--out", str(tmp_path / "m"),
                 "--feedback", str(tmp_path / "missing.jsonl")])
    assert code == 2 and "not found" in capsys.readouterr().err
