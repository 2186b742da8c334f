"""DeadLetter: one message on the dead-letter topic, for input that could not be used."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

DeadLetterReason = Literal[
    "invalid_json", "schema_error", "oversize_text", "bad_timestamp", "processing_error"
]


class DeadLetter(BaseModel):
    """The raw bytes (base64) of a rejected message, where it came from and why."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="DeadLetter")

    schema_version: Literal[1] = 1
    reason: DeadLetterReason
    detail: str
    raw_b64: str
    key_b64: str | None = None
    topic: str
    partition: int
    offset: int
    message_timestamp: AwareDatetime | None = None
    dead_lettered_at: AwareDatetime
