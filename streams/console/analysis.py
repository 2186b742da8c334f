"""Per-comment scores and addressees for a thread page, from the detection core.

Alerts carry the scores of their chain only; to draw a whole thread (heat over time, replies
inferred from the text) the console replays the thread's stored comments through the same
core offline (`streams.detect.Detector`). Scores carried by alerts win where both exist.
Any failure of the core degrades to "no scores" instead of breaking the page.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("flamewatch.console")


@dataclass(frozen=True)
class Scored:
    attack: float = 0.0
    hostility: float = 0.0
    addressee: str | None = None
    target: str | None = None


def score_thread(comments: Sequence[sqlite3.Row], scorer: Any = None) -> dict[str, Scored]:
    """`scorer`: the worker's scorer (from its settings); None = the core's default."""
    try:
        from schemas import CommentEvent
        from streams.detect import DetectConfig, Detector

        size = max(64, len(comments) + 1)
        detector = Detector(DetectConfig(max_comments=size, max_participants=size), scorer)
        for row in comments:
            detector.process(CommentEvent(
                comment_id=row["comment_id"], thread_id=row["thread_id"],
                parent_id=row["parent_id"], author_id=row["author_id"],
                author_name=row["author_name"], text=row["text"],
                created_at=datetime.fromtimestamp(row["created_at"], UTC),
            ))
        out: dict[str, Scored] = {}
        for state in detector.states.values():
            for cid, rec in state.comments.items():
                out[cid] = Scored(float(rec.attack), float(rec.hostility),
                                  getattr(rec, "addressee", None), getattr(rec, "target", None))
        return out
    except Exception:
        log.exception("could not score the thread with the core; drawing it without scores")
        return {}


def overlay_alert_scores(scores: dict[str, Scored], raws: Sequence[dict[str, Any]]) -> None:
    """What the worker said (in its alerts) replaces the console's own re-scoring."""
    for raw in raws:
        for c in raw.get("comments", []):
            if not isinstance(c, dict) or "comment_id" not in c:
                continue
            old = scores.get(c["comment_id"], Scored())
            scores[c["comment_id"]] = Scored(
                float(c.get("attack", old.attack)), float(c.get("hostility", old.hostility)),
                old.addressee, c.get("target_author_id") or old.target)
