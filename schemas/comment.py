"""CommentEvent: one message on the comments topic (key = thread_id)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

MAX_TEXT_CHARS = 50_000

Id = Annotated[str, Field(min_length=1, max_length=256)]

_RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339_text(value: Any) -> Any:
    """Only RFC 3339 text: pydantic would otherwise read numbers (and numeric strings) as Unix
    time, so a producer sending milliseconds would land comments in the year 50,000."""
    if isinstance(value, datetime):  # built in Python, not read from the wire
        return value
    if isinstance(value, str) and _RFC3339_START.match(value) and len(value) <= 64:
        return value
    if isinstance(value, str):
        raise ValueError("must be an RFC 3339 date-time such as 2020-01-03T16:00:00Z")
    raise ValueError(
        f"must be an RFC 3339 date-time string with a timezone, not {type(value).__name__}"
    )


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]


class CommentEvent(BaseModel):
    """A comment was created, edited or deleted.

    Unknown fields are ignored; timestamps are RFC 3339 strings with a timezone (numbers are
    rejected, not read as Unix time); text longer than
    50,000 characters is invalid (never silently cut).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, title="CommentEvent")

    comment_id: Id
    thread_id: Id
    parent_id: Id | None = None
    author_id: Id
    author_name: Annotated[str, Field(max_length=256)] | None = None
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
    created_at: Timestamp
    event_type: Literal["created", "edited", "deleted"] = "created"
    community: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    """The site section or community the thread belongs to (per-community thresholds in the
    console). Optional: v1 producers that do not send it stay valid."""
