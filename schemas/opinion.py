"""The encoder stage's wire models: comments the fast tiers are unsure of, and the second
opinions that come back. Both are keyed by thread id, like the comments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.comment import MAX_TEXT_CHARS, Id

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class ScoreRequest(BaseModel):
    """A comment for the encoder tier (topic `<comments>.uncertain`)."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="ScoreRequest")

    schema_version: Literal[1] = 1
    thread_id: Id
    comment_id: Id
    text_hash: int
    """Identifies the version of the comment scored (an edit has another hash)."""
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
    """The replier's own words (quotes removed), as the fast tier saw them."""
    fast: Unit
    """The fast tier's probability."""
    event_time: AwareDatetime
    """The comment version's event time."""


class SecondOpinion(BaseModel):
    """The encoder tier's score for one comment version (topic `opinions`)."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="SecondOpinion")

    schema_version: Literal[1] = 1
    kind: Literal["opinion"] = "opinion"
    thread_id: Id
    comment_id: Id
    text_hash: int
    tier: Literal["encoder"] = "encoder"
    probability: Unit
    model: str = ""
    """Which model file gave it (its data digest prefix)."""
    event_time: AwareDatetime
    """Copied from the request: the core's clock only moves with event time."""
