"""Memory: worker RSS and bytes of state per active thread after N comments over M threads,
then RSS while later generations of threads arrive and the earlier ones expire.

One worker runs throughout with a small FLAMEWATCH_INACTIVITY_SECONDS (just above the event
time one generation spans) and a 1 s FLAMEWATCH_EXPIRY_INTERVAL. Generation g's events start
far enough after generation g-1's that every thread of g-1 is idle for longer than the
inactivity limit as soon as g begins, so the expiry timer deletes them while g is processed.

- `rss_idle`: after a small warm-up set (code paths loaded, nearly no state);
- after generation 1: RSS, threads in the table (the worker's stats page), and the size of the
  latest state of every live thread, read back from the table's changelog topic;
- after each later generation: RSS and threads in the table (should stay ~M: "flat");
- finally a tiny generation far in the future expires everything: RSS with ~no state.

Run once per table store: `memory://` (states on the Python heap) and `rocksdb://` (states in
RocksDB; its memtables and block cache count in the RSS too).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from bench import dataset
from bench.latency import percentile
from bench.observe import CommitWatcher, latest_value_sizes
from bench.progress import Progress
from bench.results import Memory, MemoryRound
from bench.stats_page import worker_stats
from bench.system import dir_bytes
from bench.worker import fresh_worker
from streams.harness import produce

EXPIRY_INTERVAL = 1.0


def per_thread(rss_loaded: int | None, rss_idle: int | None, threads: int) -> float | None:
    if rss_loaded is None or rss_idle is None or threads <= 0:
        return None
    return (rss_loaded - rss_idle) / threads


def flat_growth(rss_by_generation: list[int | None]) -> float | None:
    """Relative RSS growth from the first generation to the last (0.05 = +5%)."""
    values = [v for v in rss_by_generation if v]
    if len(values) < 2:
        return None
    return (values[-1] - values[0]) / values[0]


def growth_once_expiring(rss_by_generation: list[int | None]) -> float | None:
    """RSS growth from generation 2 (the first one during which older threads expired) to the
    last; with only two generations, from the first to the last (stricter)."""
    if len(rss_by_generation) >= 3:
        return flat_growth(rss_by_generation[1:])
    return flat_growth(rss_by_generation)


async def measure(
    *,
    broker_url: str,
    bootstrap: str,
    partitions: int,
    comments: int,
    threads: int,
    generations: int,
    workdir: Path,
    progress: Progress,
    store: str = "memory://",
    extra_env: Mapping[str, str] | None = None,
) -> Memory:
    span = dataset.event_span_seconds(comments)
    inactivity = span + 60.0
    gap = span + inactivity + 120.0

    def start_of(generation: int) -> datetime:
        return dataset.T0 + timedelta(seconds=generation * gap)

    fresh = await fresh_worker(
        "bench-mem-" + store.split(":", 1)[0], broker_url=broker_url, bootstrap=bootstrap,
        partitions=partitions, workdir=workdir,
        extra_env={
            **(extra_env or {}),
            "FLAMEWATCH_STORE": store,
            "FLAMEWATCH_INACTIVITY_SECONDS": f"{inactivity:.0f}",
            "FLAMEWATCH_EXPIRY_INTERVAL": str(EXPIRY_INTERVAL),
        },
    )
    app_id, topic, child, port = fresh.app_id, fresh.topic, fresh.child, fresh.port
    data_dir = fresh.data_dir
    watcher = CommitWatcher(bootstrap, app_id, topic)
    await watcher.start()
    if generations < 1:
        raise ValueError("the memory run needs at least one generation")
    live_threads = threads
    produced = 0
    rounds: list[MemoryRound] = []
    state_sizes: dict[bytes, int] = {}
    disk: int | None = None

    async def feed(rows: list[tuple[bytes, bytes]], label: str, live_threads: int) -> MemoryRound:
        """Produce `rows`, wait until processed and until the table holds `live_threads`."""
        nonlocal produced
        with progress.counter(f"memory: produce {label}", len(rows)) as counter:
            await produce(bootstrap, topic, rows, on_progress=counter.set)
        produced += len(rows)
        began = time.monotonic()
        with progress.counter(f"memory: worker {label}", produced) as counter:
            while watcher.committed < produced:
                child.check()
                counter.set(watcher.committed)
                if time.monotonic() - began > max(300.0, len(rows) / 200):
                    raise TimeoutError(f"memory run: {label} not processed in time")
                await asyncio.sleep(0.2)
        stats = await worker_stats(port)
        waited = time.monotonic()
        # expiry runs every EXPIRY_INTERVAL: give it a few ticks to reach the expected count
        while time.monotonic() - waited < 30:
            stats = await worker_stats(port)
            if stats is not None and stats.get("threads", -1) <= live_threads:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2 * EXPIRY_INTERVAL)
        stats = await worker_stats(port) or {}
        return MemoryRound(generation=label, comments_total=produced,
                           threads_in_table=stats.get("threads"),
                           expired_total=stats.get("expired"), rss_bytes=child.rss())

    try:
        warm = dataset.build(200, 20, seed=21, prefix="g0-", expect_alerts=False,
                             start=start_of(0))
        baseline = await feed(warm.rows, "warm-up", warm.threads)
        rss_idle = baseline.rss_bytes
        for g in range(1, generations + 1):
            data = dataset.build(comments, threads, seed=20 + g, prefix=f"g{g}-",
                                 expect_alerts=False, start=start_of(g))
            rounds.append(await feed(data.rows, f"generation {g}", data.threads))
            if g == 1:
                live_threads = data.threads
                disk = dir_bytes(data_dir)
                progress.stage("memory: reading the state changelog for state sizes")
                sizes = await latest_value_sizes(
                    bootstrap, f"{app_id}-threads-changelog", partitions
                )
                state_sizes = {k: v for k, v in sizes.items() if k.startswith(b"g1-")}
                del data
        tail = dataset.build(100, 10, seed=99, prefix=f"g{generations + 1}-",
                             expect_alerts=False, start=start_of(generations + 1))
        final = await feed(tail.rows, "all expired", tail.threads)
    finally:
        await watcher.stop()
        child.stop()

    loaded = rounds[0]
    values = sorted(state_sizes.values())
    rss_series = [r.rss_bytes for r in rounds]
    active = loaded.threads_in_table or live_threads
    return Memory(
        store=store,
        comments_per_generation=comments,
        threads_per_generation=threads,
        generations=generations,
        inactivity_seconds=inactivity,
        rss_idle_bytes=rss_idle,
        rss_loaded_bytes=loaded.rss_bytes,
        active_threads=active,
        rss_per_thread_bytes=per_thread(loaded.rss_bytes, rss_idle, active),
        state_threads_read=len(values),
        state_bytes_mean=sum(values) / len(values) if values else None,
        state_bytes_p50=percentile(values, 50),
        state_bytes_p99=percentile(values, 99),
        state_bytes_max=values[-1] if values else None,
        rounds=rounds,
        rss_growth_over_generations=flat_growth(rss_series),
        rss_growth_once_expiring=growth_once_expiring(rss_series),
        rss_all_expired_bytes=final.rss_bytes,
        threads_after_all_expired=final.threads_in_table,
        data_dir_bytes=disk,
    )
