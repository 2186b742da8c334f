"""The core's side of the encoder hand-off: which just-scored comment deserves a second
opinion, and the request that carries it to the encoder stage."""

from __future__ import annotations

from schemas.comment import CommentEvent
from schemas.opinion import ScoreRequest
from streams.detect.ids import text_hash
from streams.detect.state import ThreadState
from streams.detect.text import prepare


def encoder_request(state: ThreadState, event: CommentEvent) -> ScoreRequest | None:
    """A request when `event` was just applied to `state` and the fast tier was unsure."""
    if event.event_type == "deleted":
        return None
    rec = state.comments.get(event.comment_id)
    if rec is None or not rec.uncertain or rec.fast is None:
        return None
    h = text_hash(event.text)
    if rec.text_hash != h:
        return None  # a stale edit: the state holds another version
    return ScoreRequest(
        thread_id=event.thread_id,
        comment_id=event.comment_id,
        text_hash=h,
        text=prepare(event.text).own,
        fast=rec.fast,
        event_time=event.created_at,
    )
