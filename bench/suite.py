"""The whole benchmark in one run (`flamewatch bench`): one broker, one pre-produced topic for
the throughput measurements (raw consumer, bare Faust, the worker, two workers), then latency
(several runs), the encoder stage on its own (bench/encoder_stage.py), memory (per table store)
and the core alone.

Every child process (workers, bare Faust, raw consumer) and the broker are stopped at the end,
also on Ctrl-C or failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.util
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import bare_faust, dataset, latency, memory, raw_consume, worker
from bench.progress import Progress
from bench.results import Results, ThroughputTopic
from bench.sizes import DEFAULT, FULL, QUICK, SECTIONS, Sizes
from bench.system import loadavg, machine_info, source_version
from bench.worker import BENCH_WORKER_ENV
from streams.harness import create_topics, end_offsets, produce, run_id, stop_all

__all__ = ["DEFAULT", "FULL", "QUICK", "SECTIONS", "BrokerChoice", "Sizes", "run"]


@dataclass(frozen=True)
class BrokerChoice:
    kind: str
    """"kafka" or "tansu" (started here) or "existing" (FLAMEWATCH_BROKER)."""
    url: str | None = None


@contextlib.contextmanager
def running_broker(choice: BrokerChoice, progress: Progress) -> Iterator[dict[str, Any]]:
    """Yield {kind, version, url, bootstrap}; a broker started here is stopped on exit."""
    if choice.kind == "existing":
        from streams.service.settings import load_settings

        settings = load_settings({"FLAMEWATCH_BROKER": choice.url or ""})
        yield {"kind": "existing", "version": None, "url": settings.broker,
               "bootstrap": settings.bootstrap_servers}
        return
    from streams.brokers import start_broker
    from streams.brokers.kafka import kafka_version

    progress.stage(f"starting a {choice.kind} broker ...")
    with start_broker(choice.kind) as broker:  # type: ignore[arg-type]
        progress.stage(f"{choice.kind} broker ready at {broker.url} in "
                       f"{broker.started_in or 0:.1f}s")
        yield {
            "kind": choice.kind,
            "version": kafka_version() if choice.kind == "kafka" else None,
            "url": broker.url,
            "bootstrap": broker.bootstrap,
            "pid": broker.pid,
        }


async def _broker_sections(
    results: Results,
    broker: dict[str, Any],
    sizes: Sizes,
    sections: set[str],
    workdir: Path,
    progress: Progress,
    worker_env: Mapping[str, str],
) -> None:
    url, bootstrap, parts = broker["url"], broker["bootstrap"], sizes.partitions
    common: dict[str, Any] = {"broker_url": url, "bootstrap": bootstrap, "partitions": parts,
                              "workdir": workdir, "progress": progress,
                              "broker_pid": broker.get("pid")}
    if {"raw", "bare", "flamewatch", "scaleout"} & sections:
        progress.stage(f"building {sizes.comments:,} synthetic comments over "
                       f"{sizes.threads:,} threads (and their alerts, offline core) ...")
        data = dataset.build(sizes.comments, sizes.threads)
        topic = run_id("bench-comments")
        await create_topics(bootstrap, {topic: parts})
        with progress.counter("producing the throughput topic", len(data)) as counter:
            began = time.monotonic()
            await produce(bootstrap, topic, data.rows, on_progress=counter.set)
            produce_s = time.monotonic() - began
        total = sum((await end_offsets(bootstrap, topic, parts)).values())
        results.topic = ThroughputTopic(
            topic=topic, comments=total, threads=data.threads, partitions=parts,
            expected_alerts=data.expected_alerts or 0, value_bytes=data.value_bytes,
            produce_per_s=total / produce_s if produce_s > 0 else None,
        )
        expected = data.alert_ids
        del data
        drain = {**common, "topic": topic, "total": total}
        if "raw" in sections:
            progress.stage("raw_consume: plain aiokafka consumer group + orjson decode")
            results.raw_consume = await raw_consume.measure(**drain)
        if "bare" in sections:
            progress.stage("bare_faust: a Faust agent that only iterates the topic")
            results.bare_faust = await bare_faust.measure(**drain)
        if {"flamewatch", "scaleout"} & sections:
            progress.stage("flamewatch: one worker (python -m streams worker)")
            results.flamewatch = await worker.measure(
                expected_alert_ids=expected, extra_env=worker_env, **drain)
        if "scaleout" in sections:
            progress.stage(f"scale-out: two workers on the {parts}-partition topic")
            results.two_workers = await worker.measure(
                expected_alert_ids=expected, workers=2, label="flamewatch x2",
                extra_env=worker_env, **drain)
    if "latency" in sections:
        progress.stage(f"latency: one worker, paced producer at {sizes.latency_rate:,.0f}/s "
                       f"for {sizes.latency_seconds:.0f}s, {sizes.latency_runs} run(s)")
        results.latency = await latency.measure(
            rate=sizes.latency_rate, seconds=sizes.latency_seconds,
            threads=sizes.latency_threads, runs=sizes.latency_runs, extra_env=worker_env,
            **common,
        )
    if "soak" in sections:
        from bench import soak

        progress.stage(f"soak: one worker at {sizes.soak_rate:,.0f}/s for "
                       f"{sizes.soak_seconds:.0f}s, threads expiring; RSS over time")
        results.soak = await soak.measure(
            seconds=sizes.soak_seconds, rate=sizes.soak_rate,
            threads_per_wave=sizes.soak_threads, wave_seconds=10.0, extra_env=worker_env,
            **{k: v for k, v in common.items() if k != "broker_pid"},
        )
    if "encoder" in sections:
        from bench import encoder_stage

        progress.stage("encoder: the encoder stage on its own (share, saturated drains, paced "
                       "end to end)")
        results.encoder = await encoder_stage.measure(
            requests=sizes.encoder_requests, rate=sizes.encoder_rate,
            seconds=sizes.encoder_seconds, synthetic=sizes.encoder_synthetic,
            extra_env=worker_env, **common,
        )
    stores = [("memory", "memory://"), ("memory_rocksdb", "rocksdb://")]
    for section, store in stores:
        if section not in sections:
            continue
        if store == "rocksdb://" and importlib.util.find_spec("rocksdict") is None:
            progress.stage("memory_rocksdb: skipped (pip install 'flamewatch[rocksdb]')")
            continue
        progress.stage(f"memory ({store}): {sizes.memory_comments:,} comments over "
                       f"{sizes.memory_threads:,} threads x {sizes.memory_generations} "
                       f"generation(s), then expiry")
        results.memory.append(await memory.measure(
            comments=sizes.memory_comments, threads=sizes.memory_threads,
            generations=sizes.memory_generations, store=store, extra_env=worker_env,
            **{k: v for k, v in common.items() if k != "broker_pid"},
        ))


def run(
    sizes: Sizes,
    *,
    broker: BrokerChoice,
    sections: set[str] | None = None,
    progress: Progress | None = None,
    label: str = "default",
    keep_workdir: bool = False,
    worker_env: Mapping[str, str] | None = None,
) -> Results:
    """Run the selected sections and return the results (with the ratios)."""
    progress = progress or Progress()
    chosen = set(SECTIONS) if sections is None else set(sections)
    unknown = chosen - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown section(s) {sorted(unknown)}; expected {SECTIONS}")
    began = time.monotonic()
    results = Results(meta={
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "preset": label,
        "sizes": dataclasses.asdict(sizes),
        "sections": [s for s in SECTIONS if s in chosen],
        "loadavg_at_start": loadavg(),
        "source": source_version(),
        "command": " ".join(["flamewatch", *sys.argv[1:]]) if sys.argv else "",
        "worker_overrides": {**BENCH_WORKER_ENV, **dict(worker_env or {})},
        "worker_env": dict(worker_env or {}),
    })
    if "core" in chosen:
        from bench.core import measure as core_measure

        progress.stage(f"core: {sizes.core_comments:,} comments over {sizes.core_threads:,} "
                       f"threads, no broker ...")
        results.core = core_measure(sizes.core_comments, sizes.core_threads)
    if "adversarial" in chosen:
        from bench import adversarial

        progress.stage(f"adversarial: crafted texts up to {sizes.adversarial_chars:,} chars "
                       "through RuleScorer().score_batch, no broker ...")
        results.adversarial = adversarial.measure(max_chars=sizes.adversarial_chars)
    workdir = Path(tempfile.mkdtemp(prefix="flamewatch-bench-"))
    failed = True
    try:
        if chosen - {"core", "adversarial"}:
            with running_broker(broker, progress) as info:
                results.meta["broker"] = {k: v for k, v in info.items() if k != "pid"}
                asyncio.run(_broker_sections(results, info, sizes, chosen, workdir, progress,
                                             dict(worker_env or {})))
        failed = False
    finally:
        stop_all()
        if keep_workdir or failed:
            progress.stage(f"child logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results.add_ratios()
    results.meta["duration_s"] = time.monotonic() - began
    results.meta["loadavg_at_end"] = loadavg()
    return results
