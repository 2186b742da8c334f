"""`flamewatch score` and `flamewatch eval` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from schemas.codec import decode_comment
from streams.cli.main import main
from streams.detect import Detector

LINES = [
    {
        "comment_id": "c1",
        "thread_id": "t",
        "author_id": "u-a",
        "author_name": "Ann",
        "text": "Bus fares rise again in May.",
        "created_at": "2020-01-01T10:00:00Z",
    },
    {
        "comment_id": "c2",
        "thread_id": "t",
        "parent_id": "c1",
        "author_id": "u-b",
        "author_name": "Ben",
        "text": "Ann you're a gullible fool.",
        "created_at": "2020-01-01T10:01:00Z",
    },
]


def _write(tmp_path: Path, rows: list) -> Path:
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return p


def test_score_prints_alerts_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, [LINES[0], "{not json", {"comment_id": "x"}, LINES[1]])
    assert main(["score", str(path), "--explain"]) == 0
    out, err = capsys.readouterr()
    alerts = [orjson.loads(line) for line in out.splitlines()]
    assert [(a["severity"], a["offender_author_id"], a["target_author_id"]) for a in alerts] == [
        ("personal_attack", "u-b", "u-a")
    ]
    assert "line 2: invalid_json" in err
    assert "line 3: schema_error" in err
    assert "attack=" in err and "fool" in err  # --explain


def test_score_output_equals_the_core(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, LINES)
    main(["score", str(path)])
    out = capsys.readouterr().out
    d = Detector()
    expected = [
        a.model_dump(mode="json")
        for line in LINES
        for a in d.process(decode_comment(json.dumps(line)))
    ]  # type: ignore[arg-type]
    assert [orjson.loads(x) for x in out.splitlines()] == expected


def test_score_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_invalid_threshold_setting_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLAMEWATCH_ATTACK_THRESHOLD", "7")
    with pytest.raises(SystemExit) as exc:
        main(["score", str(_write(tmp_path, LINES))])
    assert exc.value.code == 2
    assert "FLAMEWATCH_ATTACK_THRESHOLD" in capsys.readouterr().err
