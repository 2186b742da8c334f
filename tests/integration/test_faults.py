"""The fault suite: hostile input and failures against real workers on Apache Kafka.

- fuzz: many kinds of malformed records (huge keys and values, invalid UTF-8, deep JSON,
  numeric and future timestamps, ...) mixed into valid threads → every invalid one in the DLQ
  with its reason and lengths, every valid one processed (alerts = `flamewatch score`), the
  worker alive, healthy and ready; its web views need the token, the probes do not;
- a dead letter the broker refuses (non-retriable) → the worker exits non-zero at once;
- a changelog holding a far-future state → nothing forgotten, the thread repaired;
- the broker restarted mid-stream → 0 missing alerts, the outage does not flood the log;
- 1 of 3 brokers lost mid-stream, replication factor 3 → 0 missing alerts.

SIGKILL x3 mid-stream is `test_worker.py::test_sigkill_and_restart_loses_no_alert`.
"""

from __future__ import annotations

import base64
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import orjson
import pytest

from schemas import DecodeError, decode_comment
from streams.brokers import KafkaBroker, KafkaCluster, RunningBroker
from streams.brokers.base import free_port
from streams.detect import DetectConfig, encode_state, step
from streams.service.routing import partition_for
from tests.integration.service_support import (
    SAMPLE,
    Deployment,
    build_dataset,
    offline_alerts,
    run,
    wait_until,
    write_jsonl,
)
from tests.integration.test_worker import assert_same_alerts, first_of_each

TOKEN = "fault-suite-token-0123456789"


@pytest.fixture
def deployment(broker: RunningBroker, tmp_path: Path) -> Iterator[Deployment]:
    dep = Deployment(broker, tmp_path)
    try:
        yield dep
    finally:
        dep.kill_all()


@pytest.fixture
def kafka_only(broker_kind: str) -> None:
    if broker_kind != "kafka":
        pytest.skip("starts Apache Kafka brokers of its own")


