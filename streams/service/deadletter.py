"""Dead-letter records for input the worker cannot use (it records them and goes on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from schemas import DecodeError, dead_letter, encode_dead_letter

MAX_RAW_BYTES = 256 * 1024
"""Raw bytes kept in a dead letter; beyond this the record would not fit a Kafka message."""


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
    return DecodeError("processing_error", text[:2000])


def build_dead_letter(
    error: DecodeError, raw: bytes | None, origin: Origin, *, now: datetime | None = None
) -> bytes:
    """The encoded DeadLetter for one rejected message (raw bytes truncated if huge)."""
    data = raw or b""
    detail = error.detail
    if len(data) > MAX_RAW_BYTES:
        detail = f"{detail} [raw truncated from {len(data)} to {MAX_RAW_BYTES} bytes]"
        data = data[:MAX_RAW_BYTES]
    if raw is None:
        detail = f"{detail} [message value was null]"
    record = dead_letter(
        DecodeError(error.reason, detail),
        data,
        topic=origin.topic,
        partition=origin.partition,
        offset=origin.offset,
        key=origin.key,
        message_timestamp=(
            datetime.fromtimestamp(origin.timestamp, UTC) if origin.timestamp else None
        ),
        now=now,
    )
    return encode_dead_letter(record)
