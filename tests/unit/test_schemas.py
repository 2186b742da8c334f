"""Wire formats: validation rules, codecs, and exported JSON Schema files that must not drift."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest

from schemas.codec import DecodeError, dead_letter, decode_alert, decode_comment, encode_alert
from schemas.export import MODELS, OUT_DIR, render

GOOD = {
    "comment_id": "c-101",
    "thread_id": "t-7",
    "parent_id": "c-100",
    "author_id": "u-42",
    "author_name": "Dave C",
    "text": "hello",
    "created_at": "2020-01-03T16:00:00Z",
}


def _decode(obj: object) -> object:
    return decode_comment(orjson.dumps(obj))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_exported_json_schema_matches_the_model(name: str) -> None:
    path = OUT_DIR / name
    assert path.exists(), f"run `python -m schemas.export` to create {path}"
    assert path.read_text() == render(MODELS[name]), f"{path} drifted: run python -m schemas.export"


def test_valid_event_defaults_and_unknown_fields() -> None:
    ev = _decode({**GOOD, "parent_id": None, "likes": 3})
    assert not isinstance(ev, DecodeError)
    assert ev.event_type == "created" and ev.parent_id is None


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"created_at": "2020-01-03T16:00:00"}, "bad_timestamp"),
        ({"created_at": "yesterday"}, "bad_timestamp"),
        ({"text": "x" * 50_001}, "oversize_text"),
        ({"comment_id": ""}, "schema_error"),
        ({"thread_id": "t" * 257}, "schema_error"),
        ({"event_type": "liked"}, "schema_error"),
        ({"author_id": None}, "schema_error"),
    ],
)
def test_invalid_events_are_error_values(patch: dict, reason: str) -> None:
    err = _decode({**GOOD, **patch})
    assert isinstance(err, DecodeError) and err.reason == reason


def test_text_at_the_limit_is_kept_whole() -> None:
    ev = _decode({**GOOD, "text": "y" * 50_000})
    assert not isinstance(ev, DecodeError) and len(ev.text) == 50_000


def test_non_json_and_non_objects() -> None:
    assert decode_comment(b"\xff\xfe").reason == "invalid_json"  # type: ignore[union-attr]
    assert decode_comment(b"[1, 2]").reason == "schema_error"  # type: ignore[union-attr]


def test_dead_letter_keeps_the_raw_bytes() -> None:
    raw = b'{"broken": '
    err = decode_comment(raw)
    assert isinstance(err, DecodeError)
    rec = dead_letter(err, raw, topic="comments", partition=2, offset=17, key=b"t-7")
    assert base64.b64decode(rec.raw_b64) == raw
    assert rec.reason == "invalid_json" and rec.offset == 17 and rec.partition == 2


def test_alert_round_trip(tmp_path: Path) -> None:
    from streams.detect import Detector

    d = Detector()
    ev1 = _decode({**GOOD, "comment_id": "a", "parent_id": None})
    ev2 = _decode(
        {
            **GOOD,
            "comment_id": "b",
            "parent_id": "a",
            "author_id": "u-7",
            "author_name": "Sam",
            "text": "You're a liar and a coward.",
            "created_at": "2020-01-03T16:05:00+01:00",
        }
    )
    assert not isinstance(ev1, DecodeError) and not isinstance(ev2, DecodeError)
    d.process(ev1)
    (alert,) = d.process(ev2)
    assert decode_alert(encode_alert(alert)) == alert
    assert orjson.loads(encode_alert(alert))["schema_version"] == 1


def test_community_is_optional_and_v1_compatible() -> None:
    from schemas import decode_comment, encode_comment

    base = {"comment_id": "c1", "thread_id": "t1", "author_id": "u1", "text": "hi",
            "created_at": "2025-01-01T00:00:00Z"}
    old = decode_comment(orjson.dumps(base))
    assert not isinstance(old, DecodeError) and old.community is None
    assert b"community" not in encode_comment(old)
    new = decode_comment(orjson.dumps({**base, "community": "sport"}))
    assert not isinstance(new, DecodeError) and new.community == "sport"


def test_feedback_ids_are_deterministic() -> None:
    from schemas.feedback import feedback_id

    assert feedback_id("a1", "confirm", "0") == feedback_id("a1", "confirm", "0")
    assert feedback_id("a1", "confirm", "0") != feedback_id("a1", "dismiss", "0")
    assert feedback_id("a1", "note", "x") != feedback_id("a1", "note", "y")
