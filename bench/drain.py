"""Time Faust processes draining a pre-produced topic, watched from outside.

A run is complete when the consumer group has committed the last offset and, for the worker,
every expected alert is readable on the alerts topic. Two rates are derived:

- `per_s` (used for the ratios): from the moment every worker has processed its first
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
from dataclasses import dataclass

from bench.observe import CommitWatcher, Sample
from bench.progress import Progress
from bench.results import Drain
from bench.stats_page import StatsPoller
from bench.system import CpuSample, cores_used, cpu_sample
from streams.harness import AlertReader, Child


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
) -> tuple[Drain, list[CpuSample]]:
    """Wait until `children` (consumer group `group`) have committed `total` offsets of
    `topic` (and `expected_alerts` are out), then measure. The children are left running.
    Returns the result and the CPU samples taken."""
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
    result = Drain(
        label=label,
        messages=measured.messages if measured else 0,
        seconds=measured.seconds if measured else None,
        per_s=measured.per_s if measured else None,
        timing="processed counters" if processing else "committed offsets",
        processes=members,
        committed_per_s=window.per_s if window else None,
        startup_s=(first_commit - started) if first_commit is not None else None,
        total_s=(end or time.monotonic()) - started,
        rss_bytes=rss,
        cores=(cores_used(cpu, measured.start, measured.start + measured.seconds)
               if measured else None),
        alerts=n_alerts,
        alerts_expected=expected_alerts,
        note=note,
    )
    return result, cpu
