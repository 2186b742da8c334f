"""DeadLetter: one message on the dead-letter topic, for input that could not be used."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

DeadLetterReason = Literal[
    "invalid_json",
    "schema_error",
    "oversize_text",
    "bad_timestamp",
    "future_timestamp",
    "processing_error",
]


class DeadLetter(BaseModel):
    """The raw bytes (base64) of a rejected message, where it came from and why.

    Key and value are cut to the worker's limits (FLAMEWATCH_DLQ_MAX_KEY_BYTES /
    _VALUE_BYTES) so that a dead letter always fits a Kafka message; `raw_length` and
    `key_length` are the original lengths in bytes (None: the value / key was null).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, title="DeadLetter")

    schema_version: Literal[1] = 1
    reason: DeadLetterReason
    detail: str
    raw_b64: str
    raw_length: int | None = None
    raw_truncated: bool = False
    key_b64: str | None = None
    key_length: int | None = None
    key_truncated: bool = False
    topic: str
    partition: int
    offset: int
    message_timestamp: AwareDatetime | None = None
    dead_lettered_at: AwareDatetime
