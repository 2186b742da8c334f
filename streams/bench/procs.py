"""Child processes of the benchmark (workers, bare Faust, raw consumer): start, watch, stop.

Every child is started in its own session (a terminal's Ctrl-C reaches only us; we stop them)
and, where `setpriv` exists, with a parent-death signal, so that none outlives the benchmark.
Children still running at interpreter exit are stopped by an atexit hook.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from streams.brokers.base import spawn, tail, terminate

_LIVE: set[Child] = set()
_LOCK = threading.Lock()
WEB_TOKEN = uuid.uuid4().hex
"""FLAMEWATCH_WEB_TOKEN of the workers this process starts (their stats page needs it)."""

def rss_bytes(pid: int) -> int | None:
    """Resident set size of process `pid` (VmRSS of /proc/PID/status), or None."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    parts = line.split()
                    return int(parts[1]) * 1024 if parts[2].lower() == "kb" else int(parts[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by process `pid` (from /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


def system_cpu() -> tuple[float | None, float | None]:
    """(CPU seconds all processes have used since boot, seconds some task waited for a CPU
    since boot (PSI "some"; None without /proc/pressure)). Differences over a window give the
    cores busy on the whole machine and the share of time CPUs were contended."""
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


class Child:
    """One child process with its output in a log file."""

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], workdir: Path
    ) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.proc = spawn(argv, cwd=workdir, log_path=self.log_path, env=env)
        with _LOCK:
            _LIVE.add(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss(self) -> int | None:
        return rss_bytes(self.pid) if self.alive() else None

    def cpu(self) -> float | None:
        return cpu_seconds(self.pid) if self.alive() else None

    def check(self) -> None:
        """Raise (with the tail of its log) if the process has exited."""
        code = self.proc.poll()
        if code is not None:
            raise ChildFailed(
                f"{self.name} exited with code {code}; last lines of {self.log_path}:\n"
                f"{tail(self.log_path)}"
            )

    def stop(self, timeout: float = 15.0) -> int:
        try:
            return terminate(self.proc, timeout)
        finally:
            with _LOCK:
                _LIVE.discard(self)


class ChildFailed(RuntimeError):
    pass


def python_argv(*args: str) -> list[str]:
    return [sys.executable, *args]


def clean_env() -> dict[str, str]:
    """This environment without FLAMEWATCH_* worker settings (the broker cache ones stay)."""
    keep = ("FLAMEWATCH_KAFKA_",)
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FLAMEWATCH_") or k.startswith(keep)
    }


def worker_env(
    *,
    broker_url: str,
    app_id: str,
    comments_topic: str,
    alerts_topic: str,
    partitions: int,
    data_dir: Path,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a `python -m streams worker` child for one measured run."""
    env = clean_env()
    env.update(
        {
            "FLAMEWATCH_BROKER": broker_url,
            "FLAMEWATCH_APP_ID": app_id,
            "FLAMEWATCH_COMMENTS_TOPIC": comments_topic,
            "FLAMEWATCH_ALERTS_TOPIC": alerts_topic,
            "FLAMEWATCH_DLQ_TOPIC": f"{app_id}-dlq",
            "FLAMEWATCH_PARTITIONS": str(partitions),
            "FLAMEWATCH_DATA_DIR": str(data_dir),
            "FLAMEWATCH_WEB_ENABLED": "false",
            "FLAMEWATCH_SESSION_TIMEOUT": "10",
            "FLAMEWATCH_HEARTBEAT_INTERVAL": "1",
            "FLAMEWATCH_WEB_TOKEN": WEB_TOKEN,  # the stats page needs it (stats_page.py)
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def start_worker(name: str, env: Mapping[str, str], workdir: Path) -> Child:
    return Child(name, python_argv("-m", "streams", "worker"), env, workdir)


def run_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def running() -> list[str]:
    """Names of the children not stopped yet."""
    with _LOCK:
        return sorted(child.name for child in _LIVE)


def stop_all() -> None:
    with _LOCK:
        live = list(_LIVE)
    for child in live:
        with contextlib.suppress(Exception):
            child.stop(timeout=5.0)


atexit.register(stop_all)
