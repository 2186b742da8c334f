"""Alert: one message on the alerts topic (key = thread_id). Schema version 1."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

Severity = Literal["heated", "personal_attack", "escalation"]
SEVERITY_RANK: dict[str, int] = {"heated": 1, "personal_attack": 2, "escalation": 3}

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class CommentScore(BaseModel):
    """How one comment of the chain scored, and why."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="CommentScore")

    comment_id: str
    author_id: str
    attack: Unit
    hostility: Unit
    target_author_id: str | None = None
    reasons: list[str] = Field(default_factory=list)
    """Why, one line per rule or tier that fired, prefixed with the tier ('rules: ...')."""
    tier: str | None = None
    """Which tier decided this comment's attack score: rules, fast or encoder."""
    reason_spans: list[tuple[int, int] | None] = Field(default_factory=list)
    """[start, end) offsets into the comment text of the words each reason fired on, in the
    order of `reasons` (null for a reason about the whole comment), for highlighting."""


class Alert(BaseModel):
    """A reply chain is heating up, or a participant was attacked.

    `alert_id` is a hash of (thread, dyad, severity, trigger comment): the same input
    stream always yields the same ids. `detected_at` is the only field that is not a
    function of the input: the offline CLI sets it to the trigger's event time, the worker
    to the wall-clock time it published the alert.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, title="Alert")

    schema_version: Literal[1] = 1
    alert_id: str
    thread_id: str
    severity: Severity
    trigger_comment_id: str
    chain: list[str]
    participants: list[str]
    offender_author_id: str | None = None
    target_author_id: str | None = None
    score: Unit
    comments: list[CommentScore]
    reasons: list[str]
    event_time: AwareDatetime
    detected_at: AwareDatetime
    tier: str | None = None
    """Which tier decided the trigger comment: rules, fast (learned, on every comment) or
    encoder (the second opinion on comments the fast tiers were unsure of). Optional in v1."""
