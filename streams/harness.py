"""Drive a Flamewatch deployment from outside: worker processes, topics, producing, reading.

One module for everything that runs workers as processes against a broker: `flamewatch demo`,
the integration tests (tests/integration) and the benchmark (bench/) all use it.

- processes: `Child` (any command, its output in a log file, in its own session, gone when
  we are), `WorkerProcess` (`python -m streams worker`: its partitions, counters, readiness),
  `EncoderProcess` (`python -m streams encoder`: readiness, its batches),
  `worker_env` (a clean FLAMEWATCH_* environment), `stop_all`;
- topics: `create_topics` (and wait for their leaders), `delete_topics`, `end_offsets`;
- records: `produce` (as fast as the broker takes them), `produce_paced` (at a fixed rate,
  with the send time of each), `read_all`, `AlertReader` (follows a topic and notes when
  each alert became readable);
- `wait_until` for polling from sync code.

Nothing here reads the process environment but `clean_env`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.brokers.base import spawn, tail, terminate

TOPIC_EXISTS = 36
READY_MARK = "processing partitions ["
PARTITIONS_RE = re.compile(r"processing partitions \[(?P<parts>[0-9, ]*)\]")
ENCODER_READY_MARK = "encoder stage up"
BATCH_RE = re.compile(
    r"batch size=(?P<size>\d+) score_ms=(?P<score>[0-9.]+) total_ms=(?P<total>[0-9.]+)"
)
STATS_RE = re.compile(
    r"processed=(?P<processed>\d+) alerts=(?P<alerts>\d+) dead_lettered=(?P<dead_lettered>\d+) "
    r"rekeyed=(?P<rekeyed>\d+)"
)

# --- processes ------------------------------------------------------------------------------

_LIVE: set[Child] = set()
_LOCK = threading.Lock()
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def run_id(prefix: str) -> str:
    """A unique name: `prefix-` and 8 hex digits."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def rss_bytes(pid: int) -> int | None:
    """Resident set size of process `pid` (VmRSS of /proc/PID/status), or None."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    parts = line.split()
                    return int(parts[1]) * 1024 if parts[2].lower() == "kb" else int(parts[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by process `pid` (from /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


class ChildExited(RuntimeError):
    """A child process ended when it should still be running."""


class Child:
    """One child process, its output in `log_path`, started in its own session (a terminal's
    Ctrl-C reaches only us) and, where `setpriv` exists, with a parent-death signal. Children
    still running when the interpreter exits are stopped by an atexit hook."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = spawn(self.argv, cwd=cwd or log_path.parent, log_path=log_path, env=env)
        with _LOCK:
            _LIVE.add(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    @property
    def log(self) -> str:
        """Its output so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name} log (last {lines} lines) ---\n{tail(self.log_path, lines)}"

    def rss(self) -> int | None:
        return rss_bytes(self.pid) if self.alive else None

    def cpu(self) -> float | None:
        return cpu_seconds(self.pid) if self.alive else None

    def check(self) -> None:
        """Raise ChildExited (with the tail of its log) if the process has ended."""
        code = self.proc.poll()
        if code is not None:
            raise ChildExited(f"{self.name} exited with code {code}\n{self.tail()}")

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, wait up to `timeout` seconds, then SIGKILL. Returns the exit code."""
        try:
            return terminate(self.proc, timeout)
        finally:
            with _LOCK:
                _LIVE.discard(self)

    def kill(self) -> None:
        """SIGKILL its whole process group: no commit, no flush, no goodbye."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        with _LOCK:
            _LIVE.discard(self)


class WorkerProcess(Child):
    """`python -m streams worker` with the given FLAMEWATCH_* environment."""

    def __init__(
        self, name: str, env: Mapping[str, str], log_path: Path, cwd: Path | None = None
    ) -> None:
        super().__init__(name, [sys.executable, "-m", "streams", "worker"], env, log_path, cwd)

    def partitions(self) -> set[int] | None:
        """The partitions of the comments topic it last reported, None before the first."""
        return parse_partitions(self.log)

    def totals(self) -> dict[str, int]:
        """The counters of its last stats line (the 'stopping; totals' one after stop())."""
        return parse_totals(self.log)

    @property
    def ready(self) -> bool:
        return READY_MARK in self.log

    async def wait_ready(self, timeout: float) -> set[int]:
        """Until it has its first partitions (returns them); ChildExited/TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            parts = self.partitions()
            if parts is not None:
                return parts
            self.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} got no partitions in {timeout:.0f}s\n"
                                   f"{self.tail()}")
            await asyncio.sleep(0.2)


