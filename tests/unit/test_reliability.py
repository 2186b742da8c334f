"""Findings 1-6 of the hostile-input issue, at the unit level (no broker).

Each test here failed on the worker as it was before the fix: dead letters that did not fit a
Kafka message, a far-future comment poisoning the watermark and the stored state, the core
blocking the event loop, the decoded-state cache growing with expired threads, numeric
timestamps read as Unix time, FLAMEWATCH_WEB_PORT=0 accepted, a log flood during an outage,
published compose ports on every interface, and raw control characters from `alerts`.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
import yaml

from schemas import DeadLetter, decode_comment
from streams.cli.alerts import safe_line
from streams.detect import DetectConfig, Detector, ThreadState, decode_state, encode_state, step
from streams.service.agents import Outputs, handle_batch
from streams.service.deadletter import Origin, build_dead_letter
from streams.service.expiry import Expirer
from streams.service.logfilter import RepeatFilter
from streams.service.processing import BatchProcessor, Core, Record
from streams.service.routing import partition_for
from streams.service.settings import SettingsError, load_settings
from streams.service.stats import Stats
from streams.service.store import DECODED_STATE_FACTOR, ThreadStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "streams" / "service" / "sample_thread.jsonl"
PARTITIONS = 4
NOW = datetime(2030, 1, 1, tzinfo=UTC)
CORE = Core.default()
MAX_REQUEST = 1_000_000


def comment(thread: str, n: int, when: datetime, text: str = "hello there", **over: Any) -> bytes:
    doc = {"comment_id": f"{thread}:c{n}", "thread_id": thread, "author_id": f"u{n % 2}",
           "text": text, "created_at": when.isoformat(), **over}
    return orjson.dumps(doc)


def record(raw: bytes | None, key: bytes | None = None, offset: int = 0,
           broker_ts: datetime = NOW) -> Record:
    if key is None and raw is not None:
        key = orjson.loads(raw)["thread_id"].encode()
    partition = partition_for(key, PARTITIONS) if key else 0
    return Record(key, raw, "comments", partition, offset, broker_ts.timestamp())


def processor(**kwargs: Any) -> BatchProcessor:
    return BatchProcessor(DetectConfig(), PARTITIONS, kwargs.pop("stats", Stats()), CORE,
                          clock=lambda: NOW, **kwargs)


def sample(thread: str) -> list[bytes]:
    out = []
    for line in SAMPLE.read_bytes().splitlines():
        if not line.strip():
            continue
        doc = orjson.loads(line)
        old = doc["thread_id"]
        for name in ("thread_id", "comment_id", "parent_id"):
            if doc.get(name):
                doc[name] = doc[name].replace(old, thread)
        out.append(orjson.dumps(doc))
    return out


def offline_ids(lines: list[bytes]) -> list[str]:
    detector = Detector(DetectConfig())
    ids = []
    for line in lines:
        event = decode_comment(line)
        assert not hasattr(event, "reason")
        ids += [a.alert_id for a in detector.process(event)]  # type: ignore[arg-type]
    return ids


# --- finding 1: a dead letter always fits ------------------------------------------------
@pytest.mark.parametrize("key_bytes", [1, 5_000, 300_000, 900_000])
def test_a_dead_letter_fits_whatever_the_key_and_value(key_bytes: int) -> None:
    key = b"k" * key_bytes
    value = b"\xff" + b"v" * 990_000  # invalid UTF-8, near the broker's limit
    result = processor().process([record(value, key=key)], {}.get)
    [(dl_key, letter)] = result.dead_letters
    assert dl_key is not None and len(dl_key) <= 1024
    assert len(letter) + len(dl_key) < MAX_REQUEST - 512
    dead = DeadLetter.model_validate(orjson.loads(letter))
    assert dead.reason == "invalid_json"
    assert (dead.key_length, dead.raw_length) == (key_bytes, len(value))
    assert dead.key_truncated == (key_bytes > 1024) and dead.raw_truncated
    assert base64.b64decode(dead.key_b64 or "") == key[:1024]
    assert base64.b64decode(dead.raw_b64) == value[: 256 * 1024]


def test_a_small_dead_letter_is_complete() -> None:
    origin = Origin("comments", 1, 7, b"thread-1", NOW.timestamp())
    dead = DeadLetter.model_validate(orjson.loads(
        build_dead_letter(decode_comment(b"{oops"), b"{oops", origin, now=NOW)  # type: ignore[arg-type]
    ))
    assert (dead.raw_length, dead.raw_truncated, dead.key_length, dead.key_truncated) == (
        5, False, 8, False)


def test_a_forwarded_record_fits_too() -> None:
    # valid, but padded with an unknown field near the limit and on the wrong key
    doc = orjson.loads(comment("t-pad", 1, NOW - timedelta(hours=1)))
    doc["padding"] = "p" * 999_500
    result = processor().process([record(orjson.dumps(doc), key=b"other")], {}.get)
    [(key, value)] = result.rekeyed
    assert key == b"t-pad" and len(value) < 10_000
    assert "padding" not in orjson.loads(value)


# --- finding 2: one bad clock ------------------------------------------------------------
def test_a_far_future_comment_is_dead_lettered_and_the_thread_goes_on() -> None:
    lines = sample("t-f")
    future = comment("t-f", 99, datetime(2999, 1, 1, tzinfo=UTC))
    broker_ts = datetime.fromisoformat(orjson.loads(lines[-1])["created_at"]) + timedelta(days=1)
    records = [record(ln, offset=i, broker_ts=broker_ts) for i, ln in enumerate(lines)]
    records.insert(2, record(future, offset=99, broker_ts=broker_ts))
    proc = processor()
    result = proc.process(records, {}.get)
    [(_, letter)] = result.dead_letters
    dead = orjson.loads(letter)
    assert dead["reason"] == "future_timestamp" and "FLAMEWATCH_MAX_FUTURE_SECONDS" in dead["detail"]
    assert [orjson.loads(v)["alert_id"] for _, v in result.alerts] == offline_ids(lines)
    assert result.states[b"t-f"].last_ts < broker_ts.timestamp()


def test_a_future_dated_stored_state_is_repaired_not_obeyed() -> None:
    # The changelog holds a state written before the future check: one comment from 2999.
    poisoned, _ = step(None, decode_comment(comment("t-p", 0, datetime(2999, 1, 1, tzinfo=UTC))),  # type: ignore[arg-type]
                       DetectConfig())
    table = {b"t-p": encode_state(poisoned)}
    lines = sample("t-p")
    stats = Stats()
    store = ThreadStore(table, encode_state, decode_state, PARTITIONS, stats)
    result = processor(stats=stats).process(
        [record(ln, offset=i) for i, ln in enumerate(lines)], store.load
    )
    assert [orjson.loads(v)["alert_id"] for _, v in result.alerts] == offline_ids(lines)
    state = result.states[b"t-p"]
    assert state.last_ts < NOW.timestamp() and "t-p:c0" in state.seen
    assert stats.repaired_states == 1


def state_bytes(thread: str, last_ts: float) -> bytes:
    return encode_state(ThreadState(thread_id=thread, last_ts=last_ts))


def test_one_poisoned_thread_does_not_expire_the_others() -> None:
    t0 = NOW.timestamp() - 86_400 * 10
    table = {f"t{i}".encode(): state_bytes(f"t{i}", t0 + i) for i in range(40)}
    poison, _ = step(None, decode_comment(comment("evil", 0, datetime(2999, 1, 1, tzinfo=UTC))),  # type: ignore[arg-type]
                     DetectConfig())
    table[b"evil"] = encode_state(poison)
    table[b"evil2"] = encode_state(ThreadState("evil2", last_ts=NOW.timestamp() + 3000))
    exp = Expirer(DetectConfig(), CORE, Stats(), PARTITIONS)
    exp.watermarks.wall = NOW.timestamp
    # the poisoned threads hold nothing but the future: they go; the 40 others stay
    assert sorted(exp.run(table, lambda p: True)) == [b"evil", b"evil2"]
    assert len(table) == 40 and exp.stats.watermark < NOW.timestamp() - 86_400
    # and real progress of event time still expires idle threads
    for i in range(3):
        table[f"new{i}".encode()] = state_bytes(f"new{i}", t0 + 3 * 86_400)
    assert len(exp.run(table, lambda p: True)) == 40


def test_a_partition_that_is_behind_keeps_its_own_watermark() -> None:
    t0 = NOW.timestamp() - 86_400 * 10
    behind = 0
    mine = [f"b{i}" for i in range(200) if partition_for(f"b{i}".encode(), PARTITIONS) == behind]
    table = {k.encode(): state_bytes(k, t0) for k in mine[:5]}
    others = [f"o{i}" for i in range(200) if partition_for(f"o{i}".encode(), PARTITIONS) != behind]
    table.update({k.encode(): state_bytes(k, t0 + 5 * 86_400) for k in others[:6]})
    exp = Expirer(DetectConfig(), CORE, Stats(), PARTITIONS)
    exp.watermarks.wall = NOW.timestamp
    # partition 0 still has records to read: the other partitions' time is not its time
    assert exp.run(table, lambda p: True, lambda p: p != behind) == []
    assert {k.decode() for k in exp.run(table, lambda p: True)} == set(mine[:5])


# --- item 3 (the service's part): the core never blocks the event loop ---------------------
async def test_a_slow_batch_does_not_block_the_event_loop() -> None:
    class SlowProcessor:
        stats = Stats()

        def process(self, records: Any, load: Any) -> Any:
            time.sleep(1.0)  # a pathological comment in the core
            from streams.service.processing import BatchResult
            return BatchResult()

    async def send(**kwargs: Any) -> Any:
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    topic = SimpleNamespace(send=send)
    outputs = Outputs(alerts=topic, dead_letters=topic, rekey=topic)  # type: ignore[arg-type]
    event = SimpleNamespace(message=SimpleNamespace(
        key=b"k", value=b"{}", topic="comments", partition=0, offset=0, timestamp=1.0))
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    store = ThreadStore({}, encode_state, decode_state, PARTITIONS, Stats())
    await handle_batch([event], SlowProcessor(), store, outputs)  # type: ignore[arg-type]
    stop.set()
    await task
    assert sum(gaps) >= 0.9 and max(gaps) < 0.25, max(gaps)


# --- finding 4: flat memory -----------------------------------------------------------------
def big_thread(thread: str, when: datetime) -> list[Record]:
    words = "you are an idiot and a clown, honestly the dumbest take " * 6
    return [record(comment(thread, n, when + timedelta(seconds=n), text=f"{words} {n}"), offset=n)
            for n in range(8)]


def live_states() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, ThreadState))


def test_the_decoded_state_cache_is_bounded_in_bytes_and_emptied_on_expiry() -> None:
    budget = 64 * 1024
    proc = processor()
    table: dict[bytes, bytes] = {}
    store = ThreadStore(table, CORE.encode_state, CORE.decode_state, PARTITIONS, proc.stats,
                        cache_bytes=budget)

    def apply(result: Any) -> None:
        # what the agent does after a batch, with a flush right away
        for key, state in result.states.items():
            store.put(key, result.last_record[key].partition, state)
        store.flush_into(table)

    t0 = NOW - timedelta(days=30)
    before = live_states()
    for g in range(150):
        apply(proc.process(big_thread(f"g{g}", t0), store.load))
    kept = live_states() - before
    # the old cache kept the decoded state of every thread it wrote (up to 10,000)
    assert store.cached_bytes <= budget
    assert kept <= budget // (DECODED_STATE_FACTOR * min(len(v) for v in table.values())) + 1, kept
    exp = Expirer(DetectConfig(), CORE, proc.stats, PARTITIONS, proc.watermarks)
    for n in range(3):  # event time moves on (three fresh threads)
        apply(proc.process(big_thread(f"late{n}", NOW - timedelta(hours=1)), store.load))
    expired = exp.run(store, lambda p: True)  # through the store, as the worker does
    apply(proc.process([], store.load))  # the next flush writes the tombstones
    assert len(expired) == 150 and len(table) == 3
    assert live_states() - before <= 3  # only the three live threads may stay cached


# --- finding 5 --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [1_700_000_000, 1.7e9, "1700000000", True, "17/01/2024 10:00"])
def test_numeric_and_sloppy_created_at_are_rejected(value: Any) -> None:
    raw = orjson.dumps({"comment_id": "c", "thread_id": "t", "author_id": "u", "text": "x",
                        "created_at": value})
    error = decode_comment(raw)
    assert getattr(error, "reason", None) == "bad_timestamp"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"FLAMEWATCH_WEB_PORT": "0"}, "FLAMEWATCH_WEB_PORT"),
        ({"FLAMEWATCH_SESSION_TIMEOUT": "2"}, "FLAMEWATCH_SESSION_TIMEOUT"),
        ({"FLAMEWATCH_WEB_HOST": ""}, "FLAMEWATCH_WEB_HOST"),
        ({"FLAMEWATCH_WEB_TOKEN": "short"}, "FLAMEWATCH_WEB_TOKEN"),
        ({"FLAMEWATCH_MAX_FUTURE_SECONDS": "-1"}, "FLAMEWATCH_MAX_FUTURE_SECONDS"),
        ({"FLAMEWATCH_SASL_MECHANISM": "SCRAM-SHA-1"}, "FLAMEWATCH_SASL_MECHANISM"),
        ({"FLAMEWATCH_SASL_MECHANISM": "PLAIN"}, "FLAMEWATCH_SASL_USERNAME"),
        ({"FLAMEWATCH_SSL_CAFILE": "/nonexistent.pem",
          "FLAMEWATCH_BROKER": "kafka+ssl://h:9093"}, "FLAMEWATCH_SSL_CAFILE"),
        ({"FLAMEWATCH_BROKER": "kafka+ssl://a:1;kafka://b:2"}, "FLAMEWATCH_BROKER"),
        ({"FLAMEWATCH_DLQ_MAX_VALUE_BYTES": "524288", "FLAMEWATCH_MAX_REQUEST_BYTES": "300000"},
         "FLAMEWATCH_DLQ_MAX_VALUE_BYTES"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(env: dict[str, str],
                                                          variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(env)
    assert variable in str(info.value)


def test_security_settings_become_client_options(tmp_path: Path) -> None:
    from streams.service.security import client_options, faust_credentials

    plain = load_settings({})
    assert client_options(plain) == {"security_protocol": "PLAINTEXT"}
    assert faust_credentials(plain) is None
    scram = load_settings({"FLAMEWATCH_BROKER": "kafka+ssl://h:9093",
                           "FLAMEWATCH_SASL_MECHANISM": "SCRAM-SHA-512",
                           "FLAMEWATCH_SASL_USERNAME": "u",
                           "FLAMEWATCH_SASL_PASSWORD": "s3cr3t-pw"})
    options = client_options(scram)
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"],
            options["sasl_plain_password"]) == ("SCRAM-SHA-512", "u", "s3cr3t-pw")
    assert options["ssl_context"].check_hostname
    assert "s3cr3t-pw" not in repr(scram)  # secrets are not printed with the settings
    creds = faust_credentials(scram)
    assert creds.protocol.value == "SASL_SSL" and creds.mechanism.value == "SCRAM-SHA-512"
    assert scram.faust_broker == ["kafka://h:9093"]


def test_repeated_log_lines_are_rate_limited() -> None:
    now = [0.0]
    flt = RepeatFilter(interval=30.0, burst=2, clock=lambda: now[0])

    def rec(msg: str, level: int = logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord("aiokafka", level, __file__, 1, msg, ("node-1",), None)

    passed = 0
    for _ in range(240):  # a 24 s outage at 10 lines per second
        passed += flt.filter(rec("Unable connect to node with id %s"))
        now[0] += 0.1
    assert passed <= 3
    assert flt.filter(rec("another problem"))  # a different message still gets through
    assert flt.filter(rec("debug chatter", logging.INFO))
    now[0] += 31
    again = rec("Unable connect to node with id %s")
    assert flt.filter(again) and "suppressed" in str(again.msg)


# --- finding 6 ----------------------------------------------------------------------------
def test_compose_publishes_ports_on_loopback_only() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    published = [(name, str(p)) for name, svc in compose["services"].items()
                 for p in svc.get("ports", [])]
    assert published
    for name, port in published:
        assert port.startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_alert_lines_are_made_safe_for_a_terminal() -> None:
    hostile = b'{"x": "\x1b]0;pwned\x07\x1b[2J\x9b\xe2\x80\xae\xff\n"}'
    line = safe_line(hostile)
    assert not any(b in line for b in (b"\x1b", b"\x07", b"\n", b"\xff", "\u202e".encode()))
    assert b"\\x1b]0;pwned\\x07" in line and b"\\u202e" in line
    ok = orjson.dumps({"text": "caf\u00e9 \u201cquoted\u201d \x1b"})
    assert safe_line(ok) == ok  # valid JSON alerts pass unchanged (orjson escapes controls)


# --- finding 1 (cont.): no half-alive worker; a stuck consumer is reported ------------------
def fake_service(**app: Any) -> Any:
    from faust.types import TP

    from streams.service import health

    tp = TP("comments", 0)
    consumer = SimpleNamespace(
        assignment=lambda: {tp}, highwater=lambda t: app.pop("_highwater", 100),
        _read_offset={tp: app.pop("_read", 99)},
    )
    settings = SimpleNamespace(comments_topic="comments", rekey_topic="rekey", stuck_seconds=60)
    fields = {"crashed": False, "should_stop": False, "rebalancing": False, "in_recovery": False,
              "consumer": consumer, "_producer": None, **app}
    service = SimpleNamespace(app=SimpleNamespace(**fields), settings=settings, stats=Stats(),
                              health=health.HealthState(), owned_partitions=lambda: {0})
    service.health.assigned = True
    return service


def test_readyz_reports_a_stuck_consumer() -> None:
    from streams.service.health import readiness

    now = time.monotonic()
    ok = fake_service()
    ok.stats.last_batch_done = now - 5
    assert readiness(ok, now)[0]
    waiting = fake_service(_read=10)  # 89 records wait, no batch for 90 s
    waiting.stats.last_batch_done = now - 90
    ready, detail = readiness(waiting, now)
    assert not ready and "stuck: 89 record(s) waiting" in detail["reasons"][0]
    idle = fake_service()  # nothing waits: a quiet topic is not a stuck consumer
    idle.stats.last_batch_done = now - 900
    assert readiness(idle, now)[0]
    wedged = fake_service()
    wedged.stats.batch_started = now - 61
    ready, detail = readiness(wedged, now)
    assert not ready and "one batch in hand" in detail["reasons"][0]
    crashed = fake_service(crashed=True)
    assert readiness(crashed, now)[1]["reasons"][0] == "crashed"


@pytest.mark.parametrize(("state", "code"), [("crashed", 70), ("should_stop", 75)])
def test_the_watchdog_ends_a_crashed_or_hanging_worker(
    monkeypatch: pytest.MonkeyPatch, state: str, code: int
) -> None:
    import threading

    from streams.service import health

    exits: list[int] = []

    def fake_exit(code: int) -> None:
        exits.append(code)
        raise SystemExit(code)

    def watch() -> None:
        with pytest.raises(SystemExit):
            health._watch(service)

    monkeypatch.setattr(health, "_exit_now", fake_exit)
    monkeypatch.setattr(health, "CRASH_GRACE", 0.3)
    monkeypatch.setattr(health, "SHUTDOWN_DEADLINE", 0.3)
    monkeypatch.setattr(health, "WATCH_INTERVAL", 0.05)
    service = fake_service(**{state: True})
    watcher = threading.Thread(target=watch)
    watcher.start()
    watcher.join(5)
    assert exits == [code]
