"""Alert latency: from a comment's produce time to its alert being readable on the alerts topic,
at a fixed offered rate (a paced producer), with one worker already running and warmed up.
Several runs, each with a fresh worker and topics (the latency used to flip between regimes
from one run to the next).

Alerts are matched to the comment that triggered them through `trigger_comment_id`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import dataset
from bench.observe import CommitWatcher
from bench.progress import Progress
from bench.results import Latency, LatencyRun
from bench.stats_page import worker_stats
from bench.system import cores_used, cpu_sample
from bench.worker import fresh_worker
from streams.harness import AlertReader, produce, produce_paced

WARM_PREFIX = "warm-"


def _mean_batch(before: Mapping[str, Any], after: Mapping[str, Any]) -> float | None:
    """Comments per agent batch during the paced run (from the worker's stats page)."""
    try:
        batches = after["batches"] - before["batches"]
        processed = after["processed"] - before["processed"]
    except (KeyError, TypeError):
        return None
    return processed / batches if batches > 0 else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in [0, 100]) of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def distinct_alerts(
    sent_at: Mapping[str, float], received: Sequence[tuple[float, str, str]]
) -> Iterator[tuple[int, float | None, float]]:
    """(index into `received`, send time of its trigger or None, read time) of the first read
    of every distinct alert id."""
    seen: set[str] = set()
    for i, (t, alert_id, trigger) in enumerate(received):
        if alert_id not in seen:
            seen.add(alert_id)
            yield i, sent_at.get(trigger), t


def latencies_ms(
    sent_at: Mapping[str, float], received: Sequence[tuple[float, str, str]]
) -> tuple[list[tuple[float, float]], int]:
    """(send time, latency in ms) of every distinct alert whose trigger comment was sent in
    the paced run, and the number of alerts that could not be matched."""
    out: list[tuple[float, float]] = []
    unmatched = 0
    for _, sent, t in distinct_alerts(sent_at, received):
        if sent is None:
            unmatched += 1
        else:
            out.append((sent, (t - sent) * 1000.0))
    return out, unmatched


def split(
    sent_at: Mapping[str, float],
    received: Sequence[tuple[float, str, str]],
    detected: Mapping[str, float],
) -> dict[str, float | None]:
    """Where the time goes: produce -> the worker's `detected_at` (consume, batch, score), and
    `detected_at` -> readable on the alerts topic (publish, changelog flush, fetch)."""
    to_detect: list[float] = []
    to_read: list[float] = []
    for t, alert_id, trigger in received:
        sent, seen = sent_at.get(trigger), detected.get(alert_id)
        if sent is None or seen is None:
            continue
        to_detect.append((seen - sent) * 1000.0)
        to_read.append((t - seen) * 1000.0)
    return {
        "produce_to_detected_p50_ms": percentile(to_detect, 50),
        "produce_to_detected_p99_ms": percentile(to_detect, 99),
        "detected_to_readable_p50_ms": percentile(to_read, 50),
        "detected_to_readable_p99_ms": percentile(to_read, 99),
    }