class EncoderProcess(Child):
    """`python -m streams encoder` (the encoder stage) with the given FLAMEWATCH_* environment:
    the same one as the worker it answers (its requests and opinions topics follow the
    comments topic). `batch_log` runs it at debug level, one line per batch (`batches()`)."""

    def __init__(
        self, name: str, env: Mapping[str, str], log_path: Path, cwd: Path | None = None,
        *, batch_log: bool = False,
    ) -> None:
        argv = [sys.executable, "-m", "streams", "encoder"]
        if batch_log:
            argv += ["--loglevel", "debug"]
        super().__init__(name, argv, env, log_path, cwd)

    @property
    def ready(self) -> bool:
        """Its model is loaded and its topics exist (the consumer group join follows)."""
        return ENCODER_READY_MARK in self.log

    async def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready:
            self.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not up in {timeout:.0f}s\n{self.tail()}")
            await asyncio.sleep(0.1)

    def batches(self) -> list[EncoderBatch]:
        """Every batch it logged so far (only with `batch_log`)."""
        return parse_batches(self.log)


@dataclass(frozen=True)
class EncoderBatch:
    size: int
    score_ms: float
    total_ms: float
    """Fetched -> opinions acknowledged by the broker and offsets committed."""


def parse_batches(log: str) -> list[EncoderBatch]:
    return [EncoderBatch(int(m["size"]), float(m["score"]), float(m["total"]))
            for m in BATCH_RE.finditer(log)]


def parse_partitions(log: str) -> set[int] | None:
    found = PARTITIONS_RE.findall(log)
    if not found:
        return None
    return {int(p) for p in found[-1].split(",") if p.strip()}


def parse_totals(log: str) -> dict[str, int]:
    found = [m.groupdict() for m in STATS_RE.finditer(log)]
    return {k: int(v) for k, v in found[-1].items()} if found else {}


def running() -> list[str]:
    """Names of the children not stopped yet."""
    with _LOCK:
        return sorted(child.name for child in _LIVE)


def stop_all(timeout: float = 5.0) -> None:
    """Stop every child still running (SIGTERM, then SIGKILL after `timeout`)."""
    with _LOCK:
        live = list(_LIVE)
    for child in live:
        with contextlib.suppress(Exception):
            child.stop(timeout=timeout)


