"""Helpers for the worker's end-to-end tests: data sets, and a `Deployment` (one app id and
topic set on the session broker) on top of streams/harness.py, which starts the workers as
real `python -m streams worker` processes and kills whatever it started.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streams.brokers import RunningBroker
from streams.harness import WorkerProcess, produce, read_all, wait_until, worker_env
from streams.service.security import client_options
from streams.service.settings import Settings, load_settings
from streams.service.topics import ensure_topics

__all__ = ["Deployment", "WorkerProcess", "build_dataset", "first_of_each", "offline_alerts",
           "per_thread", "produce", "run", "wait_until", "write_jsonl"]

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "streams" / "service" / "sample_thread.jsonl"
EVAL_THREADS = ROOT / "streams" / "evaluation" / "data" / "threads"


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


ERA = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
"""Where every thread of a built data set starts (see `build_dataset`)."""


def build_dataset(copies: int, seed: int = 11) -> list[dict[str, Any]]:
    """`copies` renamed copies of every source thread, interleaved at random (fixed seed) while
    each thread keeps its own order: many threads, many branches, edits and deletes.

    Every thread is moved to start at ERA, as in a live stream, where the threads that are
    interleaved are of the same days. The source threads span five years (2020-2025): mixed as
    they are, a worker's expiry timer (48 h of event time behind the watermark) forgets the
    older ones while their comments still arrive, and its alerts then rightly differ from
    `flamewatch score`, which never expires. A test that ran past the first expiry tick (60 s)
    failed that way, e.g. the broker restart test on a slow machine."""
    threads = [
        same_era([_rename(ln, k) for ln in lines]) for k in range(copies)
        for lines in source_threads()
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


def same_era(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every thread moved to start at ERA, its comments keeping their offsets from its first
    one (idempotent)."""
    first: dict[str, datetime] = {}
    out = []
    for doc in docs:
        when = datetime.fromisoformat(doc["created_at"])
        base = doc["thread_id"].split("~")[0]
        start = first.setdefault(base, when)
        out.append({**doc, "created_at": (ERA + (when - start)).isoformat()})
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


def first_of_each(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts without repeats of an alert id (at-least-once delivery may repeat one)."""
    seen: set[str] = set()
    out = []
    for alert in alerts:
        if alert["alert_id"] not in seen:
            seen.add(alert["alert_id"])
            out.append(alert)
    return out


def run(coro_factory: Callable[[], Any]) -> Any:
    return asyncio.run(coro_factory())


@dataclass
class Deployment:
    """One app id and topic set on the session broker; stops every process it started."""

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
        return worker_env(
            broker_url=self.broker.url, app_id=f"it-{self.run_id}",
            partitions=self.partitions,
            extra={
                "FLAMEWATCH_STATS_INTERVAL": "0.5",
                "FLAMEWATCH_BATCH_WINDOW": "0.05",
                # no encoder stage here (test_encoder_stage.py runs one): worker and offline
                # score then decide every comment alike, so their alerts can be compared exactly
                "FLAMEWATCH_SCORER": "rules+fast",
                **self.extra_env,
            },
        )

    @property
    def settings(self) -> Settings:
        return load_settings(self.env)

    def create_topics(self) -> None:
        run(lambda: ensure_topics(self.settings))

    def data_dir(self, name: str) -> Path:
        return self.workdir / f"data-{name}"

    def start_worker(self, name: str | None = None, data: str | None = None) -> WorkerProcess:
        """A worker with its own log; its data directory is `data-<data or name>`."""
        name = name or f"worker{len(self.workers) + 1}"
        env = {**self.env, "FLAMEWATCH_DATA_DIR": str(self.data_dir(data or name))}
        worker = WorkerProcess(name, env, self.workdir / f"{name}.log", cwd=ROOT)
        self.workers.append(worker)
        return worker

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
        counts = run(lambda: produce(self.broker.bootstrap, name, records, linger_ms=5,
                                     client=client))
        return sum(counts.values())

    def committed_offsets(self) -> dict[int, int | None]:
        """The worker group's committed offset per partition of the comments topic."""
        from aiokafka import AIOKafkaConsumer, TopicPartition

        settings = self.settings
        topic = settings.comments_topic

        async def fetch() -> dict[int, int | None]:
            consumer = AIOKafkaConsumer(bootstrap_servers=self.broker.bootstrap,
                                        group_id=settings.app_id, enable_auto_commit=False,
                                        **client_options(settings))
            await consumer.start()
            try:
                return {p: await consumer.committed(TopicPartition(topic, p))
                        for p in range(settings.partitions)}
            finally:
                await consumer.stop()

        return run(fetch)

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
