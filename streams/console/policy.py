"""Per-community thresholds and exemptions, and what a change would have done.

The file (`FLAMEWATCH_CONSOLE_COMMUNITIES`, TOML) is the baseline:

    [default]
    min_score = 0.0                 # alerts scoring below this are suppressed
    min_severity = "heated"         # heated < personal_attack < escalation
    exempt_authors = []             # e.g. moderators' own accounts

    [community.sport]
    min_score = 0.6
    min_severity = "personal_attack"
    exempt_authors = ["mod_anna"]

Changes applied in the console are stored in the database (with who and when) and override
the file, which may be a read-only mount. A suppressed alert stays in the database and is
hidden from the queue unless asked for; the worker itself still publishes every alert.
"""

from __future__ import annotations

import json
import sqlite3
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.alert import SEVERITY_RANK

DEFAULT = "*"


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Policy:
    min_score: float = 0.0
    min_severity: str = "heated"
    exempt_authors: frozenset[str] = field(default_factory=frozenset)

    def fires(self, severity: str, score: float, offender: str | None) -> bool:
        if offender is not None and offender in self.exempt_authors:
            return False
        if SEVERITY_RANK.get(severity, 0) < SEVERITY_RANK[self.min_severity]:
            return False
        return score >= self.min_score

    def to_json(self) -> dict[str, Any]:
        return {"min_score": self.min_score, "min_severity": self.min_severity,
                "exempt_authors": sorted(self.exempt_authors)}

    @classmethod
    def parse(cls, data: dict[str, Any], where: str = "policy") -> Policy:
        unknown = set(data) - {"min_score", "min_severity", "exempt_authors"}
        if unknown:
            raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        try:
            score = float(data.get("min_score", 0.0))
        except (TypeError, ValueError):
            raise PolicyError(f"{where}: min_score must be a number") from None
        if not 0.0 <= score <= 1.0:
            raise PolicyError(f"{where}: min_score must be between 0 and 1")
        severity = str(data.get("min_severity", "heated"))
        if severity not in SEVERITY_RANK:
            raise PolicyError(f"{where}: min_severity must be one of {', '.join(SEVERITY_RANK)}")
        exempt = data.get("exempt_authors", [])
        if not isinstance(exempt, list) or not all(isinstance(a, str) for a in exempt):
            raise PolicyError(f"{where}: exempt_authors must be a list of author ids")
        return cls(score, severity, frozenset(a.strip() for a in exempt if a.strip()))


@dataclass(frozen=True)
class Policies:
    default: Policy = field(default_factory=Policy)
    communities: dict[str, Policy] = field(default_factory=dict)

    def get(self, community: str | None) -> Policy:
        if community is None:
            return self.default
        return self.communities.get(community, self.default)

    def with_change(self, community: str, policy: Policy) -> Policies:
        if community == DEFAULT:
            return Policies(policy, dict(self.communities))
        return Policies(self.default, {**self.communities, community: policy})


def load_file(path: Path | None) -> Policies:
    if path is None:
        return Policies()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: {exc}") from None
    unknown = set(data) - {"default", "community"}
    if unknown:
        raise PolicyError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    default = Policy.parse(data.get("default", {}), f"{path} [default]")
    communities = {
        name: Policy.parse(body, f"{path} [community.{name}]")
        for name, body in data.get("community", {}).items()
    }
    return Policies(default, communities)


def effective(conn: sqlite3.Connection, base: Policies) -> Policies:
    """The file's policies with the latest change per community from the database on top."""
    out = base
    rows = conn.execute(
        "SELECT community, policy FROM policy_changes WHERE id IN "
        "(SELECT MAX(id) FROM policy_changes GROUP BY community) ORDER BY id"
    ).fetchall()
    for row in rows:
        out = out.with_change(row["community"], Policy.parse(json.loads(row["policy"])))
    return out


@dataclass(frozen=True)
class Preview:
    community: str
    current: Policy
    proposed: Policy
    counts: dict[str, dict[str, int]]
    """status (confirmed / dismissed / new) → {"now": fire now, "then": would fire}."""

    @property
    def confirmed_lost(self) -> int:
        c = self.counts["confirmed"]
        return max(0, c["now"] - c["then"])

    @property
    def dismissed_avoided(self) -> int:
        c = self.counts["dismissed"]
        return max(0, c["now"] - c["then"])


def _community_rows(conn: sqlite3.Connection, community: str) -> list[sqlite3.Row]:
    if community == DEFAULT:
        return conn.execute(
            "SELECT severity, score, offender_author_id, status, community FROM alerts"
        ).fetchall()
    return conn.execute(
        "SELECT severity, score, offender_author_id, status, community FROM alerts "
        "WHERE community = ?", (community,)
    ).fetchall()


def preview(conn: sqlite3.Connection, policies: Policies, community: str,
            proposed: Policy) -> Preview:
    """How many past alerts, by moderator decision, fire now and would fire with `proposed`.

    For the default policy only alerts of communities without their own policy count."""
    current = policies.default if community == DEFAULT else policies.get(community)
    counts = {s: {"now": 0, "then": 0, "total": 0} for s in ("confirmed", "dismissed", "new")}
    for row in _community_rows(conn, community):
        if community == DEFAULT and row["community"] in policies.communities:
            continue
        bucket = counts.get(row["status"])
        if bucket is None:
            continue
        args = (row["severity"], row["score"], row["offender_author_id"])
        bucket["total"] += 1
        bucket["now"] += current.fires(*args)
        bucket["then"] += proposed.fires(*args)
    return Preview(community, current, proposed, counts)


def apply(conn: sqlite3.Connection, base: Policies, community: str, proposed: Policy,
          moderator: str) -> int:
    """Record the change and re-mark which alerts are suppressed; returns alerts re-marked."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT INTO policy_changes (community, policy, applied_by, applied_at) "
            "VALUES (?, ?, ?, ?)",
            (community, json.dumps(proposed.to_json()), moderator, time.time()),
        )
        changed = resuppress(conn, effective(conn, base))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return changed


def resuppress(conn: sqlite3.Connection, policies: Policies) -> int:
    changed = 0
    rows = conn.execute(
        "SELECT seq, severity, score, offender_author_id, community, suppressed FROM alerts"
    ).fetchall()
    for row in rows:
        fires = policies.get(row["community"]).fires(
            row["severity"], row["score"], row["offender_author_id"])
        if int(not fires) != row["suppressed"]:
            conn.execute("UPDATE alerts SET suppressed = ? WHERE seq = ?",
                         (int(not fires), row["seq"]))
            changed += 1
    return changed
