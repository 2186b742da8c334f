"""Soak: one worker fed at a steady rate for a long time while its threads keep expiring;
its RSS is printed over time (memory must stay flat, issue 9 finding 4).

    flamewatch bench --only soak [--soak-seconds 480 --soak-rate 300]
    python -m bench.soak [SECONDS] [RATE]        (starts its own Apache Kafka)

The comments come in waves of `wave_seconds`; each wave is a fresh set of threads whose event
time starts after the previous wave's threads have been idle for longer than
FLAMEWATCH_INACTIVITY_SECONDS, so the expiry timer (1 s) deletes the previous wave while the
next is processed: the number of live threads stays about one wave, and so should memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import dataset
from bench.progress import Progress
from bench.stats_page import worker_stats
from bench.worker import fresh_worker
from streams.harness import produce_paced

EXPIRY_INTERVAL = 1.0


def growth(series: list[tuple[float, int | None]], skip_fraction: float = 0.25) -> float | None:
    """Relative RSS growth from the end of the warm-up (first quarter) to the end."""
    values = [rss for _, rss in series if rss]
    if len(values) < 4:
        return None
    start = values[int(len(values) * skip_fraction)]
    return (values[-1] - start) / start


async def measure(
    *,
    broker_url: str,
    bootstrap: str,
    partitions: int,
    seconds: float,
    rate: float,
    threads_per_wave: int,
    wave_seconds: float,
    workdir: Path,
    progress: Progress,
    sample_every: float = 10.0,
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    per_wave = max(1, int(rate * wave_seconds))
    waves = max(2, int(seconds / wave_seconds))
    span = dataset.event_span_seconds(per_wave)
    inactivity = span + 60.0
    gap = span + inactivity + 120.0
    fresh = await fresh_worker(
        "bench-soak", broker_url=broker_url, bootstrap=bootstrap, partitions=partitions,
        workdir=workdir,
        extra_env={
            **(extra_env or {}),
            "FLAMEWATCH_INACTIVITY_SECONDS": f"{inactivity:.0f}",
            "FLAMEWATCH_EXPIRY_INTERVAL": str(EXPIRY_INTERVAL),
        },
    )
    app_id, topic, child, port = fresh.app_id, fresh.topic, fresh.child, fresh.port
    series: list[tuple[float, int | None]] = []
    samples: list[dict[str, Any]] = []
    began = time.monotonic()
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            child.check()
            stats = await worker_stats(port) or {}
            elapsed = time.monotonic() - began
            rss = child.rss()
            series.append((elapsed, rss))
            row = {"t": round(elapsed, 1), "rss_bytes": rss, "threads": stats.get("threads"),
                   "processed": stats.get("processed"), "expired": stats.get("expired")}
            samples.append(row)
            progress.stage(
                f"soak t={elapsed:5.0f}s rss={(rss or 0) / 2**20:6.1f} MB "
                f"threads={row['threads']} processed={row['processed']} "
                f"expired={row['expired']}"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), sample_every)

    sampler = asyncio.create_task(sample())
    try:
        for wave in range(waves):
            data = dataset.build(per_wave, threads_per_wave, seed=100 + wave,
                                 prefix=f"w{wave}-", expect_alerts=False,
                                 start=dataset.T0 + timedelta(seconds=wave * gap))
            ids = [f"{wave}-{i}" for i in range(len(data.rows))]
            await produce_paced(bootstrap, topic, data.rows, ids, rate)
        await asyncio.sleep(2 * EXPIRY_INTERVAL + sample_every)
    finally:
        done.set()
        await sampler
        child.stop()
    return {
        "seconds": seconds,
        "rate": rate,
        "waves": waves,
        "comments": waves * per_wave,
        "threads_per_wave": threads_per_wave,
        "inactivity_seconds": inactivity,
        "samples": samples,
        "rss_first_bytes": next((r for _, r in series if r), None),
        "rss_last_bytes": next((r for _, r in reversed(series) if r), None),
        "rss_max_bytes": max((r for _, r in series if r), default=None),
        "rss_growth_after_warmup": growth(series),
        "app_id": app_id,
    }


def main(argv: list[str] | None = None) -> int:
    import tempfile

    from streams.brokers import start_broker

    args = list(sys.argv[1:] if argv is None else argv)
    seconds = float(args[0]) if args else 120.0
    rate = float(args[1]) if len(args) > 1 else 300.0
    progress = Progress(enabled=True)
    with tempfile.TemporaryDirectory(prefix="flamewatch-soak-") as tmp, \
            start_broker("kafka") as broker:
        result = asyncio.run(measure(
            broker_url=broker.url, bootstrap=broker.bootstrap, partitions=4, seconds=seconds,
            rate=rate, threads_per_wave=300, wave_seconds=10.0, workdir=Path(tmp),
            progress=progress,
        ))
    print(render(result))
    return 0


def render(result: dict[str, Any]) -> str:
    lines = [f"soak: {result['comments']:,} comments at {result['rate']:.0f}/s in "
             f"{result['waves']} waves of {result['threads_per_wave']} threads (each wave "
             "expires the previous one)", "      t     RSS   threads   processed   expired"]
    for row in result["samples"]:
        lines.append(f"  {row['t']:5.0f}s {(row['rss_bytes'] or 0) / 2**20:6.1f} MB "
                     f"{row['threads'] or 0:>8} {row['processed'] or 0:>11} "
                     f"{row['expired'] or 0:>9}")
    g = result.get("rss_growth_after_warmup")
    if g is not None:
        lines.append(f"  RSS growth after the warm-up quarter: {g * 100:+.1f}%")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
