"""The whole benchmark in one run (`flamewatch bench`): one broker, one pre-produced topic for
the throughput measurements, then latency, scale-out, memory and the core alone.

Every child process (workers, bare Faust, raw consumer) and the broker are stopped at the end,
also on Ctrl-C or failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from streams.bench import (
    bare_faust,
    dataset,
    kafka_io,
    latency,
    memory,
    procs,
    raw_consume,
    report,
    worker_throughput,
)
from streams.bench.progress import Progress
from streams.bench.sizes import DEFAULT, FULL, QUICK, SECTIONS, Sizes

__all__ = ["DEFAULT", "FULL", "QUICK", "SECTIONS", "BrokerChoice", "Sizes", "run"]

@dataclass(frozen=True)
class BrokerChoice:
    kind: str
    """"kafka" or "tansu" (started here) or "existing" (FLAMEWATCH_BROKER)."""
    url: str | None = None


def loadavg() -> list[float] | None:
    """1, 5 and 15 minute load averages (other work on the machine skews every number)."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return None


def source_version() -> dict[str, Any]:
    """The commit measured, and whether the worker's sources differ from it."""
    import subprocess

    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    # a run from an exported snapshot (git archive) names its commit in this variable
    return {
        "commit": git("rev-parse", "--short", "HEAD") or os.environ.get("FLAMEWATCH_BENCH_SOURCE"),
        "uncommitted_in": [
            line[3:] for line in git("status", "--porcelain", "--", "streams", "schemas")
            .splitlines() if line[:2].strip() and not line.startswith("??")
        ],
    }


