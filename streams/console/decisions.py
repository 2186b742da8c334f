"""Confirm / dismiss / note on an alert: stored with its feedback record (an outbox row).

Idempotent: confirming an alert that is already confirmed (a double click, a resubmitted
form) stores and publishes nothing new; the same note twice is one record. A change of mind
(confirm, then dismiss) is a new decision with its own id; the alert's status is the latest.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.feedback import MAX_NOTE_CHARS, Decision, Feedback, FeedbackPair, feedback_id

STATUS = {"confirm": "confirmed", "dismiss": "dismissed"}
ATTACK_SEVERITIES = ("personal_attack", "escalation")


class DecisionError(ValueError):
    pass


class UnknownAlert(LookupError):
    pass


@dataclass(frozen=True)
class Outcome:
    feedback: Feedback
    created: bool
    status: str


def _name(conn: sqlite3.Connection, author_id: str | None) -> str | None:
    if author_id is None:
        return None
    row = conn.execute(
        "SELECT author_name FROM comments WHERE author_id = ? AND author_name IS NOT NULL "
        "ORDER BY created_at DESC LIMIT 1", (author_id,)).fetchone()
    return row["author_name"] if row else author_id


def build_pair(conn: sqlite3.Connection, alert: sqlite3.Row, decision: Decision,
               chain: list[str]) -> FeedbackPair | None:
    """The trigger comment and the comment it answers (its parent, else the previous comment
    of the chain by someone else), with the label the decision gives the trigger."""
    reply = conn.execute("SELECT * FROM comments WHERE comment_id = ?",
                         (alert["trigger_comment_id"],)).fetchone()
    if reply is None:
        return None
    parent = None
    if reply["parent_id"]:
        parent = conn.execute("SELECT * FROM comments WHERE comment_id = ?",
                              (reply["parent_id"],)).fetchone()
    if parent is None:
        for cid in reversed(chain):
            row = conn.execute("SELECT * FROM comments WHERE comment_id = ?", (cid,)).fetchone()
            if row is not None and row["author_id"] != reply["author_id"]:
                parent = row
                break
    if parent is None:
        return None
    if decision == "confirm" and alert["severity"] in ATTACK_SEVERITIES:
        label: str | None = "attack"
    elif decision == "dismiss":
        label = "none"
    else:
        label = None
    target = alert["target_author_id"]
    target_name = _name(conn, target) if target and target != parent["author_id"] else None
    return FeedbackPair(
        parent_author=parent["author_name"] or parent["author_id"],
        parent_text=parent["text"],
        reply_author=reply["author_name"] or reply["author_id"],
        reply_text=reply["text"],
        target_author=target_name,
        label=label,  # type: ignore[arg-type]
    )


def decide(conn: sqlite3.Connection, alert_id: str, decision: str, moderator: str,
           note: str | None = None, *, now: datetime | None = None) -> Outcome:
    if decision not in ("confirm", "dismiss", "note"):
        raise DecisionError("decision must be confirm, dismiss or note")
    moderator = (moderator or "moderator").strip()[:128] or "moderator"
    text = (note or "").strip()
    if decision == "note" and not text:
        raise DecisionError("a note needs some text")
    if len(text) > MAX_NOTE_CHARS:
        raise DecisionError(f"a note is at most {MAX_NOTE_CHARS} characters")
    now = now or datetime.now(UTC)
    conn.execute("BEGIN IMMEDIATE")
    try:
        outcome = _decide(conn, alert_id, decision, moderator, text or None, now)  # type: ignore[arg-type]
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return outcome


def _decide(conn: sqlite3.Connection, alert_id: str, decision: Decision, moderator: str,
            note: str | None, now: datetime) -> Outcome:
    alert = conn.execute("SELECT * FROM alerts WHERE alert_id = ?", (alert_id,)).fetchone()
    if alert is None:
        raise UnknownAlert(alert_id)
    status = alert["status"]
    if decision == "note":
        fid = feedback_id(alert_id, "note", note or "")
    else:
        if status == STATUS[decision]:
            latest = conn.execute(
                "SELECT record FROM decisions WHERE alert_id = ? AND decision = ? "
                "ORDER BY decided_at DESC LIMIT 1", (alert_id, decision)).fetchone()
            return Outcome(Feedback.model_validate_json(latest["record"]), False, status)
        revision = conn.execute(
            "SELECT COUNT(*) FROM decisions WHERE alert_id = ? AND decision != 'note'",
            (alert_id,)).fetchone()[0]
        fid = feedback_id(alert_id, decision, str(revision))
    existing = conn.execute("SELECT record FROM decisions WHERE feedback_id = ?",
                            (fid,)).fetchone()
    if existing is not None:
        return Outcome(Feedback.model_validate_json(existing["record"]), False, status)
    raw = json.loads(alert["raw"])
    record = Feedback(
        feedback_id=fid,
        alert_id=alert_id,
        thread_id=alert["thread_id"],
        community=alert["community"],
        decision=decision,
        note=note if decision == "note" else None,
        moderator=moderator,
        severity=alert["severity"],
        score=alert["score"],
        trigger_comment_id=alert["trigger_comment_id"],
        offender_author_id=alert["offender_author_id"],
        target_author_id=alert["target_author_id"],
        tier=alert["tier"],
        rules=json.loads(alert["rules"]),
        pair=build_pair(conn, alert, decision, list(raw.get("chain", []))),
        decided_at=now,
    )
    conn.execute(
        "INSERT INTO decisions (feedback_id, alert_id, decision, note, moderator, decided_at,"
        " record) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (fid, alert_id, decision, record.note, moderator, now.timestamp(),
         record.model_dump_json()),
    )
    if decision != "note":
        status = STATUS[decision]
        conn.execute("UPDATE alerts SET status = ? WHERE alert_id = ?", (status, alert_id))
    return Outcome(record, True, status)