atexit.register(stop_all)


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without FLAMEWATCH_* worker settings (the broker cache ones stay)."""
    source = os.environ if base is None else base
    return {k: v for k, v in source.items()
            if not k.startswith("FLAMEWATCH_") or k.startswith("FLAMEWATCH_KAFKA_")}


def worker_env(
    *,
    broker_url: str,
    app_id: str,
    comments_topic: str | None = None,
    alerts_topic: str | None = None,
    dlq_topic: str | None = None,
    partitions: int = 4,
    data_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a worker process: the app's own topics (named after `app_id`
    unless given), no web server and quick group membership unless `extra` says otherwise."""
    env = clean_env(base)
    env.update({
        "PYTHONUNBUFFERED": "1",
        "FLAMEWATCH_BROKER": broker_url,
        "FLAMEWATCH_APP_ID": app_id,
        "FLAMEWATCH_COMMENTS_TOPIC": comments_topic or f"{app_id}-comments",
        "FLAMEWATCH_ALERTS_TOPIC": alerts_topic or f"{app_id}-alerts",
        "FLAMEWATCH_DLQ_TOPIC": dlq_topic or f"{app_id}-dlq",
        "FLAMEWATCH_PARTITIONS": str(partitions),
        "FLAMEWATCH_WEB_ENABLED": "false",
        # a JoinGroup waits for members that left until the session times out
        "FLAMEWATCH_SESSION_TIMEOUT": "6",
        "FLAMEWATCH_HEARTBEAT_INTERVAL": "1",
    })
    if data_dir is not None:
        env["FLAMEWATCH_DATA_DIR"] = str(data_dir)
    env.update(extra or {})
    return env


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    on_timeout: Callable[[], str] = lambda: "",
    interval: float = 0.2,
) -> None:
    """Poll `predicate` from sync code; AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n"
                                 f"{on_timeout()}")
        time.sleep(interval)


# --- topics ---------------------------------------------------------------------------------

async def create_topics(
    bootstrap: str,
    topics: Mapping[str, int],
    *,
    configs: Mapping[str, str] | None = None,
    replication: int = 1,
    timeout: float = 30.0,
) -> None:
    """Create `topics` (name -> partitions; existing ones are left alone) and wait until
    every partition has a leader."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics([
            NewTopic(name, count, replication, topic_configs=dict(configs or {}))
            for name, count in topics.items()
        ])
        for error in response.to_object()["topic_errors"]:
            if error["error_code"] not in (0, TOPIC_EXISTS):
                raise RuntimeError(f"creating topic {error}")
        deadline = time.monotonic() + timeout
        while True:
            described = await admin.describe_topics(list(topics))
            ready = len(described) == len(topics) and all(
                d["error_code"] == 0
                and len(d["partitions"]) == topics[d["topic"]]
                and all(p["leader"] >= 0 for p in d["partitions"])
                for d in described
            )
            if ready:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics without leaders: {described}")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str, **client: Any) -> list[str]:
    """Delete every topic whose name starts with `prefix`; returns their names. `client`:
    more aiokafka client options (TLS/SASL: streams.service.security.client_options)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client)
    await admin.start()
    try:
        names = sorted(t for t in await admin.list_topics() if t.startswith(prefix))
        if names:
            await admin.delete_topics(names)
        return names
    finally:
        await admin.close()


async def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: int(off) for tp, off in ends.items()}
    finally:
        await consumer.stop()


# --- records --------------------------------------------------------------------------------

Row = tuple[bytes | None, bytes | None]


def _producer(
    bootstrap: str, linger_ms: int, client: Mapping[str, Any] | None = None
) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=linger_ms,
        max_batch_size=512 * 1024, max_request_size=4 * 1024 * 1024, **dict(client or {}),
    )


async def produce(
    bootstrap: str,
    topic: str,
    rows: Iterable[Row | tuple[bytes | None, bytes | None, int | None]],
    *,
    linger_ms: int = 20,
    chunk: int = 5_000,
    on_progress: Callable[[int], None] | None = None,
    client: Mapping[str, Any] | None = None,
) -> dict[int, int]:
    """Produce (key, value) or (key, value, partition) rows in order, as fast as the broker
    takes them (no partition: the default partitioner, murmur2 of the key, as the worker
    expects). Returns records per partition. `client`: more aiokafka options (TLS/SASL)."""
    producer = _producer(bootstrap, linger_ms, client)
    await producer.start()
    counts: dict[int, int] = {}
    sent = 0
    try:
        pending: list[asyncio.Future[Any]] = []
        for row in rows:
            key, value = row[0], row[1]
            partition = row[2] if len(row) > 2 else None
            pending.append(await producer.send(topic, value, key=key, partition=partition))
            if len(pending) >= chunk:
                sent += await _settle(pending, counts)
                if on_progress is not None:
                    on_progress(sent)
        sent += await _settle(pending, counts)
        if on_progress is not None:
            on_progress(sent)
    finally:
        await producer.stop()
    return counts


async def _settle(pending: list[asyncio.Future[Any]], counts: dict[int, int]) -> int:
    for meta in await asyncio.gather(*pending):
        counts[meta.partition] = counts.get(meta.partition, 0) + 1
    n = len(pending)
    pending.clear()
    return n


async def produce_paced(
    bootstrap: str,
    topic: str,
    rows: Sequence[tuple[bytes, bytes]],
    ids: Sequence[str],
    rate: float,
    *,
    linger_ms: int = 5,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, float], float]:
    """Produce `rows` at `rate` records/s (record i is handed over at start + i / rate).
    Returns id -> time.monotonic() just before its send, and the seconds it all took.

    The producer lingers 5 ms like `flamewatch replay`; that wait counts as latency, since
    the clock starts before the send."""
    producer = _producer(bootstrap, linger_ms)
    await producer.start()
    sent_at: dict[str, float] = {}
    pending: list[asyncio.Future[Any]] = []
    try:
        began = time.monotonic()
        for i, ((key, value), rid) in enumerate(zip(rows, ids, strict=True)):
            due = began + i / rate
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            sent_at[rid] = time.monotonic()
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= 1000:
                await asyncio.gather(*pending)
                pending.clear()
            if on_progress is not None and i % 500 == 0:
                on_progress(i)
        await asyncio.gather(*pending)
        seconds = time.monotonic() - began
    finally:
        await producer.stop()
    if on_progress is not None:
        on_progress(len(rows))
    return sent_at, seconds


async def read_all(bootstrap: str, topic: str, client: Mapping[str, Any] | None = None
                   ) -> list[Any]:
    """Every record of `topic` now (per-partition order), without a consumer group."""
    from streams.cli.alerts import read_topic

    return [r async for r in read_topic(bootstrap, topic, from_beginning=True, follow=False,
                                        client=client)]


@dataclass
class AlertReader:
    """Reads an alerts topic from the beginning; notes when each alert became readable."""

    bootstrap: str
    topic: str
    partitions: int
    received: list[tuple[float, str, str]] = field(default_factory=list)
    """(time.monotonic() when read, alert_id, trigger_comment_id)."""
    detected: dict[str, float] = field(default_factory=dict)
    """alert_id -> the alert's `detected_at` (set by the worker), on this process's
    time.monotonic() scale (same host, same clock)."""
    documents: list[dict[str, Any]] = field(default_factory=list)
    """The alerts themselves, in the order read (kept only with keep_documents)."""
    keep_documents: bool = False
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def count(self) -> int:
        return len(self.received)

    @property
    def distinct(self) -> int:
        return len({alert_id for _, alert_id, _ in self.received})

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False,
            auto_offset_reset="earliest",
            # the broker answers as soon as one byte is there (fetch_min_bytes=1): a long
            # wait only saves idle polling, it does not delay an alert
            fetch_max_wait_ms=500,
        )
        await self._consumer.start()
        tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._consumer is not None
        wall_minus_mono = time.time() - time.monotonic()
        while True:
            batches = await self._consumer.getmany(timeout_ms=50, max_records=10_000)
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    doc = orjson.loads(record.value) if record.value else {}
                    alert_id = str(doc.get("alert_id"))
                    self.received.append((now, alert_id, str(doc.get("trigger_comment_id"))))
                    if self.keep_documents:
                        self.documents.append(doc)
                    with contextlib.suppress(KeyError, TypeError, ValueError):
                        detected = datetime.fromisoformat(str(doc["detected_at"])).timestamp()
                        self.detected[alert_id] = detected - wall_minus_mono

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
            self._consumer = None


async def cancel(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task and wait until it is gone (whatever it raised)."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
