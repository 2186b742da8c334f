"""Numbers for the stats page: alerts over time, decisions, precision from feedback."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from streams.console.charts import BarChart, bar_chart
from streams.console.queries import SEVERITIES


def _per_bucket(conn: sqlite3.Connection, seconds: int, buckets: int, now: float,
                fmt: str) -> list[tuple[str, float, str]]:
    start = (int(now) // seconds - buckets + 1) * seconds
    found = dict(conn.execute(
        "SELECT CAST(detected_at / ? AS INTEGER), COUNT(*) FROM alerts WHERE detected_at >= ? "
        "GROUP BY 1", (seconds, start)).fetchall())
    out = []
    for k in range(buckets):
        bucket = start // seconds + k
        label = datetime.fromtimestamp(bucket * seconds, UTC).strftime(fmt)
        out.append((label, float(found.get(bucket, 0)), ""))
    return out


def precision_rows(rows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """(key, status) pairs → per key: confirmed, dismissed, precision (None if undecided)."""
    confirmed: Counter[str] = Counter()
    dismissed: Counter[str] = Counter()
    keys: list[str] = []
    for key, status in rows:
        if key not in keys:
            keys.append(key)
        if status == "confirmed":
            confirmed[key] += 1
        elif status == "dismissed":
            dismissed[key] += 1
    out = []
    for key in keys:
        decided = confirmed[key] + dismissed[key]
        out.append({"key": key, "confirmed": confirmed[key], "dismissed": dismissed[key],
                    "precision": confirmed[key] / decided if decided else None})
    return out


def _precision_chart(title: str, rows: list[dict[str, Any]]) -> BarChart:
    items = [(r["key"], r["precision"] or 0.0,
              f"{r['precision']:.2f} (n={r['confirmed'] + r['dismissed']})"
              if r["precision"] is not None else "n=0") for r in rows]
    return bar_chart(title, items, maximum=1.0, colour="#2e7d32")


def page(conn: sqlite3.Connection, now: float | None = None) -> dict[str, Any]:
    now = now or time.time()
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM alerts GROUP BY status").fetchall())
    decisions = dict(conn.execute(
        "SELECT decision, COUNT(*) FROM decisions GROUP BY decision").fetchall())
    alerts = conn.execute("SELECT severity, status, tier, rules FROM alerts").fetchall()
    by_severity = precision_rows([(a["severity"], a["status"]) for a in alerts])
    by_severity.sort(key=lambda r: SEVERITIES.index(r["key"]) if r["key"] in SEVERITIES else 9)
    by_tier = precision_rows([(a["tier"] or "rules (not stated)", a["status"]) for a in alerts])
    by_rule = precision_rows([(rule, a["status"]) for a in alerts
                              for rule in json.loads(a["rules"] or "[]")])
    by_rule.sort(key=lambda r: -(r["confirmed"] + r["dismissed"]))
    return {
        "total": sum(statuses.values()),
        "statuses": {s: int(statuses.get(s, 0)) for s in ("new", "confirmed", "dismissed")},
        "decisions": {d: int(decisions.get(d, 0)) for d in ("confirm", "dismiss", "note")},
        "charts": [
            bar_chart("Alerts per hour (last 48 h, UTC)",
                      _per_bucket(conn, 3600, 48, now, "%H")),
            bar_chart("Alerts per day (last 30 days, UTC)",
                      _per_bucket(conn, 86400, 30, now, "%d")),
            bar_chart("Decisions", [("confirmed", float(statuses.get("confirmed", 0)), ""),
                                    ("dismissed", float(statuses.get("dismissed", 0)), ""),
                                    ("new", float(statuses.get("new", 0)), ""),
                                    ("notes", float(decisions.get("note", 0)), "")],
                      colour="#6d4c41"),
            _precision_chart("Precision by severity (confirmed / decided)", by_severity),
            _precision_chart("Precision by tier", by_tier),
            _precision_chart("Precision by rule (trigger comment)", by_rule[:12]),
        ],
        "by_severity": by_severity,
        "by_tier": by_tier,
        "by_rule": by_rule,
    }
