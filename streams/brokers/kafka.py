"""Apache Kafka 4.x, single-node KRaft (combined broker + controller), run from its jars.

The jars come from Maven Central through `mvn dependency:copy-dependencies` on the small pom
in `kafka/pom.xml` and are cached in `$FLAMEWATCH_KAFKA_CACHE/kafka-<version>/libs` (default
`~/.cache/flamewatch`). Java 17+ and Maven are needed; a cache hit needs only Java.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

from streams.brokers.base import HOST, BrokerError, RunningBroker, free_port, spawn, tail

DEFAULT_KAFKA_VERSION = "4.3.1"
"""Newest patch release of the newest 4.x line before 4.4.0; runs on Java 17."""

_HERE = Path(__file__).resolve().parent / "kafka"
POM = _HERE / "pom.xml"
LOG4J2_CONFIG = _HERE / "log4j2.xml"
_STAMP = ".flamewatch-stamp"

JVM_HEAP = ("-Xms256m", "-Xmx512m")


def kafka_version(version: str | None = None) -> str:
    """`version`, else $FLAMEWATCH_KAFKA_VERSION, else DEFAULT_KAFKA_VERSION."""
    return version or os.environ.get("FLAMEWATCH_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION


def cache_root() -> Path:
    """$FLAMEWATCH_KAFKA_CACHE, else $XDG_CACHE_HOME/flamewatch, else ~/.cache/flamewatch."""
    if env := os.environ.get("FLAMEWATCH_KAFKA_CACHE"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flamewatch"


def libs_dir(version: str | None = None, cache_dir: Path | None = None) -> Path:
    return (cache_dir or cache_root()) / f"kafka-{kafka_version(version)}" / "libs"


def _stamp(version: str) -> str:
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:16]
    return f"kafka={version} pom={digest}\n"


def _is_fresh(libs: Path, version: str) -> bool:
    stamp = libs / _STAMP
    return (
        stamp.is_file()
        and stamp.read_text() == _stamp(version)
        and (libs / f"kafka_2.13-{version}.jar").is_file()
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fetch_kafka(version: str | None = None, *, cache_dir: Path | None = None) -> Path:
    """Make sure the jars of Kafka `version` are cached; return their folder.

    A cache hit runs nothing. A miss runs Maven once (under a file lock, so concurrent
    callers wait for one download) into a temporary folder that is renamed into place.
    """
    version = kafka_version(version)
    libs = libs_dir(version, cache_dir)
    if _is_fresh(libs, version):
        return libs
    with _locked(libs.parent / ".lock"):
        if _is_fresh(libs, version):
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError(
                f"Kafka {version} jars are not cached in {libs} and Maven is not installed "
                "(apt-get install maven)."
            )
        tmp = Path(tempfile.mkdtemp(prefix="libs.", dir=libs.parent))
        try:
            with tempfile.TemporaryDirectory(prefix="flamewatch-mvn-") as build:
                shutil.copy(POM, Path(build) / "pom.xml")
                cmd = [
                    mvn, "-q", "-B", "-f", "pom.xml", "dependency:copy-dependencies",
                    f"-Dkafka.version={version}", f"-DoutputDirectory={tmp}",
                    "-DincludeScope=runtime",
                ]  # fmt: skip
                done = subprocess.run(
                    cmd, cwd=build, capture_output=True, text=True, timeout=900, check=False
                )
            if done.returncode != 0:
                out = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
                raise BrokerError(f"fetching Kafka {version} jars with Maven failed:\n{out}")
            if not (tmp / f"kafka_2.13-{version}.jar").is_file():
                raise BrokerError(f"Maven did not produce kafka_2.13-{version}.jar in {tmp}")
            (tmp / _STAMP).write_text(_stamp(version))
            if libs.exists():
                shutil.rmtree(libs)
            tmp.rename(libs)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return libs


def java_binary() -> str:
    """`$JAVA_HOME/bin/java`, else `java` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(Path(home) / "bin" / "java", os.X_OK):
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise BrokerError(
            "Java 17+ is needed for Kafka 4.x (apt-get install openjdk-17-jre-headless)"
        )
    return found


def new_cluster_id() -> str:
    """A random Kafka cluster id (base64url of a UUID, like `kafka-storage random-uuid`)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def server_properties(
    *,
    host: str,
    port: int,
    controller_port: int,
    log_dir: Path,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """server.properties of a single-node combined broker + controller; `extra` wins."""
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{host}:{controller_port}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "1",
        "auto.create.topics.enable": "true",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "10",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    props.update(extra or {})
    return props


class KafkaBroker(RunningBroker):
    """Single-node Apache Kafka in KRaft combined mode on free ports (or the given `port`).

    Its working directory holds server.properties, the data (log.dirs), `broker.log` (log4j,
    WARN and up) and `stdout.log`; all is deleted on stop().
    """

    kind = "kafka"

    def __init__(
        self,
        *,
        version: str | None = None,
        host: str = HOST,
        port: int | None = None,
        properties: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        super().__init__(host=host, port=port)
        self.version = kafka_version(version)
        self.properties = dict(properties or {})
        self.cache_dir = cache_dir
        self.controller_port = 0

    def log_files(self) -> list[Path]:
        if self.workdir is None:
            return []
        return [self.workdir / "broker.log", self.workdir / "stdout.log"]

    def _launch(self, workdir: Path) -> subprocess.Popen[bytes]:
        libs = fetch_kafka(self.version, cache_dir=self.cache_dir)
        java = java_binary()
        if not self._fixed_port:
            self.port = free_port(self.host)
        self.controller_port = free_port(self.host)
        while self.controller_port == self.port:
            self.controller_port = free_port(self.host)
        props = server_properties(
            host=self.host,
            port=self.port,
            controller_port=self.controller_port,
            log_dir=workdir / "data",
            extra=self.properties,
        )
        config = workdir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        jvm = [
            java,
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            f"-Dflamewatch.broker.log={workdir / 'broker.log'}",
            "-Djava.awt.headless=true",
            "-cp",
            str(libs / "*"),
        ]
        fmt = [
            *jvm, "kafka.tools.StorageTool", "format", "--standalone",
            "-t", new_cluster_id(), "-c", str(config),
        ]  # fmt: skip
        done = subprocess.run(fmt, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            out = (done.stdout + done.stderr).strip()
            hint = ""
            if "UnsupportedClassVersionError" in out:
                hint = f"\n({java} is too old: Kafka 4.x brokers need Java 17 or newer)"
            raise BrokerError(
                f"formatting Kafka storage failed (exit {done.returncode}):\n"
                + "\n".join(out.splitlines()[-30:])
                + hint
                + (f"\n{tail(workdir / 'broker.log')}" if (workdir / "broker.log").exists() else "")
            )
        argv = [jvm[0], *JVM_HEAP, *jvm[1:], "kafka.Kafka", str(config)]
        return spawn(argv, cwd=workdir, log_path=workdir / "stdout.log")