def by_interval(
    samples: Sequence[tuple[float, float]], began: float, seconds: float = 5.0
) -> list[dict[str, float | int | None]]:
    """Latency per `seconds`-long slice of send time: shows whether a backlog builds up."""
    slices: dict[int, list[float]] = {}
    for sent, ms in samples:
        slices.setdefault(int((sent - began) // seconds), []).append(ms)
    return [
        {"from_s": i * seconds, "alerts": len(v), "p50_ms": percentile(v, 50),
         "max_ms": max(v)}
        for i, v in sorted(slices.items())
    ]


def summarize(values_ms: Sequence[float]) -> dict[str, float | None]:
    return {
        "p50_ms": percentile(values_ms, 50),
        "p90_ms": percentile(values_ms, 90),
        "p99_ms": percentile(values_ms, 99),
        "max_ms": max(values_ms) if values_ms else None,
    }


async def measure(*, runs: int = 1, **kwargs: Any) -> Latency:
    """`runs` runs of `measure_once(**kwargs)`, each with a fresh worker and topics."""
    out = []
    for i in range(runs):
        label = f"latency run {i + 1}/{runs}" if runs > 1 else "latency"
        out.append(await measure_once(label=label, **kwargs))
    return Latency(out)


async def measure_once(
    *,
    broker_url: str,
    bootstrap: str,
    partitions: int,
    rate: float,
    seconds: float,
    threads: int,
    workdir: Path,
    progress: Progress,
    extra_env: Mapping[str, str] | None = None,
    label: str = "latency",
    broker_pid: int | None = None,
) -> LatencyRun:
    n = max(1, int(rate * seconds))
    data = dataset.build(n, threads, seed=11)
    warm = dataset.build(200, 10, seed=12, prefix=WARM_PREFIX, expect_alerts=False)
    fresh = await fresh_worker("bench-lat", broker_url=broker_url, bootstrap=bootstrap,
                               partitions=partitions, workdir=workdir, extra_env=extra_env)
    app_id, topic, child, port = fresh.app_id, fresh.topic, fresh.child, fresh.port
    reader = AlertReader(bootstrap, fresh.alerts_topic, partitions)
    await reader.start()
    watcher = CommitWatcher(bootstrap, app_id, topic, interval=0.5)
    await watcher.start()
    try:
        # Warm up: wait until the worker has processed (committed) a small warm-up set.
        await produce(bootstrap, topic, warm.rows)
        deadline = time.monotonic() + 120
        while watcher.committed < len(warm):
            child.check()
            if time.monotonic() > deadline:
                raise TimeoutError("the latency worker did not process its warm-up comments")
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        stats_before = await worker_stats(port) or {}

        cpu_before = cpu_sample([child], broker_pid)
        with progress.counter(f"{label} @ {rate:,.0f}/s", n, "msg") as counter:

            def on_progress(i: int) -> None:
                child.check()
                counter.set(i)

            sent_at, send_s = await produce_paced(
                bootstrap, topic, data.rows, data.comment_ids, rate, on_progress=on_progress
            )
        cpu_after = cpu_sample([child], broker_pid)
        total = len(warm) + n
        expected = data.expected_alerts or 0
        deadline = time.monotonic() + 60
        committed_at: float | None = None
        while time.monotonic() < deadline:
            child.check()
            if watcher.committed >= total and committed_at is None:
                committed_at = time.monotonic()
            if committed_at is not None and (
                reader.distinct >= expected or time.monotonic() - committed_at > 5
            ):
                break
            await asyncio.sleep(0.1)
        lag_at_end = total - watcher.committed
        stats_after = await worker_stats(port) or {}
    finally:
        await watcher.stop()
        child.stop()
        await reader.stop()
    received = [r for r in reader.received if not r[2].startswith(WARM_PREFIX)]
    pairs, unmatched = latencies_ms(sent_at, received)
    values = [ms for _, ms in pairs]
    began = min(sent_at.values()) if sent_at else 0.0
    summary = summarize(values)
    parts = split(sent_at, received, reader.detected)
    return LatencyRun(
        offered_rate=rate, comments=n, threads=data.threads,
        achieved_rate=n / send_s if send_s > 0 else None,
        alerts=len(values), alerts_expected=expected, unmatched_alerts=unmatched,
        p50_ms=summary["p50_ms"], p90_ms=summary["p90_ms"], p99_ms=summary["p99_ms"],
        max_ms=summary["max_ms"],
        produce_to_detected_p50_ms=parts["produce_to_detected_p50_ms"],
        produce_to_detected_p99_ms=parts["produce_to_detected_p99_ms"],
        detected_to_readable_p50_ms=parts["detected_to_readable_p50_ms"],
        detected_to_readable_p99_ms=parts["detected_to_readable_p99_ms"],
        mean_batch=_mean_batch(stats_before, stats_after), uncommitted_at_end=lag_at_end,
        cores=cores_used([cpu_before, cpu_after], cpu_before.t, cpu_after.t),
        by_5s=by_interval(pairs, began),
    )
