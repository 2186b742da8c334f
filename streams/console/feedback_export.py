"""Moderator decisions → labelled pairs for training (the hand-off to `flamewatch train`).

    from streams.console.feedback_export import load_feedback_pairs
    pairs = load_feedback_pairs("flamewatch-console.sqlite3")

Each pair is a dict in the format of `streams/evaluation/data/pairs.jsonl` (what
`streams.evaluation.pairs.load_pairs` reads): `id`, `parent_author`, `parent_text`,
`reply_author`, `reply_text`, `label` (`attack` | `none`), `category`, optional
`target_author`, plus `source: "feedback"`, `alert_id`, `community`, `decided_at` and
`moderator` for traceability.

Which decisions count: per alert, the LATEST confirm/dismiss (a moderator who changed their
mind is taken at their last word). A confirmed `personal_attack` or `escalation` labels the
trigger reply `attack`; a dismissed alert of any severity labels it `none` (the detector was
wrong to alert on it). A confirmed `heated` alert says nothing about a personal attack and is
left out, as are notes and alerts whose texts never reached the console. Texts come from the
decision's own copy (the feedback record), so pairs outlive the comments' retention.

`pairs_from_feedback(records)` does the same for Feedback records read from the feedback
topic (`flamewatch train --feedback TOPIC`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from schemas.feedback import Feedback


def pairs_from_feedback(records: Iterable[Feedback]) -> list[dict[str, Any]]:
    latest: dict[str, Feedback] = {}
    for record in records:
        if record.decision == "note":
            continue
        seen = latest.get(record.alert_id)
        if seen is None or record.decided_at >= seen.decided_at:
            latest[record.alert_id] = record
    pairs = []
    for record in sorted(latest.values(), key=lambda r: (r.decided_at, r.alert_id)):
        pair = record.pair
        if pair is None or pair.label is None:
            continue
        out: dict[str, Any] = {
            "id": f"fb-{record.alert_id[:16]}",
            "parent_author": pair.parent_author,
            "parent_text": pair.parent_text,
            "reply_author": pair.reply_author,
            "reply_text": pair.reply_text,
            "label": pair.label,
            "category": f"feedback_{record.decision}ed_{record.severity}",
            "source": "feedback",
            "alert_id": record.alert_id,
            "community": record.community,
            "moderator": record.moderator,
            "decided_at": record.decided_at.isoformat(),
        }
        if pair.target_author:
            out["target_author"] = pair.target_author
        pairs.append(out)
    return pairs


def load_feedback_pairs(db_path: str | Path) -> list[dict[str, Any]]:
    """Labelled pairs from a console database (read-only; the console may be running)."""
    uri = f"file:{Path(db_path)}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        rows = conn.execute(
            "SELECT record FROM decisions WHERE decision != 'note' ORDER BY decided_at").fetchall()
    finally:
        conn.close()
    return pairs_from_feedback(Feedback.model_validate_json(r[0]) for r in rows)
