"""Dead-letter records for input the worker cannot use (it records them and goes on).

A dead letter must always fit a Kafka message, whatever came in: the key and the value are cut
to `DeadLetterLimits` (their original lengths are recorded), the detail text is bounded, and
the encoded record is checked against the producer's request limit. The record's Kafka key is
the cut key too (the original key appears twice in it: as key and in `key_b64`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from schemas import DecodeError, dead_letter, encode_dead_letter

MAX_RAW_BYTES = 256 * 1024
"""Default raw value bytes kept in a dead letter (FLAMEWATCH_DLQ_MAX_VALUE_BYTES)."""
MAX_KEY_BYTES = 1024
"""Default key bytes kept (FLAMEWATCH_DLQ_MAX_KEY_BYTES)."""
MAX_DETAIL_CHARS = 2000
MAX_RECORD_BYTES = 1_000_000
"""Default producer request limit (FLAMEWATCH_MAX_REQUEST_BYTES)."""
RECORD_OVERHEAD = 512
"""Bytes Kafka adds around a record in a produce request (headers, batch framing): margin."""


@dataclass(frozen=True, slots=True)
class DeadLetterLimits:
    value_bytes: int = MAX_RAW_BYTES
    key_bytes: int = MAX_KEY_BYTES
    record_bytes: int = MAX_RECORD_BYTES


DEFAULT_LIMITS = DeadLetterLimits()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a rejected message came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    timestamp: float | None
    """Kafka message timestamp, epoch seconds."""


def processing_error(exc: BaseException) -> DecodeError:
    """The dead-letter reason for an exception raised by the core for one event."""
    text = f"{type(exc).__name__}: {exc}"
    return DecodeError("processing_error", text[:MAX_DETAIL_CHARS])


def dead_letter_key(key: bytes | None, limits: DeadLetterLimits = DEFAULT_LIMITS) -> bytes | None:
    """The Kafka key of the dead letter: the original key, cut to the limit."""
    return key[: limits.key_bytes] if key is not None else None


def build_dead_letter(
    error: DecodeError,
    raw: bytes | None,
    origin: Origin,
    *,
    now: datetime | None = None,
    limits: DeadLetterLimits = DEFAULT_LIMITS,
) -> bytes:
    """The encoded DeadLetter for one rejected message (key and value cut to the limits)."""
    data = raw or b""
    key = origin.key
    detail = error.detail[:MAX_DETAIL_CHARS]
    notes = []
    if raw is None:
        notes.append("message value was null")
    if len(data) > limits.value_bytes:
        notes.append(f"value truncated from {len(data)} to {limits.value_bytes} bytes")
    if key is not None and len(key) > limits.key_bytes:
        notes.append(f"key truncated from {len(key)} to {limits.key_bytes} bytes")
    if notes:
        detail = f"{detail} [{'; '.join(notes)}]"
    topic = origin.topic[:256]
    stamp = _message_time(origin.timestamp)

    def encode(value_bytes: int) -> bytes:
        record = dead_letter(
            DecodeError(error.reason, detail),
            data[:value_bytes],
            topic=topic,
            partition=origin.partition,
            offset=origin.offset,
            key=dead_letter_key(key, limits),
            message_timestamp=stamp,
            now=now,
            raw_length=len(raw) if raw is not None else None,
            key_length=len(key) if key is not None else None,
        )
        return encode_dead_letter(record)

    encoded = encode(limits.value_bytes)
    budget = limits.record_bytes - RECORD_OVERHEAD - len(dead_letter_key(key, limits) or b"")
    if len(encoded) > budget:  # only with limits the settings check would refuse: drop the value
        encoded = encode(0)
    return encoded


def _message_time(timestamp: float | None) -> datetime | None:
    if not timestamp or timestamp <= 0:
        return None
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return None