def machine_info() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_total = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 0
    versions = {}
    for dist in ("faust-streaming", "aiokafka", "orjson", "pydantic"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return {
        "host": platform.node(),
        "cpus": cpus,
        "cpu_model": model,
        "memory_bytes": mem_total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


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
    results: dict[str, Any],
    broker: dict[str, Any],
    sizes: Sizes,
    sections: set[str],
    workdir: Path,
    progress: Progress,
    worker_env: Mapping[str, str],
) -> None:
    url, bootstrap, parts = broker["url"], broker["bootstrap"], sizes.partitions
    throughput = {"raw", "bare", "bare_take", "flamewatch", "scaleout"} & sections
    if throughput:
        progress.stage(f"building {sizes.comments:,} synthetic comments over "
                       f"{sizes.threads:,} threads (and their alerts, offline core) ...")
        data = dataset.build(sizes.comments, sizes.threads)
        topic = procs.run_id("bench-comments")
        await kafka_io.create_topics(bootstrap, {topic: parts})
        with progress.counter("producing the throughput topic", len(data)) as counter:
            began = time.monotonic()
            await kafka_io.produce(bootstrap, topic, data.rows, on_progress=counter.set)
            produce_s = time.monotonic() - began
        ends = await kafka_io.end_offsets(bootstrap, topic, parts)
        total = sum(ends.values())
        results["throughput_topic"] = {
            "topic": topic, "comments": total, "threads": data.threads, "partitions": parts,
            "expected_alerts": data.expected_alerts, "value_bytes": data.value_bytes,
            "produce_per_s": total / produce_s if produce_s > 0 else None,
        }
        expected = data.alert_ids
        del data
        common = {"bootstrap": bootstrap, "topic": topic, "total": total, "workdir": workdir,
                  "progress": progress}
        if "raw" in sections:
            progress.stage("raw_consume: plain aiokafka consumer group + orjson decode")
            results["raw_consume"] = await raw_consume.measure(**common)
        common["broker_pid"] = broker.get("pid")
        if "bare" in sections:
            progress.stage("bare_faust: a Faust agent that only iterates the topic")
            results["bare_faust"] = await bare_faust.measure(
                broker_url=url, partitions=parts, **common
            )
        if "bare_take" in sections:
            progress.stage(f"bare_faust: take_events({sizes.take}) batches, nothing else")
            results["bare_faust_take"] = await bare_faust.measure(
                broker_url=url, partitions=parts, take=sizes.take, **common
            )
        if {"flamewatch", "scaleout"} & sections:
            progress.stage("flamewatch: one worker (python -m streams worker)")
            results["flamewatch"] = await worker_throughput.measure(
                broker_url=url, partitions=parts, expected_alert_ids=expected,
                extra_env=worker_env, **common,
            )
        if "scaleout" in sections:
            progress.stage(f"scale-out: two workers on the {parts}-partition topic")
            two = await worker_throughput.measure(
                broker_url=url, partitions=parts, expected_alert_ids=expected, workers=2,
                label="flamewatch x2", extra_env=worker_env, **common,
            )
            results["scaleout"] = {"one": results["flamewatch"], "two": two}
    if "latency" in sections:
        progress.stage(f"latency: one worker, paced producer at {sizes.latency_rate:,.0f}/s "
                       f"for {sizes.latency_seconds:.0f}s")
        results["latency"] = await latency.measure(
            broker_url=url, bootstrap=bootstrap, partitions=parts, rate=sizes.latency_rate,
            seconds=sizes.latency_seconds, threads=sizes.latency_threads, workdir=workdir,
            progress=progress, broker_pid=broker.get("pid"), extra_env=worker_env,
        )
    if "soak" in sections:
        from streams.bench import soak

        progress.stage(f"soak: one worker at {sizes.soak_rate:,.0f}/s for "
                       f"{sizes.soak_seconds:.0f}s, threads expiring; RSS over time")
        results["soak"] = await soak.measure(
            broker_url=url, bootstrap=bootstrap, partitions=parts, seconds=sizes.soak_seconds,
            rate=sizes.soak_rate, threads_per_wave=sizes.soak_threads, wave_seconds=10.0,
            workdir=workdir, progress=progress, extra_env=worker_env,
        )
    if "memory" in sections:
        progress.stage(f"memory: {sizes.memory_comments:,} comments over "
                       f"{sizes.memory_threads:,} threads x {sizes.memory_generations} "
                       f"generation(s), then expiry")
        results["memory"] = await memory.measure(
            broker_url=url, bootstrap=bootstrap, partitions=parts,
            comments=sizes.memory_comments, threads=sizes.memory_threads,
            generations=sizes.memory_generations, workdir=workdir, progress=progress,
            extra_env=worker_env,
        )


def run(
    sizes: Sizes,
    *,
    broker: BrokerChoice,
    sections: set[str] | None = None,
    progress: Progress | None = None,
    label: str = "default",
    keep_workdir: bool = False,
    worker_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run the selected sections and return the results (ratios and targets included)."""
    progress = progress or Progress()
    chosen = set(SECTIONS) if sections is None else set(sections)
    unknown = chosen - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown section(s) {sorted(unknown)}; expected {SECTIONS}")
    began = time.monotonic()
    results: dict[str, Any] = {
        "meta": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "preset": label,
            "sizes": dataclasses.asdict(sizes),
            "sections": [s for s in SECTIONS if s in chosen],
            "loadavg_at_start": loadavg(),
            "source": source_version(),
            "command": " ".join(["flamewatch", *sys.argv[1:]]) if sys.argv else "",
            "worker_overrides": {
                "FLAMEWATCH_SESSION_TIMEOUT": 10,
                "FLAMEWATCH_HEARTBEAT_INTERVAL": 1,
                **dict(worker_env or {}),
            },
            "worker_env": dict(worker_env or {}),
        }
    }
    if "core" in chosen:
        from streams.bench.core import measure as core_measure

        progress.stage(f"core: {sizes.core_comments:,} comments over {sizes.core_threads:,} "
                       f"threads, no broker ...")
        results["core"] = core_measure(sizes.core_comments, sizes.core_threads)
    if "adversarial" in chosen:
        from streams.bench import adversarial

        progress.stage(f"adversarial: crafted texts up to {sizes.adversarial_chars:,} chars "
                       "through RuleScorer().score_batch, no broker ...")
        results["adversarial"] = adversarial.measure(max_chars=sizes.adversarial_chars)
    workdir = Path(tempfile.mkdtemp(prefix="flamewatch-bench-"))
    failed = True
    try:
        if chosen - {"core", "adversarial"}:
            with running_broker(broker, progress) as info:
                results["meta"]["broker"] = {k: v for k, v in info.items() if k != "pid"}
                asyncio.run(_broker_sections(results, info, sizes, chosen, workdir, progress,
                                             dict(worker_env or {})))
        failed = False
    finally:
        procs.stop_all()
        if keep_workdir or failed:
            progress.stage(f"child logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report.add_ratios(results)
    report.evaluate(results)
    results["meta"]["duration_s"] = time.monotonic() - began
    results["meta"]["loadavg_at_end"] = loadavg()
    return results
