"""`flamewatch` (and scale-out): the real worker, `python -m streams worker`, draining the
pre-produced comments topic with a fresh app id (consumer group, changelog, alerts topic).

The run is over when the last offset is committed and every expected alert (the offline core's,
over the same events) is readable on the run's alerts topic; the rate is timed from the workers'
processed counters and, as well, from the committed offsets (see drain.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.drain import drain
from bench.progress import Progress
from bench.results import Drain
from bench.stats_page import WEB_TOKEN, worker_stats
from streams.brokers.base import free_port
from streams.harness import AlertReader, WorkerProcess, create_topics, run_id, worker_env

BENCH_WORKER_ENV = {
    "FLAMEWATCH_SESSION_TIMEOUT": "10",
    "FLAMEWATCH_HEARTBEAT_INTERVAL": "1",
    # the tiers the throughput targets name (rules + the fast learned tier), and what the
    # offline core the expected alerts come from runs; no encoder stage is started here
    "FLAMEWATCH_SCORER": "rules+fast",
}
"""What every benchmarked worker gets on top of its defaults (--worker-env overrides it)."""


def start_workers(
    count: int,
    *,
    broker_url: str,
    app_id: str,
    comments_topic: str,
    alerts_topic: str,
    partitions: int,
    workdir: Path,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[list[WorkerProcess], list[int]]:
    """`count` workers of one app, each with its stats page on a free port."""
    workers: list[WorkerProcess] = []
    ports = [free_port() for _ in range(count)]
    for i, port in enumerate(ports):
        name = f"{app_id}-{i}"
        env = worker_env(
            broker_url=broker_url, app_id=app_id, comments_topic=comments_topic,
            alerts_topic=alerts_topic, partitions=partitions, data_dir=workdir / name,
            extra={**BENCH_WORKER_ENV, **(extra_env or {}), "FLAMEWATCH_WEB_ENABLED": "true",
                   "FLAMEWATCH_WEB_PORT": str(port),
                   "FLAMEWATCH_WEB_TOKEN": WEB_TOKEN},  # the stats page needs it
        )
        workers.append(WorkerProcess(name, env, workdir / f"{name}.log"))
    return workers, ports


@dataclass
class FreshWorker:
    """One worker of its own app id, comments and alerts topics (latency, memory, soak)."""

    app_id: str
    topic: str
    alerts_topic: str
    child: WorkerProcess
    port: int
    """Its stats page."""

    @property
    def data_dir(self) -> Path:
        return Path(self.child.log_path.parent / self.child.name)


async def fresh_worker(
    prefix: str,
    *,
    broker_url: str,
    bootstrap: str,
    partitions: int,
    workdir: Path,
    extra_env: Mapping[str, str] | None = None,
) -> FreshWorker:
    """Create the topics of a new app `prefix-…` and start one worker on them."""
    app_id = run_id(prefix)
    topic, alerts_topic = f"{app_id}-comments", f"{app_id}-alerts"
    await create_topics(bootstrap, {topic: partitions, alerts_topic: partitions})
    [child], [port] = start_workers(
        1, broker_url=broker_url, app_id=app_id, comments_topic=topic,
        alerts_topic=alerts_topic, partitions=partitions, workdir=workdir, extra_env=extra_env,
    )
    return FreshWorker(app_id, topic, alerts_topic, child, port)


async def measure(
    *,
    broker_url: str,
    bootstrap: str,
    topic: str,
    total: int,
    partitions: int,
    expected_alert_ids: set[str] | None,
    workdir: Path,
    progress: Progress,
    workers: int = 1,
    label: str = "flamewatch",
    extra_env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    broker_pid: int | None = None,
    **_: Any,
) -> Drain:
    """Run `workers` worker processes in one group over `topic` and time them."""
    expected_alerts = len(expected_alert_ids) if expected_alert_ids is not None else None
    app_id = run_id(f"bench-fw{workers}")
    alerts_topic = f"{app_id}-alerts"
    await create_topics(bootstrap, {alerts_topic: partitions})
    reader = AlertReader(bootstrap, alerts_topic, partitions)
    await reader.start()
    started = time.monotonic()
    children, ports = start_workers(
        workers, broker_url=broker_url, app_id=app_id, comments_topic=topic,
        alerts_topic=alerts_topic, partitions=partitions, workdir=workdir, extra_env=extra_env,
    )
    try:
        result, _cpu = await drain(
            children=list(children), started=started, bootstrap=bootstrap, group=app_id,
            topic=topic, total=total, progress=progress, broker_pid=broker_pid,
            stats_ports=ports, label=label, alerts=reader, expected_alerts=expected_alerts,
            timeout=timeout if timeout is not None else 120.0 + total / 200.0,
        )
        stats = [await worker_stats(port) or {} for port in ports]
    finally:
        for child in children:
            child.stop()
        await reader.stop()
    result.duplicate_alerts = reader.count - reader.distinct
    result.flushes = sum(s.get("flushes") or 0 for s in stats)
    result.changelog_records = sum(s.get("changelog_records") or 0 for s in stats)
    if expected_alert_ids is not None:
        got = {alert_id for _, alert_id, _ in reader.received}
        result.missing_alerts = len(expected_alert_ids - got)
        result.unexpected_alerts = len(got - expected_alert_ids)
    return result
