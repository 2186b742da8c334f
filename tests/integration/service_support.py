"""Helpers for the worker's end-to-end tests: data sets, worker subprocesses, topic reads.

Every worker runs as a real `python -m streams worker` subprocess with FLAMEWATCH_* settings;
`Deployment` gives each test its own app id and topics and kills whatever it started.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from streams.brokers import RunningBroker
from streams.cli.alerts import read_topic
from streams.service.security import client_options
from streams.service.settings import Settings, load_settings
from streams.service.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "streams" / "service" / "sample_thread.jsonl"
EVAL_THREADS = ROOT / "streams" / "evaluation" / "data" / "threads"

STATS_RE = re.compile(
    r"processed=(?P<processed>\d+) alerts=(?P<alerts>\d+) dead_lettered=(?P<dead_lettered>\d+) "
    r"rekeyed=(?P<rekeyed>\d+)"
)
PARTITIONS_RE = re.compile(r"processing partitions \[(?P<parts>[0-9, ]*)\]")


# --- data ---------------------------------------------------------------------------------
def source_threads() -> list[list[bytes]]:
    """The bundled sample thread and the evaluation threads (each a list of JSON lines)."""
    files = [SAMPLE, *sorted(EVAL_THREADS.glob("*.jsonl"))]
    return [[ln for ln in f.read_bytes().splitlines() if ln.strip()] for f in files]


def _rename(line: bytes, copy: int) -> dict[str, Any]:
    doc = orjson.loads(line)
    for name in ("thread_id", "comment_id", "parent_id"):
        if doc.get(name):
            doc[name] = f"{doc[name]}~{copy}"
    return doc


def build_dataset(copies: int, seed: int = 11) -> list[dict[str, Any]]:
    """`copies` renamed copies of every source thread, interleaved at random (fixed seed) while
    each thread keeps its own order: many threads, many branches, edits and deletes."""
    threads = [
        [_rename(ln, k) for ln in lines] for k in range(copies) for lines in source_threads()
    ]
    rng = random.Random(seed)
    cursors = [0] * len(threads)
    live = list(range(len(threads)))
    out: list[dict[str, Any]] = []
    while live:
        i = rng.randrange(len(live))
        t = live[i]
        out.append(threads[t][cursors[t]])
        cursors[t] += 1
        if cursors[t] == len(threads[t]):
            live[i] = live[-1]
            live.pop()
    return out


def write_jsonl(path: Path, docs: Iterable[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    return path


def offline_alerts(path: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """What `flamewatch score PATH` prints (the offline Detector), as dicts."""
    proc = subprocess.run(
        [sys.executable, "-m", "streams", "score", str(path)],
        env=env, capture_output=True, timeout=300, check=True, cwd=ROOT,
    )
    return [orjson.loads(ln) for ln in proc.stdout.splitlines() if ln.strip()]


def without_detected_at(alert: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in alert.items() if k != "detected_at"}


def per_thread(alerts: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for alert in alerts:
        grouped[alert["thread_id"]].append(without_detected_at(alert))
    return dict(grouped)


# --- broker I/O ---------------------------------------------------------------------------
def run(coro_factory: Callable[[], Any]) -> Any:
    return asyncio.run(coro_factory())


async def produce(
    bootstrap: str,
    topic: str,
    records: Iterable[tuple[bytes | None, bytes | None, int | None]],
    client: dict[str, Any] | None = None,
) -> int:
    """Send (key, value, partition-or-None) in order; returns how many."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all",
                                max_request_size=4 * 1024 * 1024, **(client or {}))
    await producer.start()
    count = 0
    try:
        futures = []
        for key, value, partition in records:
            futures.append(await producer.send(topic, value, key=key, partition=partition))
            count += 1
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return count


async def read_all(bootstrap: str, topic: str, client: dict[str, Any] | None = None) -> list[Any]:
    return [r async for r in read_topic(bootstrap, topic, from_beginning=True, follow=False,
                                        client=client)]


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, on_timeout: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n"
                                 f"{on_timeout()}")
        time.sleep(0.2)