def http(port: int, path: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urlopen(Request(f"http://127.0.0.1:{port}{path}", headers=headers),
                     timeout=5) as response:
            return response.status, orjson.loads(response.read() or b"null")
    except HTTPError as exc:
        return exc.code, orjson.loads(exc.read() or b"null")


def _doc(thread: str, n: int, **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "comment_id": f"{thread}:fz{n}", "thread_id": thread, "author_id": "u-fz",
        "text": "hello", "created_at": "2024-05-01T10:00:00Z",
    }
    doc.update(over)
    return doc


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def malformed_kinds(rng: random.Random) -> list[tuple[str, bytes | None, bytes | None, str]]:
    """(name, key, value, expected reason) of every kind of bad record the fuzz sends."""
    far = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    d = _doc
    kinds: list[tuple[str, bytes | None, bytes | None, str]] = [
        ("broken json", b"t", b"{not json", "invalid_json"),
        ("empty value", b"t", b"", "invalid_json"),
        ("tombstone", b"t", None, "invalid_json"),
        ("binary, no key", None, b"\xff\xfe\x00binary", "invalid_json"),
        ("invalid utf-8 in a string", b"t",
         orjson.dumps(d("t", 1))[:-2] + b'", "x": "\xc3\x28"}', "invalid_json"),
        ("overlong utf-8", b"t", b'{"comment_id": "\xc0\xaf"}', "invalid_json"),
        ("lone surrogate escape", b"t", orjson.dumps(d("t", 2)).replace(
            b'"hello"', b'"\\ud800"'), "invalid_json"),
        ("deep arrays", b"t", b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
        ("deep objects", b"t", _nested(5_000), "invalid_json"),
        ("NaN", b"t", b'{"comment_id": NaN}', "invalid_json"),
        ("truncated", b"t", orjson.dumps(d("t", 3))[:40], "invalid_json"),
        ("BOM", b"t", b"\xef\xbb\xbf" + orjson.dumps(d("t", 4)), "invalid_json"),
        ("huge invalid value", b"t", b"{" + b"x" * 900_000, "invalid_json"),
        ("huge key, invalid value", b"k" * 300_000, b"{oops", "invalid_json"),
        ("huge key and value", b"K" * 200_000, b"\xff" * 700_000, "invalid_json"),
        ("array", b"t", b"[1, 2, 3]", "schema_error"),
        ("string", b"t", b'"a string"', "schema_error"),
        ("number", b"t", b"42", "schema_error"),
        ("null", b"t", b"null", "schema_error"),
        ("missing ids", b"t", orjson.dumps({"thread_id": "t", "text": "no ids"}), "schema_error"),
        ("int id", b"t", orjson.dumps(d("t", 5, comment_id=5)), "schema_error"),
        ("id too long", b"t", orjson.dumps(d("t", 6, comment_id="c" * 257)), "schema_error"),
        ("empty thread id", b"t", orjson.dumps(d("", 7)), "schema_error"),
        ("bad event type", b"t", orjson.dumps(d("t", 8, event_type="exploded")), "schema_error"),
        ("text is a list", b"t", orjson.dumps(d("t", 9, text=["a"])), "schema_error"),
        ("deep but legal json", b"t", orjson.dumps(d("t", 10, text={"a": [[[[1]]]]})),
         "schema_error"),
        ("oversize text", b"t", orjson.dumps(d("t", 11, text="x" * 50_001)), "oversize_text"),
        ("oversize wide text", b"t", orjson.dumps(d("t", 12, text="\U0001f600" * 50_001)),
         "oversize_text"),
        ("unix seconds", b"t", orjson.dumps(d("t", 13, created_at=1_714_557_600)),
         "bad_timestamp"),
        ("unix millis", b"t", orjson.dumps(d("t", 14, created_at=1.7145576e12)), "bad_timestamp"),
        ("numeric string", b"t", orjson.dumps(d("t", 15, created_at="1714557600")),
         "bad_timestamp"),
        ("no timezone", b"t", orjson.dumps(d("t", 16, created_at="2024-05-01T10:00:00")),
         "bad_timestamp"),
        ("words", b"t", orjson.dumps(d("t", 17, created_at="yesterday")), "bad_timestamp"),
        ("bool", b"t", orjson.dumps(d("t", 18, created_at=True)), "bad_timestamp"),
        ("year 2999", b"t", orjson.dumps(d("t", 19, created_at="2999-01-01T00:00:00Z")),
         "future_timestamp"),
        ("two days ahead", b"t", orjson.dumps(d("t", 20, created_at=far)), "future_timestamp"),
    ]
    for i in range(12):  # random bytes, and random JSON-ish bytes
        size = rng.choice([1, 7, 100, 5000])
        junk = bytes(rng.randrange(256) for _ in range(size))
        kinds.append((f"random bytes {i}", rng.choice([None, b"t", junk[:50]]), junk, ""))
    for name, _, value, reason in kinds:  # the decoder's word, checked here once
        if reason == "future_timestamp":  # valid JSON; the worker compares it to the broker
            continue
        got = decode_comment(value) if value is not None else DecodeError("invalid_json", "")
        assert isinstance(got, DecodeError), name
        if reason:
            assert got.reason == reason, (name, got)
    return [(n, k, v, r or decode_comment(v).reason) for n, k, v, r in kinds]  # type: ignore[union-attr]


def test_fuzz_every_bad_record_is_dead_lettered_and_every_valid_one_processed(
    deployment: Deployment, tmp_path: Path
) -> None:
    rng = random.Random(9)
    docs = build_dataset(copies=2)
    # valid but awkward: a comment padded to ~800 KB with an unknown field, and a whole thread
    # sent on a 200 KB key (rekeyed)
    padded = docs[len(docs) // 2]
    padded["padding"] = "p" * 800_000
    threads = sorted({d["thread_id"] for d in docs})
    huge_keyed = threads[2]
    data = write_jsonl(tmp_path / "threads.jsonl", docs)
    expected = offline_alerts(data, deployment.env)
    bad = malformed_kinds(rng) * 2
    rng.shuffle(bad)

    records: list[tuple[bytes | None, bytes | None, int | None]] = []
    every = max(1, len(docs) // len(bad))
    rekeyed = 0
    for i, doc in enumerate(docs):
        if i % every == 0 and i // every < len(bad):
            _, key, value, _ = bad[i // every]
            records.append((key, value, None))
        if doc["thread_id"] == huge_keyed:
            records.append((b"x" * 200_000, orjson.dumps(doc), None))
            rekeyed += 1
        else:
            records.append((doc["thread_id"].encode(), orjson.dumps(doc), None))
    records += [(k, v, None) for _, k, v, _ in bad[len(docs) // every:]]

    port = free_port()
    deployment.extra_env.update({"FLAMEWATCH_WEB_ENABLED": "true",
                                 "FLAMEWATCH_WEB_PORT": str(port),
                                 "FLAMEWATCH_WEB_TOKEN": TOKEN})
    settings = deployment.settings
    deployment.create_topics()
    worker = deployment.start_worker()
    began = time.monotonic()
    deployment.send(records)
    deployment.wait_for_records(settings.dlq_topic, len(bad), timeout=120)
    deployment.wait_for_records(settings.alerts_topic, len(expected), timeout=60)
    wait_until(lambda: worker.totals().get("processed") == len(docs), 30,
               "every valid comment processed", deployment.logs)
    took = time.monotonic() - began
    assert worker.alive

    # the probes are open; the rest needs the token
    assert http(port, "/healthz") == (200, {"status": "ok"})
    status, ready = http(port, "/readyz")
    assert status == 200 and ready["ready"], ready
    assert http(port, "/flamewatch/stats/")[0] == 401
    assert http(port, "/flamewatch/stats/", "wrong-token-wrong-token")[0] == 401
    assert http(port, "/router/")[0] == 401
    status, stats = http(port, "/flamewatch/stats/", TOKEN)
    assert status == 200 and stats["dead_lettered"] == len(bad)
    assert worker.stop() == 0

    dead = [orjson.loads(r.value) for r in deployment.read(settings.dlq_topic)]
    keys = [r.key for r in deployment.read(settings.dlq_topic)]
    assert len(dead) == len(bad)
    got = Counter((d["reason"], d["raw_length"], d["key_length"]) for d in dead)
    # (Faust hands the worker a null value as b"": a tombstone's dead letter says length 0)
    want = Counter((reason, len(value or b""), len(key) if key is not None else None)
                   for _, key, value, reason in bad)
    assert got == want
    originals = {(value, key) for _, key, value, _ in bad}
    for record, key in zip(dead, keys, strict=True):
        raw = base64.b64decode(record["raw_b64"])
        kept = base64.b64decode(record["key_b64"]) if record["key_b64"] is not None else None
        assert any((v or b"").startswith(raw) and (k is None or k.startswith(kept or b""))
                   for v, k in originals)
        assert len(raw) <= 256 * 1024 and (key is None or len(key) <= 1024)
        assert record["topic"] == settings.comments_topic and record["detail"]
    assert_same_alerts(first_of_each(deployment.alerts()), expected)
    totals = worker.totals()
    assert (totals["processed"], totals["dead_lettered"], totals["rekeyed"]) == (
        len(docs), len(bad), rekeyed)
    print(f"\nfuzz: {len(bad)} malformed records of {len(bad) // 2} kinds and {len(docs)} "
          f"valid comments in {took:.1f}s; {len(dead)} dead letters, "
          f"{len(expected)} alerts as offline")


def test_a_huge_key_does_not_wedge_the_worker(deployment: Deployment, tmp_path: Path) -> None:
    """Finding 1: a 600 KB key with a bad value made a dead letter over the request limit
    (the key went in twice, uncut); the worker then answered but processed nothing."""
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    expected = offline_alerts(SAMPLE, deployment.env)
    settings = deployment.settings
    deployment.create_topics()
    worker = deployment.start_worker()
    records: list[tuple[bytes | None, bytes | None, int | None]] = [
        (b"k" * 600_000, b"{not json", None)]
    records += [(orjson.loads(ln)["thread_id"].encode(), ln, None) for ln in lines]
    deployment.send(records)
    deployment.wait_for_records(settings.alerts_topic, len(expected), timeout=60)
    wait_until(lambda: worker.totals().get("processed") == len(lines), 30,
               "the comments after the huge key processed", deployment.logs)
    [dead] = [orjson.loads(r.value) for r in deployment.read(settings.dlq_topic)]
    assert (dead["key_length"], dead["key_truncated"]) == (600_000, True)
    assert worker.stop() == 0


def test_a_dead_letter_the_broker_refuses_stops_the_worker(
    deployment: Deployment, kafka_only: None
) -> None:
    """Non-retriable produce failure: the DLQ topic only takes 2 KB records."""
    settings = deployment.settings
    run(lambda: _create(deployment, settings.dlq_topic, {"max.message.bytes": "2048"}))
    deployment.create_topics()
    worker = deployment.start_worker()
    deployment.wait_for_assignment([worker])
    deployment.send([(b"t", b"{" + b"x" * 20_000, None)])
    assert worker.proc is not None
    code = worker.proc.wait(60)
    assert code == 70, worker.tail()
    assert "exiting without committing" in worker.log


async def _create(deployment: Deployment, topic: str, configs: dict[str, str]) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=deployment.broker.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1, topic_configs=configs)])
    finally:
        await admin.close()


def test_a_poisoned_changelog_forgets_nothing(deployment: Deployment, tmp_path: Path) -> None:
    """A state from 2999 in the changelog (written by a worker without the future check)."""
    deployment.extra_env["FLAMEWATCH_EXPIRY_INTERVAL"] = "0.5"
    settings = deployment.settings
    docs = build_dataset(copies=2)  # of one era: expiry must only remove what it should
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    poisoned_thread = "poisoned-thread"
    later = []
    for line in lines:
        doc = orjson.loads(line)
        old = doc["thread_id"]
        for name in ("thread_id", "comment_id", "parent_id"):
            if doc.get(name):
                doc[name] = doc[name].replace(old, poisoned_thread)
        later.append(doc)
    half = len(docs) // 2
    data = write_jsonl(tmp_path / "all.jsonl", docs + later)
    expected = offline_alerts(data, deployment.env)

    def send(batch: list[dict[str, Any]]) -> None:
        deployment.send([(d["thread_id"].encode(), orjson.dumps(d), None) for d in batch])

    deployment.create_topics()
    first = deployment.start_worker("first")
    send(docs[:half])
    wait_until(lambda: first.totals().get("processed") == half, 60,
               "the first half processed", deployment.logs)
    assert first.stop() == 0

    event = decode_comment(orjson.dumps({
        "comment_id": "from-the-future", "thread_id": poisoned_thread, "author_id": "u-clock",
        "text": "my clock is wrong", "created_at": "2999-01-01T00:00:00Z"}))
    assert not isinstance(event, DecodeError)
    state, _ = step(None, event, DetectConfig())
    changelog = f"{settings.app_id}-threads-changelog"
    key = poisoned_thread.encode()
    deployment.send([(key, encode_state(state), partition_for(key, settings.partitions))],
                    topic=changelog)

    second = deployment.start_worker("second")
    deployment.wait_for_assignment([second])
    time.sleep(2.0)  # several expiry ticks over the restored (poisoned) table
    send(docs[half:] + later)
    wait_until(lambda: {a["alert_id"] for a in deployment.alerts()}
               >= {a["alert_id"] for a in expected}, 90, "every expected alert", deployment.logs)
    wait_until(lambda: second.totals().get("processed") == len(docs) - half + len(later), 30,
               "every comment processed", deployment.logs)
    assert second.stop() == 0
    # The poisoned state held nothing but the future: the expiry dropped it (and only it);
    # the thread's real comments then started it afresh.
    assert "expired=1 " in second.log.split("stopping; totals:")[-1]
    tombstones = {r.key for r in deployment.read(changelog) if r.value is None}
    assert tombstones == {key}
    assert_same_alerts(first_of_each(deployment.alerts()), expected)


def _paced_run(deployment: Deployment, tmp_path: Path, copies: int,
               rate: str) -> tuple[Any, set[str], Any, int]:
    data = write_jsonl(tmp_path / "threads.jsonl", build_dataset(copies=copies))
    expected = offline_alerts(data, deployment.env)
    comments = sum(1 for _ in data.read_bytes().splitlines())
    deployment.create_topics()
    worker = deployment.start_worker()
    deployment.wait_for_assignment([worker])
    replay = deployment.replay_in_background(data, "--rate", rate)
    return expected, {a["alert_id"] for a in expected}, (worker, replay), comments


def test_broker_restart_mid_stream_loses_nothing_and_logs_little(
    tmp_path: Path, kafka_only: None
) -> None:
    with KafkaBroker() as own:
        dep = Deployment(own, tmp_path)
        try:
            expected, ids, (worker, replay), comments = _paced_run(dep, tmp_path, 12, "150")
            wait_until(lambda: worker.totals().get("processed", 0) >= comments // 4, 60,
                       "the worker to get going", dep.logs)
            before = len(worker.log.encode())
            down = time.monotonic()
            own.kill()
            time.sleep(12)
            own.restart()
            outage = time.monotonic() - down
            logged = len(worker.log.encode()) - before
            wait_until(lambda: {a["alert_id"] for a in dep.alerts()} >= ids, 120,
                       "every expected alert after the restart", dep.logs)
            assert replay.wait(60) == 0
            wait_until(lambda: worker.totals().get("processed", 0) >= comments, 60,
                       "every comment processed", dep.logs)
            assert worker.alive
            assert worker.stop() == 0
            alerts = dep.alerts()
            duplicates = len(alerts) - len({a["alert_id"] for a in alerts})
            print(f"\nbroker down {outage:.1f}s mid-stream: {len(ids)} alert ids all there, "
                  f"{duplicates} duplicate(s); worker logged {logged} bytes "
                  f"({logged / outage:.0f} B/s) during the outage")
            assert logged / outage < 1500, worker.tail(60)
            assert_same_alerts(first_of_each(alerts), expected)
        finally:
            dep.kill_all()


def test_one_of_three_brokers_lost_mid_stream_loses_nothing(
    tmp_path: Path, kafka_only: None
) -> None:
    with KafkaCluster(3) as cluster:
        dep = Deployment(cluster, tmp_path)  # type: ignore[arg-type]
        dep.extra_env["FLAMEWATCH_REPLICATION_FACTOR"] = "3"
        try:
            expected, ids, (worker, replay), comments = _paced_run(dep, tmp_path, 12, "150")
            wait_until(lambda: worker.totals().get("processed", 0) >= comments // 4, 60,
                       "the worker to get going", dep.logs)
            lost = time.monotonic()
            cluster.kill(0)
            wait_until(lambda: {a["alert_id"] for a in dep.alerts()} >= ids, 180,
                       "every expected alert with a broker lost", dep.logs)
            assert replay.wait(60) == 0
            wait_until(lambda: worker.totals().get("processed", 0) >= comments, 60,
                       "every comment processed", dep.logs)
            assert worker.alive
            assert worker.stop() == 0
            alerts = dep.alerts()
            duplicates = len(alerts) - len({a["alert_id"] for a in alerts})
            print(f"\n1 of 3 brokers lost {time.monotonic() - lost:.0f}s before the end: "
                  f"{len(ids)} alert ids all there, {duplicates} duplicate(s)")
            assert_same_alerts(first_of_each(alerts), expected)
        finally:
            dep.kill_all()
