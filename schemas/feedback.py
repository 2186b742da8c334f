"""Feedback: one moderator decision on an alert (topic `feedback`, key = alert_id). Version 1.

Published by the console when a moderator confirms or dismisses an alert or adds a note.
`feedback_id` is deterministic: the same decision on the same alert (a double click, a
retried request, a re-published outbox entry) always has the same id, so consumers can
de-duplicate. `pair` carries the texts the decision is about, so a consumer of the topic
(e.g. `flamewatch train --feedback TOPIC`) needs no other data to turn it into a labelled
pair.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.alert import Severity

FEEDBACK_SCHEMA_VERSION = 1
MAX_NOTE_CHARS = 2000

Decision = Literal["confirm", "dismiss", "note"]
Label = Literal["attack", "none"]


class FeedbackPair(BaseModel):
    """The reply the alert fired on and the comment it answers, in the training pair format."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="FeedbackPair")

    parent_author: str
    parent_text: str
    reply_author: str
    reply_text: str
    target_author: str | None = None
    label: Label | None = None
    """`attack` for a confirmed personal attack/escalation, `none` for a dismissed alert,
    null when the decision says nothing about the reply (a note, a confirmed `heated`)."""


class Feedback(BaseModel):
    """A moderator's decision on one alert."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="Feedback")

    schema_version: Literal[1] = 1
    feedback_id: str
    alert_id: str
    thread_id: str
    community: str | None = None
    decision: Decision
    note: Annotated[str, Field(max_length=MAX_NOTE_CHARS)] | None = None
    moderator: Annotated[str, Field(max_length=128)]
    severity: Severity
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    trigger_comment_id: str
    offender_author_id: str | None = None
    target_author_id: str | None = None
    tier: str | None = None
    """The detection tier that decided the alert, when the alert said so."""
    rules: list[str] = Field(default_factory=list)
    """The rule families that fired on the trigger comment (reasons with quotes elided)."""
    pair: FeedbackPair | None = None
    decided_at: AwareDatetime


def feedback_id(alert_id: str, decision: Decision, discriminator: str = "") -> str:
    """Deterministic id: alert + decision + (the revision for confirm/dismiss, the text for
    a note)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (alert_id, decision, discriminator):
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()
