"""The machine while measuring: CPU used per process and overall, CPU pressure, load, versions.

Other processes on the same cores skew every number, so each measured window records what
the measured process(es), the broker, this process and everything else used.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.results import Cores
from streams.harness import Child, cpu_seconds

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
ROOT = Path(__file__).resolve().parents[1]


def system_cpu() -> tuple[float | None, float | None]:
    """(CPU seconds all processes have used since boot, seconds some task waited for a CPU
    since boot (PSI "some"; None without /proc/pressure))."""
    busy: float | None = None
    stalled: float | None = None
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
        busy = (user + nice + system + irq + softirq + steal) / _TICKS
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/pressure/cpu") as pressure:
            for line in pressure:
                if line.startswith("some"):
                    stalled = int(line.rsplit("total=", 1)[1]) / 1e6
    except (OSError, ValueError, IndexError):
        pass
    return busy, stalled


@dataclass
class CpuSample:
    t: float
    children: list[float | None]
    broker: float | None
    bench: float
    system: float | None = None
    stalled: float | None = None


def cpu_sample(children: Sequence[Child], broker_pid: int | None) -> CpuSample:
    system, stalled = system_cpu()
    return CpuSample(
        time.monotonic(), [child.cpu() for child in children],
        cpu_seconds(broker_pid) if broker_pid else None, time.process_time(), system, stalled,
    )


def cores_used(samples: Sequence[CpuSample], start: float, end: float) -> Cores | None:
    """Average cores used between `start` and `end` (from the samples nearest to both)."""
    if not samples:
        return None
    first = min(samples, key=lambda s: abs(s.t - start))
    last = min(samples, key=lambda s: abs(s.t - end))
    wall = last.t - first.t
    if wall <= 0:
        return None

    def rate(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else (b - a) / wall

    processes = [rate(a, b) for a, b in zip(first.children, last.children, strict=True)]
    broker, bench = rate(first.broker, last.broker), rate(first.bench, last.bench)
    machine = rate(first.system, last.system)
    others = None
    if machine is not None and all(p is not None for p in processes):
        others = max(0.0, machine - sum(p or 0.0 for p in processes) - (broker or 0.0)
                     - (bench or 0.0))
    return Cores(processes, broker, bench, machine, others,
                 rate(first.stalled, last.stalled))


def loadavg() -> list[float] | None:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return None


def source_version() -> dict[str, Any]:
    """The commit measured, and whether the measured sources differ from it."""

    def git(*args: str) -> str:
        try:
            # not strip(): a porcelain status line starts with a space (" M path")
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.rstrip("\n")
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        # a run from an exported snapshot (git archive) names its commit in this variable
        "commit": git("rev-parse", "--short", "HEAD") or os.environ.get("FLAMEWATCH_BENCH_SOURCE"),
        "uncommitted_in": [
            line[3:] for line in git("status", "--porcelain", "--", "streams", "schemas", "bench")
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
    for dist in ("faust-streaming", "aiokafka", "orjson", "pydantic", "rocksdict"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return {
        "host": platform.node(), "cpus": cpus, "cpu_model": model, "memory_bytes": mem_total,
        "python": platform.python_version(), "platform": platform.platform(),
        "packages": versions,
    }


def dir_bytes(path: Path) -> int | None:
    """Total size of the files below `path` (None when it does not exist)."""
    if not path.exists():
        return None
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
