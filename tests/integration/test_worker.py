"""The worker end to end on a real broker: `python -m streams worker` subprocesses, real topics.

Alerts must equal `flamewatch score` on the same input (same ids, same order per thread, same
content but `detected_at`), through a SIGKILL, across two workers, and with garbage mixed in.
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import orjson
import pytest

from streams.brokers import RunningBroker
from streams.brokers.base import free_port
from tests.integration.service_support import (
    SAMPLE,
    Deployment,
    WorkerProcess,
    build_dataset,
    first_of_each,
    offline_alerts,
    per_thread,
    wait_until,
    write_jsonl,
)


@pytest.fixture
def deployment(broker: RunningBroker, tmp_path: Path) -> Iterator[Deployment]:
    dep = Deployment(broker, tmp_path)
    try:
        yield dep
    finally:
        dep.kill_all()


def assert_same_alerts(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    got_by_thread, want_by_thread = per_thread(got), per_thread(expected)
    assert sorted(got_by_thread) == sorted(want_by_thread)
    for thread, want in want_by_thread.items():
        have = got_by_thread[thread]
        assert [a["alert_id"] for a in have] == [a["alert_id"] for a in want], thread
        assert have == want, thread


def test_alerts_equal_offline_score(deployment: Deployment, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "threads.jsonl", build_dataset(copies=2))
    expected = offline_alerts(data, deployment.env)
    assert len({a["thread_id"] for a in expected}) >= 4  # several threads do alert

    deployment.create_topics()
    worker = deployment.start_worker()
    began = time.monotonic()
    deployment.replay(data)
    deployment.wait_for_records(deployment.settings.alerts_topic, len(expected))
    comments = sum(1 for _ in data.read_bytes().splitlines())
    wait_until(lambda: worker.totals().get("processed") == comments, 30,
               "every comment processed", deployment.logs)
    print(f"\n{comments} comments -> {len(expected)} alerts in {time.monotonic() - began:.1f}s")
    assert worker.stop() == 0

    alerts = deployment.alerts()
    assert_same_alerts(alerts, expected)
    for alert in alerts:  # re-stamped with the publish time, not the trigger's event time
        assert alert["detected_at"] != alert["event_time"]
    assert worker.totals() == {
        "processed": comments, "alerts": len(expected), "dead_lettered": 0, "rekeyed": 0,
    }


def test_sigkill_and_restart_loses_no_alert(deployment: Deployment, tmp_path: Path) -> None:
    """SIGKILL three workers in turn in the middle of the stream; a fourth one finishes it."""
    data = write_jsonl(tmp_path / "threads.jsonl", build_dataset(copies=30))
    expected = offline_alerts(data, deployment.env)
    expected_ids = {a["alert_id"] for a in expected}
    comments = sum(1 for _ in data.read_bytes().splitlines())

    deployment.create_topics()
    first = deployment.start_worker("first")
    deployment.wait_for_assignment([first])
    # Paced so that comments still arrive when the third worker has taken over (a killed
    # member keeps its partitions until the 6 s session timeout).
    replay = deployment.replay_in_background(data, "--rate", "160")
    killed: list[str] = []
    victims = ((first, 6), ("second", 6), ("third", comments))
    for entry, share in victims:
        victim = entry if isinstance(entry, WorkerProcess) else deployment.start_worker(entry)
        if victim is not first:
            deployment.wait_for_assignment([victim])
        # kill it in the middle: it has processed some comments, and not all are done
        wait_until(lambda v=victim, n=comments // share: v.totals().get("processed", 0) >= n,
                   60, f"{victim.name} to get going", deployment.logs)
        victim.kill()
        out = len(deployment.alerts())
        killed.append(f"{victim.name} after {victim.totals()['processed']} comments "
                      f"({out} alerts out)")
    assert len({a["alert_id"] for a in deployment.alerts()}) < len(expected), (
        "the workers were not killed in the middle"
    )
    assert replay.wait(60) == 0

    last = deployment.start_worker("fourth")

    def complete() -> bool:
        return {a["alert_id"] for a in deployment.alerts()} >= expected_ids

    wait_until(complete, 120, "every expected alert id",
               lambda: _missing_report(deployment, expected) + deployment.logs())
    time.sleep(1.0)  # let anything else in flight arrive, to count duplicates honestly
    assert last.stop() == 0

    alerts = deployment.alerts()
    ids = Counter(a["alert_id"] for a in alerts)
    duplicates = sum(n - 1 for n in ids.values())
    print(f"\nSIGKILL {'; '.join(killed)}; the fourth processed "
          f"{last.totals()['processed']} of {comments} comments; {len(alerts)} alerts on the "
          f"topic for {len(expected)} expected: {duplicates} duplicate(s)")
    assert last.totals()["processed"] > 0
    assert set(ids) == expected_ids
    # Apart from duplicates, each thread's alerts keep the offline order.
    assert_same_alerts(first_of_each(alerts), expected)


def _missing_report(deployment: Deployment, expected: list[dict[str, Any]]) -> str:
    """Which expected alerts are missing, where their trigger comments sit in the comments
    topic, and the group's committed offsets: enough to tell "committed past a comment" from
    "a state remembered an alert that never reached the topic"."""
    have = {a["alert_id"] for a in deployment.alerts()}
    where: dict[str, tuple[int, int]] = {}
    for r in deployment.read(deployment.settings.comments_topic):
        try:
            where[orjson.loads(r.value)["comment_id"]] = (r.partition, r.offset)
        except Exception:
            continue
    lines = ["missing alerts (severity thread trigger -> partition@offset):"]
    for a in expected:
        if a["alert_id"] not in have:
            lines.append(f"  {a['severity']} {a['thread_id']} {a['trigger_comment_id']} -> "
                         f"{where.get(a['trigger_comment_id'])}")
    lines.append(f"committed offsets: {deployment.committed_offsets()}")
    return "\n".join(lines) + "\n"


def test_two_workers_split_partitions(deployment: Deployment, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "threads.jsonl", build_dataset(copies=8))
    expected = offline_alerts(data, deployment.env)
    comments = sum(1 for _ in data.read_bytes().splitlines())

    deployment.create_topics()
    a = deployment.start_worker("a")
    deployment.wait_for_assignment([a])
    b = deployment.start_worker("b")
    deployment.wait_for_assignment([a, b])
    print(f"\npartitions: a={sorted(a.partitions() or ())} b={sorted(b.partitions() or ())}")

    deployment.replay(data)
    deployment.wait_for_records(deployment.settings.alerts_topic, len(expected))
    wait_until(
        lambda: a.totals().get("processed", 0) + b.totals().get("processed", 0) >= comments,
        30, "every comment processed", deployment.logs,
    )
    assert a.stop() == 0
    assert b.stop() == 0

    totals_a, totals_b = a.totals(), b.totals()
    alerts = deployment.alerts()
    duplicates = len(alerts) - len({x["alert_id"] for x in alerts})
    print(f"a processed {totals_a['processed']}, b processed {totals_b['processed']} "
          f"(of {comments}); {duplicates} duplicate alert(s)")
    assert totals_a["processed"] > 0 and totals_b["processed"] > 0
    # More than `comments` only if a rebalance moved a partition mid-stream: its new owner
    # re-processes from the last commit (at-least-once), and the table state keeps it quiet.
    assert totals_a["processed"] + totals_b["processed"] >= comments
    assert_same_alerts(first_of_each(alerts), expected)


def _comment(thread: str, n: int, **over: Any) -> dict[str, Any]:
    doc = {
        "comment_id": f"{thread}:bad{n}", "thread_id": thread, "author_id": "u-x",
        "text": "hello", "created_at": "2024-05-01T10:00:00Z",
    }
    doc.update(over)
    return doc


def test_malformed_messages_go_to_the_dlq(deployment: Deployment, tmp_path: Path) -> None:
    docs = build_dataset(copies=2)
    threads = sorted({d["thread_id"] for d in docs})
    # Two whole threads arrive on the wrong key: one keyed by something else, one unkeyed (on a
    # fixed partition, so their order survives); the worker must rekey them before the state.
    wrong_key, no_key = threads[0], threads[1]
    data = write_jsonl(tmp_path / "threads.jsonl", docs)
    expected = offline_alerts(data, deployment.env)

    bad: list[tuple[bytes | None, bytes | None, str]] = [
        (b"t", b"{not json", "invalid_json"),
        (b"t", b"", "invalid_json"),
        (b"t", None, "invalid_json"),  # a tombstone
        (None, b"\xff\xfe binary", "invalid_json"),
        (b"t", b"[1, 2, 3]", "schema_error"),
        (b"t", orjson.dumps({"thread_id": "t", "text": "no ids"}), "schema_error"),
        (b"t", orjson.dumps(_comment("t", 1, event_type="exploded")), "schema_error"),
        (b"t", orjson.dumps(_comment("t", 2, text="x" * 50_001)), "oversize_text"),
        (b"t", orjson.dumps(_comment("t", 3, created_at="2024-05-01T10:00:00")), "bad_timestamp"),
        (b"t", orjson.dumps(_comment("t", 4, created_at="yesterday")), "bad_timestamp"),
    ]
    records: list[tuple[bytes | None, bytes | None, int | None]] = []
    every = max(1, len(docs) // len(bad))
    rekeyed = 0
    for i, doc in enumerate(docs):
        if i % every == 0 and i // every < len(bad):
            key, value, _ = bad[i // every]
            records.append((key, value, None))
        tid = doc["thread_id"]
        if tid == wrong_key:
            records.append((b"not-the-thread", orjson.dumps(doc), None))
            rekeyed += 1
        elif tid == no_key:
            records.append((None, orjson.dumps(doc), 0))
            rekeyed += 1
        else:
            records.append((tid.encode(), orjson.dumps(doc), None))
    assert rekeyed > 0

    settings = deployment.settings
    deployment.create_topics()
    worker = deployment.start_worker()
    deployment.send(records)
    deployment.wait_for_records(settings.dlq_topic, len(bad))
    deployment.wait_for_records(settings.alerts_topic, len(expected))
    wait_until(lambda: worker.totals().get("processed") == len(docs), 30,
               "every valid comment processed", deployment.logs)
    assert worker.stop() == 0

    dead = [orjson.loads(r.value) for r in deployment.read(settings.dlq_topic)]
    assert len(dead) == len(bad)
    def b64(data: bytes | None) -> str | None:
        return base64.b64encode(data).decode() if data is not None else None

    assert Counter((d["raw_b64"], d["key_b64"], d["reason"]) for d in dead) == Counter(
        (b64(value or b""), b64(key), reason) for key, value, reason in bad
    )
    for record in dead:
        assert record["topic"] == settings.comments_topic
        assert record["offset"] >= 0 and 0 <= record["partition"] < settings.partitions
        assert record["message_timestamp"] is not None
        assert record["detail"]
    assert_same_alerts(deployment.alerts(), expected)
    assert worker.totals() == {
        "processed": len(docs), "alerts": len(expected), "dead_lettered": len(bad),
        "rekeyed": rekeyed,
    }


def _shifted(lines: list[bytes], thread: str, seconds: float) -> list[dict[str, Any]]:
    docs = []
    for line in lines:
        doc = orjson.loads(line)
        old = doc["thread_id"]
        for name in ("thread_id", "comment_id", "parent_id"):
            if doc.get(name):
                doc[name] = doc[name].replace(old, thread)
        ts = datetime.fromisoformat(doc["created_at"]) + timedelta(seconds=seconds)
        doc["created_at"] = ts.isoformat()
        docs.append(doc)
    return docs


def test_idle_threads_expire_also_after_a_restore(deployment: Deployment) -> None:
    deployment.extra_env.update({
        "FLAMEWATCH_INACTIVITY_SECONDS": "3600",
        "FLAMEWATCH_EXPIRY_INTERVAL": "0.5",
    })
    settings = deployment.settings
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    early = _shifted(lines, "early", 0) + _shifted(lines, "later", 1800)
    # Three threads a day later: one thread alone does not move the watermark (it is robust
    # to a few wrong clocks), three do.
    late = [d for n in range(3) for d in _shifted(lines[:1], f"next-day-{n}", 86_400)]

    def send(docs: list[dict[str, Any]]) -> None:
        deployment.send([(d["thread_id"].encode(), orjson.dumps(d), None) for d in docs])

    deployment.create_topics()
    first = deployment.start_worker("first")
    send(early)
    wait_until(lambda: first.totals().get("processed") == len(early), 60,
               "the first worker to process the early threads", deployment.logs)
    assert first.stop() == 0
    assert "expired" not in first.log.split("stopping;")[0].replace("expired=0", "")

    # A new worker restores "early" and "later" from the changelog, never sees their comments,
    # and must still forget them once event time moves a day on.
    port = free_port()
    token = "t" * 24
    deployment.extra_env.update({"FLAMEWATCH_WEB_ENABLED": "true",
                                 "FLAMEWATCH_WEB_PORT": str(port),
                                 "FLAMEWATCH_WEB_TOKEN": token})
    second = deployment.start_worker("second")
    send(late)
    wait_until(lambda: "expired 2 idle thread(s)" in second.log, 60,
               "the restored threads to expire", deployment.logs)
    request = Request(f"http://127.0.0.1:{port}/flamewatch/stats/",
                      headers={"Authorization": f"Bearer {token}"})
    stats = orjson.loads(urlopen(request, timeout=5).read())
    assert stats["expired"] == 2 and stats["processed"] == 3 and stats["threads"] == 3
    assert sorted(stats["partitions"]) == list(range(settings.partitions))
    assert second.stop() == 0
    assert "Crashed" not in second.log  # a stop is not a crash of the agent

    changelog = deployment.read(f"{settings.app_id}-threads-changelog")
    tombstones = {r.key for r in changelog if r.value is None}
    assert tombstones == {b"early", b"later"}
