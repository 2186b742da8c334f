"""Dead-letter records built by the worker for input it cannot use."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import orjson

from schemas import DeadLetter, DecodeError, decode_comment
from streams.service.deadletter import MAX_RAW_BYTES, Origin, build_dead_letter, processing_error

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
ORIGIN = Origin(topic="comments", partition=3, offset=41, key=b"t-1", timestamp=1_700_000_000.5)


def record(data: bytes) -> DeadLetter:
    return DeadLetter.model_validate(orjson.loads(data))


def test_record_carries_reason_raw_bytes_and_origin() -> None:
    raw = b'{"comment_id": "c1", "thread_id": "t-1"'
    error = decode_comment(raw)
    assert isinstance(error, DecodeError)
    dl = record(build_dead_letter(error, raw, ORIGIN, now=NOW))
    assert dl.reason == "invalid_json"
    assert dl.detail == error.detail
    assert base64.b64decode(dl.raw_b64) == raw
    assert base64.b64decode(dl.key_b64 or "") == b"t-1"
    assert (dl.topic, dl.partition, dl.offset) == ("comments", 3, 41)
    assert dl.message_timestamp == datetime.fromtimestamp(1_700_000_000.5, UTC)
    assert dl.dead_lettered_at == NOW


def test_reasons_from_the_decoder() -> None:
    base = {"comment_id": "c1", "thread_id": "t", "author_id": "a", "text": "hi",
            "created_at": "2024-01-01T00:00:00Z"}
    cases = {
        b"not json": "invalid_json",
        orjson.dumps({**base, "text": "x" * 50_001}): "oversize_text",
        orjson.dumps({**base, "created_at": "2024-01-01T00:00:00"}): "bad_timestamp",
        orjson.dumps({k: v for k, v in base.items() if k != "author_id"}): "schema_error",
    }
    for raw, reason in cases.items():
        error = decode_comment(raw)
        assert isinstance(error, DecodeError)
        assert record(build_dead_letter(error, raw, ORIGIN, now=NOW)).reason == reason


def test_null_value_and_missing_key() -> None:
    origin = Origin("comments", 0, 7, None, None)
    dl = record(build_dead_letter(DecodeError("invalid_json", "empty"), None, origin, now=NOW))
    assert dl.raw_b64 == ""
    assert dl.key_b64 is None
    assert dl.message_timestamp is None
    assert "null" in dl.detail


def test_huge_raw_bytes_are_truncated_and_said_so() -> None:
    raw = b"x" * (MAX_RAW_BYTES + 10)
    dl = record(build_dead_letter(DecodeError("oversize_text", "too long"), raw, ORIGIN, now=NOW))
    assert len(base64.b64decode(dl.raw_b64)) == MAX_RAW_BYTES
    assert "truncated" in dl.detail and str(len(raw)) in dl.detail


def test_processing_error_names_the_exception() -> None:
    error = processing_error(ZeroDivisionError("division by zero"))
    assert error.reason == "processing_error"
    assert error.detail == "ZeroDivisionError: division by zero"
    dl = record(build_dead_letter(error, b"{}", ORIGIN, now=NOW))
    assert dl.reason == "processing_error"
