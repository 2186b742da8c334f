"""Reads for the pages: the queue with its counts, one alert with its chain, one thread."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from streams.console.spans import carried_spans, find_spans, quoted_words, segments

SEVERITIES = ("heated", "personal_attack", "escalation")
STATUSES = ("new", "confirmed", "dismissed")
QUEUE_LIMIT = 200
EXCERPT = 160

_NAME = ("(SELECT author_name FROM comments c WHERE c.author_id = {col} AND "
         "c.author_name IS NOT NULL ORDER BY c.created_at DESC LIMIT 1)")


@dataclass(frozen=True)
class Filters:
    severity: str | None = None
    status: str | None = None
    community: str | None = None
    thread: str | None = None
    suppressed: bool = False

    @classmethod
    def parse(cls, query: Any) -> Filters:
        def pick(name: str, allowed: tuple[str, ...] | None = None) -> str | None:
            value = (query.get(name) or "").strip()[:256] or None
            return value if value is None or allowed is None or value in allowed else None
        return cls(pick("severity", SEVERITIES), pick("status", STATUSES), pick("community"),
                   pick("thread"), query.get("suppressed") == "1")

    def where(self, *, skip: str = "") -> tuple[str, list[Any]]:
        clauses, args = [], []
        for name, column in (("severity", "severity"), ("status", "status"),
                             ("community", "community"), ("thread", "thread_id")):
            value = getattr(self, name)
            if value is not None and name != skip:
                clauses.append(f"a.{column} = ?")
                args.append(value)
        if not self.suppressed:
            clauses.append("a.suppressed = 0")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def as_dict(self) -> dict[str, str]:
        out = {k: v for k in ("severity", "status", "community", "thread")
               if (v := getattr(self, k))}
        if self.suppressed:
            out["suppressed"] = "1"
        return out

    def link(self, **changes: str) -> str:
        """The query string of these filters with some changed (for the count links)."""
        return urlencode({**self.as_dict(), **changes})


def iso(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _alert_select(where: str = "") -> str:
    return (
        "SELECT a.*, " + _NAME.format(col="a.offender_author_id") + " AS offender_name, "
        + _NAME.format(col="a.target_author_id") + " AS target_name, "
        "(SELECT text FROM comments c WHERE c.comment_id = a.trigger_comment_id) AS trigger_text"
        " FROM alerts a" + where
    )


def summary(row: sqlite3.Row) -> dict[str, Any]:
    """One queue row as plain data (the template and the live updates use the same)."""
    text = row["trigger_text"] or ""
    rules = json.loads(row["rules"] or "[]")
    return {
        "seq": row["seq"],
        "alert_id": row["alert_id"],
        "severity": row["severity"],
        "score": round(row["score"], 2),
        "status": row["status"],
        "community": row["community"] or "",
        "thread_id": row["thread_id"],
        "offender": row["offender_name"] or row["offender_author_id"] or "",
        "target": row["target_name"] or row["target_author_id"] or "",
        "detected_at": iso(row["detected_at"]),
        "detected_ts": row["detected_at"],
        "excerpt": text if len(text) <= EXCERPT else text[:EXCERPT] + "…",
        "rule": rules[0] if rules else "",
        "tier": row["tier"] or "",
        "suppressed": bool(row["suppressed"]),
    }


def queue(conn: sqlite3.Connection, filters: Filters, limit: int = QUEUE_LIMIT) -> list[dict[str, Any]]:
    where, args = filters.where()
    rows = conn.execute(_alert_select(where) + " ORDER BY a.seq DESC LIMIT ?",
                        (*args, limit)).fetchall()
    return [summary(r) for r in rows]


def alert_summary(conn: sqlite3.Connection, seq: int) -> dict[str, Any] | None:
    row = conn.execute(_alert_select(" WHERE a.seq = ?"), (seq,)).fetchone()
    return summary(row) if row else None


def alerts_after(conn: sqlite3.Connection, seq: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = conn.execute(_alert_select(" WHERE a.seq > ?") + " ORDER BY a.seq LIMIT ?",
                        (seq, limit)).fetchall()
    return [summary(r) for r in rows]


def counts(conn: sqlite3.Connection, filters: Filters) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for dim, values in (("status", STATUSES), ("severity", SEVERITIES)):
        where, args = filters.where(skip=dim)
        found = dict(conn.execute(
            f"SELECT a.{dim}, COUNT(*) FROM alerts a{where} GROUP BY a.{dim}", args).fetchall())
        out[dim] = {v: int(found.get(v, 0)) for v in values}
    return out


def communities(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT DISTINCT community FROM threads WHERE community IS NOT NULL "
                        "UNION SELECT DISTINCT community FROM alerts WHERE community IS NOT NULL"
                        " ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def names(conn: sqlite3.Connection, author_ids: set[str]) -> dict[str, str]:
    out = {}
    for author in author_ids:
        row = conn.execute(
            "SELECT author_name FROM comments WHERE author_id = ? AND author_name IS NOT NULL "
            "ORDER BY created_at DESC LIMIT 1", (author,)).fetchone()
        out[author] = row[0] if row else author
    return out


def alert_detail(conn: sqlite3.Connection, alert_id: str) -> dict[str, Any] | None:
    row = conn.execute(_alert_select(" WHERE a.alert_id = ?"), (alert_id,)).fetchone()
    if row is None:
        return None
    raw = json.loads(row["raw"])
    scores = {c.get("comment_id"): c for c in raw.get("comments", []) if isinstance(c, dict)}
    chain = []
    for cid in raw.get("chain", []):
        comment = conn.execute("SELECT * FROM comments WHERE comment_id = ?", (cid,)).fetchone()
        score = scores.get(cid, {})
        reasons = [r for r in score.get("reasons", []) if isinstance(r, str)]
        text = comment["text"] if comment else ""
        spans = carried_spans(score, len(text))
        if spans is None:
            spans = find_spans(text, quoted_words(reasons))
        chain.append({
            "comment_id": cid,
            "found": comment is not None,
            "author": (comment["author_name"] or comment["author_id"]) if comment
            else score.get("author_id", "?"),
            "author_id": comment["author_id"] if comment else score.get("author_id", ""),
            "time": iso(comment["created_at"]) if comment else "",
            "edited": bool(comment and comment["edited_at"]),
            "deleted": bool(comment and comment["deleted"]),
            "segments": segments(text, spans),
            "spans": len(spans),
            "attack": score.get("attack"),
            "hostility": score.get("hostility"),
            "reasons": reasons,
            "tier": score.get("tier") if isinstance(score.get("tier"), str) else None,
            "trigger": cid == row["trigger_comment_id"],
        })
    decisions = conn.execute(
        "SELECT decision, note, moderator, decided_at, published FROM decisions "
        "WHERE alert_id = ? ORDER BY decided_at", (alert_id,)).fetchall()
    return {
        "alert": summary(row),
        "raw": raw,
        "reasons": [r for r in raw.get("reasons", []) if isinstance(r, str)],
        "participants": names(conn, {p for p in raw.get("participants", []) if isinstance(p, str)}),
        "event_time": iso(row["event_time"]),
        "chain": chain,
        "decisions": [dict(d) | {"time": iso(d["decided_at"])} for d in decisions],
    }


def thread_rows(conn: sqlite3.Connection, thread_id: str, limit: int = 300) -> tuple[
        sqlite3.Row | None, list[sqlite3.Row], list[sqlite3.Row]]:
    thread = conn.execute("SELECT * FROM threads WHERE thread_id = ?", (thread_id,)).fetchone()
    comments = conn.execute(
        "SELECT * FROM (SELECT * FROM comments WHERE thread_id = ? ORDER BY created_at DESC "
        "LIMIT ?) ORDER BY created_at, rowid", (thread_id, limit)).fetchall()
    alerts = conn.execute(_alert_select(" WHERE a.thread_id = ?") + " ORDER BY a.event_time",
                          (thread_id,)).fetchall()
    return thread, comments, alerts
