"""CommentEvent: one message on the comments topic (key = thread_id)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

MAX_TEXT_CHARS = 50_000

Id = Annotated[str, Field(min_length=1, max_length=256)]


class CommentEvent(BaseModel):
    """A comment was created, edited or deleted.

    Unknown fields are ignored; timestamps must carry a timezone; text longer than
    50,000 characters is invalid (never silently cut).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, title="CommentEvent")

    comment_id: Id
    thread_id: Id
    parent_id: Id | None = None
    author_id: Id
    author_name: Annotated[str, Field(max_length=256)] | None = None
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
    created_at: AwareDatetime
    event_type: Literal["created", "edited", "deleted"] = "created"
