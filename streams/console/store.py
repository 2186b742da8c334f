"""Writes from the ingest: comments (created / edited / deleted), threads, alerts.

Everything here is idempotent, because the ingest is at-least-once: a comment or alert seen
twice changes nothing the second time.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from schemas import Alert, CommentEvent
from streams.console.policy import Policies
from streams.console.spans import rule_names


def tier_of(raw: dict[str, Any]) -> str | None:
    """The tier that decided, when the alert says so (`tier` or `decided_by`)."""
    for key in ("tier", "decided_by"):
        value = raw.get(key)
        if isinstance(value, str) and value:
            return value[:64]
    return None


def trigger_rules(alert: Alert) -> list[str]:
    for score in alert.comments:
        if score.comment_id == alert.trigger_comment_id:
            return rule_names(score.reasons)
    return []


def apply_comment(conn: sqlite3.Connection, event: CommentEvent, now: float,
                  policies: Policies) -> None:
    ts = event.created_at.timestamp()
    if event.event_type == "deleted":
        conn.execute("UPDATE comments SET deleted = 1 WHERE comment_id = ?", (event.comment_id,))
    elif event.event_type == "edited":
        updated = conn.execute(
            "UPDATE comments SET text = ?, edited_at = ?, author_name = COALESCE(?, author_name)"
            " WHERE comment_id = ? AND (edited_at IS NULL OR edited_at < ?)",
            (event.text, ts, event.author_name, event.comment_id, ts),
        ).rowcount
        if not updated:
            _insert_comment(conn, event, ts, now, edited=True)
    else:
        _insert_comment(conn, event, ts, now, edited=False)
    _touch_thread(conn, event, ts, now, policies)


def _insert_comment(conn: sqlite3.Connection, event: CommentEvent, ts: float, now: float,
                    *, edited: bool) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO comments (comment_id, thread_id, parent_id, author_id, "
        "author_name, community, text, created_at, edited_at, ingested_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (event.comment_id, event.thread_id, event.parent_id, event.author_id,
         event.author_name, event.community, event.text, ts, ts if edited else None, now),
    )


def _touch_thread(conn: sqlite3.Connection, event: CommentEvent, ts: float, now: float,
                  policies: Policies) -> None:
    row = conn.execute("SELECT community FROM threads WHERE thread_id = ?",
                       (event.thread_id,)).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO threads (thread_id, community, first_at, last_at, ingested_at) "
            "VALUES (?, ?, ?, ?, ?)", (event.thread_id, event.community, ts, ts, now))
    else:
        conn.execute(
            "UPDATE threads SET first_at = MIN(first_at, ?), last_at = MAX(last_at, ?), "
            "community = COALESCE(community, ?), ingested_at = ? WHERE thread_id = ?",
            (ts, ts, event.community, now, event.thread_id))
    if event.community and (row is None or row["community"] is None):
        # Alerts that arrived before the thread's first comment learn their community now.
        stale = conn.execute(
            "SELECT seq, severity, score, offender_author_id FROM alerts "
            "WHERE thread_id = ? AND community IS NULL", (event.thread_id,)).fetchall()
        policy = policies.get(event.community)
        for alert in stale:
            fires = policy.fires(alert["severity"], alert["score"], alert["offender_author_id"])
            conn.execute("UPDATE alerts SET community = ?, suppressed = ? WHERE seq = ?",
                         (event.community, int(not fires), alert["seq"]))


def apply_alert(conn: sqlite3.Connection, raw: dict[str, Any], alert: Alert, now: float,
                policies: Policies) -> int | None:
    """Store a new alert; returns its sequence number, or None if it was already known."""
    row = conn.execute("SELECT community FROM threads WHERE thread_id = ?",
                       (alert.thread_id,)).fetchone()
    community = row["community"] if row else None
    fires = policies.get(community).fires(alert.severity, alert.score, alert.offender_author_id)
    cur = conn.execute(
        "INSERT OR IGNORE INTO alerts (alert_id, thread_id, severity, score, trigger_comment_id,"
        " offender_author_id, target_author_id, community, tier, rules, suppressed, event_time,"
        " detected_at, ingested_at, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (alert.alert_id, alert.thread_id, alert.severity, alert.score,
         alert.trigger_comment_id, alert.offender_author_id, alert.target_author_id, community,
         tier_of(raw), json.dumps(trigger_rules(alert)), int(not fires),
         alert.event_time.timestamp(), alert.detected_at.timestamp(), now,
         json.dumps(raw, ensure_ascii=False)),
    )
    return cur.lastrowid if cur.rowcount else None
