"""Time Faust processes draining a pre-produced topic, watched from outside.

A run is complete when the consumer group has committed the last offset and, for the worker,
every expected alert is readable on the alerts topic. Two rates are derived:

- `per_s` (used for ratios and targets): from the moment every worker has processed its first
  comment to the moment all comments are processed and all expected alerts are readable, from
  the workers' `processed` counters (their stats pages, polled every 100 ms);
- `committed_per_s`: from the first commit made while the group has all its members to the
  last offset committed (and all alerts out). Faust commits on a 2.8 s timer, so this one
  carries up to one commit interval of idle tail; a shorter interval would sharpen it but costs
  the worker ~12% of its throughput (measured), so the workers keep their default.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.bench.kafka_io import AlertReader, CommitWatcher, Sample
from streams.bench.procs import Child, cpu_seconds, system_cpu
from streams.bench.progress import Progress
from streams.bench.stats_page import StatsPoller


@dataclass
class Window:
    messages: int
    seconds: float
    start: float = 0.0
    """time.monotonic() at which it starts."""

    @property
    def per_s(self) -> float | None:
        return self.messages / self.seconds if self.seconds > 0 else None


def measured_window(
    samples: Sequence[Sample], end_time: float, total: int, members: int = 1
) -> Window | None:
    """The window from the first commit made with `members` members (when members are
    watched) to `end_time`; None when no sample qualifies or nothing is left to measure."""
    for sample in samples:
        if sample.committed <= 0:
            continue
        if sample.members >= 0 and sample.members < members:
            continue
        remaining = total - sample.committed
        seconds = end_time - sample.t
        if remaining <= 0 or seconds <= 0:
            return None
        return Window(remaining, seconds, sample.t)
    return None


@dataclass
class CpuSample:
    t: float
    children: list[float | None]
    broker: float | None
    bench: float
    system: float | None = None
    """CPU seconds used by every process on the machine (since boot)."""
    stalled: float | None = None
    """Seconds some task waited for a CPU (PSI, since boot)."""


def cpu_sample(children: Sequence[Child], broker_pid: int | None) -> CpuSample:
    system, stalled = system_cpu()
    return CpuSample(
        time.monotonic(), [child.cpu() for child in children],
        cpu_seconds(broker_pid) if broker_pid else None, time.process_time(), system, stalled,
    )


def cores_used(
    samples: Sequence[CpuSample], start: float, end: float
) -> dict[str, Any] | None:
    """Average cores used between `start` and `end` by each child, the broker and this
    process (CPU seconds / wall seconds, from the samples nearest to both ends)."""
    if not samples:
        return None
    first = min(samples, key=lambda s: abs(s.t - start))
    last = min(samples, key=lambda s: abs(s.t - end))
    wall = last.t - first.t
    if wall <= 0:
        return None

    def rate(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else (b - a) / wall

    workers = [rate(a, b) for a, b in zip(first.children, last.children, strict=True)]
    broker, bench = rate(first.broker, last.broker), rate(first.bench, last.bench)
    machine = rate(first.system, last.system)
    others = None
    if machine is not None and all(w is not None for w in workers):
        others = max(0.0, machine - sum(w or 0.0 for w in workers) - (broker or 0.0)
                     - (bench or 0.0))
    return {
        "workers": workers,
        "broker": broker,
        "bench": bench,
        "machine": machine,
        "others": others,
        "cpu_pressure": rate(first.stalled, last.stalled),
    }


def processing_window(
    samples: Sequence[tuple[float, list[int | None]]], total: int, alerts_end: float | None
) -> Window | None:
    """From the first sample where every worker has processed something to the first where
    all `total` are processed (or to `alerts_end`, when later)."""
    start: tuple[float, int] | None = None
    for t, counts in samples:
        if start is None:
            if counts and all(c is not None and c > 0 for c in counts):
                start = (t, sum(c or 0 for c in counts))
            continue
        if sum(c or 0 for c in counts) >= total:
            end = max(t, alerts_end) if alerts_end is not None else t
            remaining, seconds = total - start[1], end - start[0]
            if remaining <= 0 or seconds <= 0:
                return None
            return Window(remaining, seconds, start[0])
    return None


def done_time(samples: Sequence[Sample], total: int) -> float | None:
    """When the committed offsets first reached `total`."""
    for sample in samples:
        if sample.committed >= total:
            return sample.t
    return None


def alerts_done_time(received: Sequence[tuple[float, str, str]], expected: int) -> float | None:
    """When the `expected`-th distinct alert was read (None: not yet)."""
    seen: set[str] = set()
    for t, alert_id, _ in received:
        seen.add(alert_id)
        if len(seen) >= expected:
            return t
    return None


@dataclass
class DrainResult:
    messages: int
    seconds: float | None
    per_s: float | None
    committed_per_s: float | None
    """Rate over the committed-offsets window (see the module docstring)."""
    timing: str
    """What `per_s` was timed from: "processed counters" or "committed offsets"."""
    startup_s: float | None
    """From starting the process(es) to their first commit."""
    total_s: float
    """From starting the process(es) to the end of the run."""
    alerts: int | None = None
    alerts_expected: int | None = None
    members: int = 1
    rss_bytes: list[int | None] | None = None
    cpu_samples: list[CpuSample] = field(default_factory=list)
    cpu_cores: dict[str, Any] | None = None
    """Cores used during the measured window by the measured process(es), the broker (when
    started here) and the benchmark process itself."""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "seconds": self.seconds,
            "per_s": self.per_s,
            "committed_per_s": self.committed_per_s,
            "timing": self.timing,
            "startup_s": self.startup_s,
            "total_s": self.total_s,
            "alerts": self.alerts,
            "alerts_expected": self.alerts_expected,
            "processes": self.members,
            "rss_bytes": self.rss_bytes,
            "cpu_cores": self.cpu_cores,
            "note": self.note,
        }


async def drain(
    *,
    children: Sequence[Child],
    started: float,
    bootstrap: str,
    group: str,
    topic: str,
    total: int,
    progress: Progress,
    label: str,
    alerts: AlertReader | None = None,
    expected_alerts: int | None = None,
    timeout: float = 600.0,
    alert_grace: float = 15.0,
    broker_pid: int | None = None,
    stats_ports: Sequence[int] | None = None,
) -> DrainResult:
    """Wait until `children` (consumer group `group`) have committed `total` offsets of
    `topic` (and `expected_alerts` are out), then measure. The children are left running."""
    members = len(children)
    watcher = CommitWatcher(bootstrap, group, topic, watch_members=members > 1)
    await watcher.start()
    note = ""
    cpu: list[CpuSample] = []
    poller = StatsPoller(list(stats_ports)) if stats_ports else None
    processed: list[tuple[float, list[int | None]]] = []
    try:
        deadline = started + timeout
        committed_at: float | None = None
        with progress.counter(label, total) as counter:
            while True:
                for child in children:
                    child.check()
                now = time.monotonic()
                cpu.append(cpu_sample(children, broker_pid))
                if poller is not None:
                    processed.append((time.monotonic(), await poller.processed()))
                committed = watcher.committed
                extra = ""
                if alerts is not None and expected_alerts is not None:
                    extra = f"alerts {alerts.distinct}/{expected_alerts}"
                counter.set(committed, extra)
                if committed >= total and committed_at is None:
                    committed_at = now
                if committed_at is not None:
                    if alerts is None or expected_alerts is None:
                        break
                    if alerts.distinct >= expected_alerts:
                        break
                    if now - committed_at > alert_grace:
                        note = (f"only {alerts.distinct} of {expected_alerts} expected alerts "
                                f"after all offsets were committed")
                        break
                if now > deadline:
                    note = f"timed out after {timeout:.0f}s at {committed:,}/{total:,} committed"
                    break
                await asyncio.sleep(0.1)
        rss = [child.rss() for child in children]
    finally:
        await watcher.stop()
        if poller is not None:
            await poller.close()

    samples = list(watcher.samples)
    end = done_time(samples, total)
    n_alerts = alerts.distinct if alerts is not None else None
    alerts_end: float | None = None
    if alerts is not None and expected_alerts is not None:
        alerts_end = alerts_done_time(alerts.received, expected_alerts)
        if alerts_end is None and alerts.received:
            alerts_end = alerts.received[-1][0]
    if end is not None and alerts_end is not None:
        end = max(end, alerts_end)
    processing = processing_window(processed, total, alerts_end)
    first_commit = next((s.t for s in samples if s.committed > 0), None)
    window = measured_window(samples, end, total, members) if end is not None else None
    if window is None and end is not None and members > 1:
        window = measured_window(samples, end, total, 1)
        if window is not None and not note:
            note = "the group was never seen stable with all members: timed from first commit"
    if window is None and not note:
        note = "no measurable window (the run was shorter than a commit interval)"
    measured = processing or window
    return DrainResult(
        messages=measured.messages if measured else 0,
        seconds=measured.seconds if measured else None,
        per_s=measured.per_s if measured else None,
        committed_per_s=window.per_s if window else None,
        timing="processed counters" if processing else "committed offsets",
        startup_s=(first_commit - started) if first_commit is not None else None,
        total_s=(end or time.monotonic()) - started,
        alerts=n_alerts,
        alerts_expected=expected_alerts,
        members=members,
        rss_bytes=rss,
        cpu_samples=cpu,
        cpu_cores=(cores_used(cpu, measured.start, measured.start + measured.seconds)
                   if measured else None),
        note=note,
    )
