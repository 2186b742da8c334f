"""`flamewatch` (and scale-out): the real worker, `python -m streams worker`, draining the
pre-produced comments topic with a fresh app id (consumer group, changelog, alerts topic).

The run is over when the last offset is committed and every expected alert (the offline core's,
over the same events) is readable on the run's alerts topic; the rate is timed from the workers'
processed counters and, as well, from the committed offsets (see drain.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from streams.bench import procs
from streams.bench.drain import drain
from streams.bench.kafka_io import AlertReader, create_topics
from streams.bench.progress import Progress
from streams.brokers.base import free_port


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
) -> dict[str, Any]:
    """Run `workers` worker processes in one group over `topic` and time them."""
    expected_alerts = len(expected_alert_ids) if expected_alert_ids is not None else None
    app_id = procs.run_id(f"bench-fw{workers}")
    alerts_topic = f"{app_id}-alerts"
    await create_topics(bootstrap, {alerts_topic: partitions})
    reader = AlertReader(bootstrap, alerts_topic, partitions)
    await reader.start()
    children: list[procs.Child] = []
    ports = [free_port() for _ in range(workers)]
    started = time.monotonic()
    try:
        for i in range(workers):
            env = procs.worker_env(
                broker_url=broker_url, app_id=app_id, comments_topic=topic,
                alerts_topic=alerts_topic, partitions=partitions,
                data_dir=workdir / f"{app_id}-{i}",
                extra={**(extra_env or {}), "FLAMEWATCH_WEB_ENABLED": "true",
                       "FLAMEWATCH_WEB_PORT": str(ports[i])},
            )
            children.append(procs.start_worker(f"{app_id}-{i}", env, workdir))
        result = await drain(
            children=children, started=started, bootstrap=bootstrap, group=app_id,
            topic=topic, total=total, progress=progress, broker_pid=broker_pid,
            stats_ports=ports, label=label, alerts=reader,
            expected_alerts=expected_alerts,
            timeout=timeout if timeout is not None else 120.0 + total / 200.0,
        )
    finally:
        for child in children:
            child.stop()
        await reader.stop()
    data = result.as_dict()
    data["app_id"] = app_id
    data["duplicate_alerts"] = reader.count - reader.distinct
    if expected_alert_ids is not None:
        got = {alert_id for _, alert_id, _ in reader.received}
        missing = expected_alert_ids - got
        data["missing_alerts"] = len(missing)
        data["unexpected_alerts"] = len(got - expected_alert_ids)
        data["missing_alert_ids"] = sorted(missing)[:10]
    return data