# --- workers ------------------------------------------------------------------------------
@dataclass
class WorkerProcess:
    name: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker"],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT,
            start_new_session=True,
        )
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name} log (last {lines} lines) ---\n" + "\n".join(
            self.log.splitlines()[-lines:]
        )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def partitions(self) -> set[int] | None:
        """The partitions it last reported, or None before its first assignment."""
        found = PARTITIONS_RE.findall(self.log)
        if not found:
            return None
        return {int(p) for p in found[-1].split(",") if p.strip()}

    def totals(self) -> dict[str, int]:
        """The counters of its last stats line (the 'stopping; totals' one after stop())."""
        found = [m.groupdict() for m in STATS_RE.finditer(self.log)]
        return {k: int(v) for k, v in found[-1].items()} if found else {}

    def kill(self) -> None:
        """SIGKILL: no commit, no flush, no goodbye."""
        if self.alive:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it hangs). Returns the exit code."""
        if self.proc is None:
            return None
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
        return self.proc.returncode


@dataclass
class Deployment:
    """One app id and topic set on the session broker; stops every worker it started."""

    broker: RunningBroker
    """Anything with `.url` (FLAMEWATCH_BROKER) and `.bootstrap`: a broker or a cluster."""
    workdir: Path
    partitions: int = 4
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    workers: list[WorkerProcess] = field(default_factory=list)
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEWATCH_")}
        r = self.run_id
        return {
            **base,
            "PYTHONUNBUFFERED": "1",
            "FLAMEWATCH_BROKER": self.broker.url,
            "FLAMEWATCH_APP_ID": f"it-{r}",
            "FLAMEWATCH_COMMENTS_TOPIC": f"it-{r}-comments",
            "FLAMEWATCH_ALERTS_TOPIC": f"it-{r}-alerts",
            "FLAMEWATCH_DLQ_TOPIC": f"it-{r}-dlq",
            "FLAMEWATCH_PARTITIONS": str(self.partitions),
            "FLAMEWATCH_WEB_ENABLED": "false",
            "FLAMEWATCH_SESSION_TIMEOUT": "6",
            "FLAMEWATCH_HEARTBEAT_INTERVAL": "1",
            "FLAMEWATCH_STATS_INTERVAL": "0.5",
            "FLAMEWATCH_BATCH_WINDOW": "0.05",
            # no encoder stage here (test_encoder_stage.py runs one): worker and offline
            # score then decide every comment alike, so their alerts can be compared exactly
            "FLAMEWATCH_SCORER": "rules+fast",
            **self.extra_env,
        }

    @property
    def settings(self) -> Settings:
        return load_settings(self.env)

    def create_topics(self) -> None:
        run(lambda: ensure_topics(self.settings))

    def start_worker(self, name: str | None = None, data: str | None = None) -> WorkerProcess:
        """A worker with its own log; its data directory is `data-<data or name>`."""
        name = name or f"worker{len(self.workers) + 1}"
        env = {**self.env, "FLAMEWATCH_DATA_DIR": str(self.data_dir(data or name))}
        worker = WorkerProcess(name, env, self.workdir / f"{name}.log").start()
        self.workers.append(worker)
        return worker

    def data_dir(self, name: str) -> Path:
        return self.workdir / f"data-{name}"

    def logs(self) -> str:
        return "\n".join(w.tail() for w in self.workers)

    def wait_for_assignment(self, workers: list[WorkerProcess], timeout: float = 60.0) -> None:
        """Until the workers together own every partition, each a disjoint non-empty share."""

        def split() -> bool:
            for w in workers:
                if not w.alive:
                    raise AssertionError(f"{w.name} exited early\n{self.logs()}")
            parts = [w.partitions() for w in workers]
            if any(not p for p in parts):
                return False
            union: set[int] = set().union(*(p for p in parts if p))
            total = sum(len(p) for p in parts if p)
            return union == set(range(self.partitions)) and total == self.partitions

        wait_until(split, timeout, "partition assignment", self.logs)

    def replay(self, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "streams", "replay", str(path), "--quiet", *args],
            env=self.env, capture_output=True, text=True, timeout=300, cwd=ROOT, check=True,
        )

    def replay_in_background(self, path: Path, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "replay", str(path), "--quiet", *args],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
        )
        self.helpers.append(proc)
        return proc

    def kill_all(self) -> None:
        """SIGKILL whatever is still running (test teardown, also after a failure)."""
        for worker in self.workers:
            worker.kill()
        for proc in self.helpers:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)

    def count(self, topic: str) -> int:
        # Read, not end offsets: Tansu's ListOffsets does not count records the way Kafka does.
        return len(self.read(topic))

    def read(self, topic: str) -> list[Any]:
        client = client_options(self.settings)  # TLS / SASL when the deployment uses them
        return list(run(lambda: read_all(self.broker.bootstrap, topic, client)))

    def send(self, records: Iterable[tuple[bytes | None, bytes | None, int | None]],
             topic: str | None = None) -> int:
        """Produce (key, value, partition-or-None) records to the comments topic (or `topic`)."""
        name = topic or self.settings.comments_topic
        client = client_options(self.settings)
        return int(run(lambda: produce(self.broker.bootstrap, name, records, client)))

    def alerts(self) -> list[dict[str, Any]]:
        return [orjson.loads(r.value) for r in self.read(self.settings.alerts_topic)]

    def wait_for_records(self, topic: str, count: int, timeout: float = 90.0) -> None:
        wait_until(lambda: self.count(topic) >= count, timeout,
                   f"{count} records on {topic}",
                   lambda: f"(have {self.count(topic)})\n{self.logs()}")

    def stop_all(self) -> None:
        for w in self.workers:
            w.stop()


def iter_lines(path: Path) -> Iterator[bytes]:
    yield from (ln for ln in path.read_bytes().splitlines() if ln.strip())
