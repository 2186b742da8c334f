"""The console's pure parts: store, decisions, spans, policy, export, auth, settings, pages."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import orjson
import pytest

from schemas import DecodeError, decode_comment
from streams.console import db
from streams.console.auth import Credentials, hash_password, safe_next, verify_password
from streams.console.decisions import DecisionError, decide
from streams.console.feedback_export import load_feedback_pairs
from streams.console.policy import (
    DEFAULT,
    Policies,
    Policy,
    PolicyError,
    apply,
    effective,
    load_file,
    preview,
)
from streams.console.queries import Filters, alert_detail, counts, queue
from streams.console.spans import find_spans, quoted_words, rule_names, segments
from streams.console.store import apply_alert, apply_comment
from streams.detect import DetectConfig, Detector
from streams.evaluation.pairs import load_pairs

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "streams" / "service" / "sample_thread.jsonl"


def fill(conn: sqlite3.Connection, policies: Policies | None = None,
         community: str | None = None) -> list[str]:
    """The sample thread's comments and the offline detector's alerts, stored."""
    policies = policies or Policies()
    detector = Detector(DetectConfig())
    ids = []
    conn.execute("BEGIN")
    for line in SAMPLE.read_bytes().splitlines():
        doc = orjson.loads(line)
        if community:
            doc["community"] = community
        event = decode_comment(orjson.dumps(doc))
        assert not isinstance(event, DecodeError)
        apply_comment(conn, event, 1000.0, policies)
        for alert in detector.process(event):
            raw = orjson.loads(alert.model_dump_json())
            assert apply_alert(conn, raw, alert, 1000.0, policies) is not None
            assert apply_alert(conn, raw, alert, 1001.0, policies) is None  # idempotent
            ids.append(alert.alert_id)
    conn.execute("COMMIT")
    return ids


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    return db.connect(tmp_path / "c.sqlite3")


def test_migrations_are_recorded_and_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    conn = db.connect(path)
    assert db.schema_version(conn) == db.migrations()[-1][0]
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(db.DatabaseError, match="newer"):
        db.connect(path)


def test_store_queue_counts_and_retention(conn: sqlite3.Connection) -> None:
    ids = fill(conn)
    assert len(ids) >= 2
    rows = queue(conn, Filters())
    assert [r["alert_id"] for r in rows] == list(reversed(ids))  # newest first
    assert all(r["offender"] and r["excerpt"] and r["rule"] for r in rows)
    assert counts(conn, Filters())["status"]["new"] == len(ids)
    severity = rows[0]["severity"]
    assert {r["severity"] for r in queue(conn, Filters(severity=severity))} == {severity}
    assert db.purge(conn, retention_days=1, now=1000.0 + 3600) == 0
    assert db.purge(conn, retention_days=1, now=1000.0 + 2 * 86400) > 0
    assert queue(conn, Filters()) == []


def test_decisions_are_idempotent_and_exported_as_pairs(conn: sqlite3.Connection,
                                                        tmp_path: Path) -> None:
    fill(conn)
    rows = queue(conn, Filters())
    attack = next(r for r in rows if r["severity"] in ("personal_attack", "escalation"))
    other = next(r for r in rows if r["alert_id"] != attack["alert_id"])
    first = decide(conn, attack["alert_id"], "confirm", "anna")
    again = decide(conn, attack["alert_id"], "confirm", "anna")
    assert first.created and not again.created
    assert again.feedback.feedback_id == first.feedback.feedback_id
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1
    assert first.feedback.pair is not None and first.feedback.pair.label == "attack"
    assert first.feedback.rules and first.feedback.tier
    decide(conn, other["alert_id"], "confirm", "anna")
    changed = decide(conn, other["alert_id"], "dismiss", "bob")  # a change of mind: new record
    assert changed.created and changed.status == "dismissed"
    note = decide(conn, other["alert_id"], "note", "anna", "watch this one")
    assert decide(conn, other["alert_id"], "note", "anna", "watch this one").feedback == \
        note.feedback
    with pytest.raises(DecisionError):
        decide(conn, other["alert_id"], "note", "anna", "   ")
    with pytest.raises(DecisionError):
        decide(conn, other["alert_id"], "ban", "anna")
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 4
    pairs = load_feedback_pairs(tmp_path / "c.sqlite3")
    assert {p["alert_id"]: p["label"] for p in pairs} == {attack["alert_id"]: "attack",
                                                          other["alert_id"]: "none"}
    out = tmp_path / "pairs.jsonl"
    out.write_text("".join(orjson.dumps(p).decode() + "\n" for p in pairs))
    loaded = load_pairs(out)  # the evaluation's own reader accepts them
    assert {p.label for p in loaded} == {"attack", "none"}
    assert all(p.reply_text and p.parent_text for p in loaded)


def test_spans_come_from_the_quoted_words_of_the_reasons() -> None:
    reasons = ["condescension 'i suppose you' aimed at steveh", "'can't read' about an outsider",
               "'your thought processes' called 'weird'"]
    assert quoted_words(reasons) == ["i suppose you", "can't read", "your thought processes",
                                     "weird"]
    text = "Well I suppose   you know best. He can’t read. Your thought processes are WEIRD."
    spans = find_spans(text, quoted_words(reasons))
    assert [text[a:b] for a, b in spans] == ["I suppose   you", "can’t read",
                                             "Your thought processes", "WEIRD"]
    assert find_spans("weirdo", ["weird"]) == []  # whole words only
    assert "".join(p for p, _ in segments(text, spans)) == text
    assert rule_names(reasons) == ["condescension", "'…' about an outsider", "'…' called '…'"]


def test_policy_preview_and_apply(conn: sqlite3.Connection) -> None:
    fill(conn, community="sport")
    rows = queue(conn, Filters())
    confirmed, dismissed = rows[0], rows[-1]
    # Fixed scores, so the test does not depend on what the detector scores today.
    for row, score in ((confirmed, 0.9), (dismissed, 0.4)):
        conn.execute("UPDATE alerts SET score = ? WHERE alert_id = ?", (score, row["alert_id"]))
    decide(conn, confirmed["alert_id"], "confirm", "anna")
    decide(conn, dismissed["alert_id"], "dismiss", "anna")
    strict = Policy(min_score=0.5)
    result = preview(conn, Policies(), "sport", strict)
    assert result.counts["confirmed"] == {"now": 1, "then": 1, "total": 1}
    assert result.counts["dismissed"] == {"now": 1, "then": 0, "total": 1}
    assert result.dismissed_avoided == 1 and result.confirmed_lost == 0
    offender = conn.execute("SELECT offender_author_id FROM alerts WHERE alert_id = ?",
                            (confirmed["alert_id"],)).fetchone()[0]
    exempt = preview(conn, Policies(), "sport", Policy(exempt_authors=frozenset({offender})))
    assert exempt.confirmed_lost == 1
    apply(conn, Policies(), "sport", strict, "anna")
    shown = queue(conn, Filters())
    assert dismissed["alert_id"] not in {r["alert_id"] for r in shown}
    assert len(queue(conn, Filters(suppressed=True))) == len(rows)
    policies = effective(conn, Policies())
    assert policies.get("sport") == strict
    assert preview(conn, policies, DEFAULT, Policy()).counts["confirmed"]["total"] == 0


def test_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "communities.toml"
    path.write_text('[default]\nmin_score = 0.2\n[community.sport]\nmin_severity = "escalation"\n'
                    'exempt_authors = ["mod_anna"]\n')
    policies = load_file(path)
    assert policies.get(None).min_score == 0.2
    assert policies.get("sport").exempt_authors == {"mod_anna"}
    assert not policies.get("sport").fires("escalation", 0.9, "mod_anna")
    path.write_text("[default]\nmin_score = 3\n")
    with pytest.raises(PolicyError, match="between 0 and 1"):
        load_file(path)


def test_passwords_are_hashed_and_tokens_compared_by_digest() -> None:
    encoded = hash_password("correct horse battery")
    assert encoded.startswith("scrypt$") and "correct" not in encoded
    assert verify_password("correct horse battery", encoded)
    assert not verify_password("wrong", encoded)
    creds = Credentials(token="t" * 20, password_hash=encoded, login_once="once-secret")
    assert creds.check("t" * 20) and creds.check("correct horse battery")
    assert not creds.check("") and not creds.check("t" * 19)
    assert creds.use_once("once-secret") and not creds.use_once("once-secret")
    assert safe_next("//evil.example/") == "/" and safe_next("/alerts/x") == "/alerts/x"
    with pytest.raises(ValueError):
        Credentials()


def test_the_console_refuses_to_start_without_a_login(tmp_path: Path) -> None:
    from streams.console.app import ConsoleError, open_console
    from streams.console.settings import load_console_settings
    from streams.service.settings import SettingsError, load_settings

    settings = load_console_settings({"FLAMEWATCH_CONSOLE_DB": str(tmp_path / "x.db")})
    with pytest.raises(ConsoleError, match="FLAMEWATCH_CONSOLE_TOKEN"):
        open_console(settings, load_settings({}), kafka=False)
    with pytest.raises(SettingsError, match="FLAMEWATCH_CONSOLE_TOKEN"):
        load_console_settings({"FLAMEWATCH_CONSOLE_TOKEN": "short"})


async def test_pages_escape_hostile_text(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from streams.console.app import build_app, open_console
    from streams.console.settings import load_console_settings
    from streams.service.settings import load_settings

    token = "unit-token-0123456789"
    settings = load_console_settings({"FLAMEWATCH_CONSOLE_DB": str(tmp_path / "p.db"),
                                      "FLAMEWATCH_CONSOLE_TOKEN": token})
    console = open_console(settings, load_settings({}), kafka=False)
    payload = "<script>alert(1)</script>"
    detector = Detector(DetectConfig())
    console.conn.execute("BEGIN")
    for doc in [
        {"comment_id": "c1", "thread_id": "t<x>", "author_id": "u1", "author_name": payload,
         "text": "The bins go out on Tuesday.", "created_at": "2025-01-01T00:00:00Z"},
        {"comment_id": "c2", "thread_id": "t<x>", "parent_id": "c1", "author_id": "u2",
         "author_name": "B", "text": "Grow up, you absolute idiot. " + payload,
         "created_at": "2025-01-01T00:05:00Z"},
    ]:
        event = decode_comment(orjson.dumps(doc))
        assert not isinstance(event, DecodeError)
        apply_comment(console.conn, event, time.time(), Policies())  # fresh: no retention
        for alert in detector.process(event):
            apply_alert(console.conn, orjson.loads(alert.model_dump_json()), alert,
                        time.time(), Policies())
    console.conn.execute("COMMIT")
    [alert_id] = [r["alert_id"] for r in queue(console.conn, Filters())]
    async with TestClient(TestServer(build_app(console))) as client:
        r = await client.post("/login", data={"secret": token, "moderator": payload},
                              allow_redirects=False)
        assert r.status == 303
        for path in ["/", f"/alerts/{alert_id}", "/threads/t%3Cx%3E", "/stats", "/communities"]:
            r = await client.get(path)
            html = await r.text()
            assert r.status == 200, (path, html)
            assert payload not in html, path
            assert "&lt;script&gt;" in html, path
            assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        big = await client.post(f"/alerts/{alert_id}/decision", data={"note": "x" * 40_000})
        assert big.status == 413  # bodies are bounded
    detail = alert_detail(console.conn, alert_id)
    assert detail is not None and detail["chain"][-1]["spans"] >= 2


def test_heat_chart_places_alerts_on_their_comments(conn: sqlite3.Connection) -> None:
    from streams.console.graph import heat_chart
    from streams.console.queries import thread_rows

    fill(conn)
    _, comments, alerts = thread_rows(conn, "harbour-road-cycle-lane")
    chart = heat_chart(comments, {}, alerts, width=1000)
    x_of = {c["comment_id"]: p[0] for c, p in zip(comments, chart.points, strict=True)}
    for alert, marker in zip(alerts, chart.markers, strict=True):
        assert marker[0] == x_of[alert["trigger_comment_id"]]
    assert all(40 <= p[0] <= 1000 - 16 for p in chart.points)
