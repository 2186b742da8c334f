"""Apache Kafka 4.x in KRaft combined mode (broker + controller), run from its jars.

`KafkaBroker` is one node: a single-node cluster by default, with an optional secured client
listener (`KafkaSecurity`: TLS, SASL PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512, SCRAM users made at
format time), and `kill()` / `restart()` for fault tests (the data survives a restart).
`KafkaCluster` runs several such nodes as one cluster (one controller quorum).

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
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from streams.brokers.base import (
    _LIVE,
    _LIVE_LOCK,
    HOST,
    BrokerError,
    RunningBroker,
    free_port,
    metadata_ok,
    port_open,
    spawn,
    tail,
    terminate,
)

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


SecurityProtocol = Literal["SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
_SAFE_SECRET = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class KafkaSecurity:
    """A secured client listener. Clients connect to it (`bootstrap`); the brokers talk to
    each other, and the readiness probe talks to them, on a plaintext loopback listener.

    TLS (SSL, SASL_SSL): `keystore` is a PKCS#12 file with the broker's key and certificate
    (for 127.0.0.1), `truststore_pem` the CA of client certificates (with
    `client_auth="required"`). SASL: `users` (name → password) get PLAIN and SCRAM credentials.
    """

    protocol: SecurityProtocol
    keystore: Path | None = None
    keystore_password: str | None = None
    truststore_pem: Path | None = None
    client_auth: Literal["none", "requested", "required"] = "none"
    mechanisms: tuple[str, ...] = SASL_MECHANISMS
    users: Mapping[str, str] = field(default_factory=dict)

    @property
    def tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def check(self) -> None:
        if self.tls and (self.keystore is None or self.keystore_password is None):
            raise BrokerError(f"{self.protocol} needs a keystore and its password")
        if self.sasl and not self.users:
            raise BrokerError(f"{self.protocol} needs at least one user")
        for name, password in self.users.items():
            if not (_SAFE_SECRET.match(name) and _SAFE_SECRET.match(password)):
                raise BrokerError("SASL user names and passwords: letters, digits, _ . - only")
        unknown = set(self.mechanisms) - set(SASL_MECHANISMS)
        if unknown:
            raise BrokerError(f"unsupported SASL mechanism(s) {sorted(unknown)}")

    def listener_properties(self, listener: str = "external") -> dict[str, str]:
        props: dict[str, str] = {}
        prefix = f"listener.name.{listener}."
        if self.tls:
            props.update({
                prefix + "ssl.keystore.type": "PKCS12",
                prefix + "ssl.keystore.location": str(self.keystore),
                prefix + "ssl.keystore.password": str(self.keystore_password),
                prefix + "ssl.key.password": str(self.keystore_password),
                prefix + "ssl.client.auth": self.client_auth,
            })
            if self.truststore_pem is not None:
                props[prefix + "ssl.truststore.type"] = "PEM"
                props[prefix + "ssl.truststore.location"] = str(self.truststore_pem)
        if self.sasl:
            props[prefix + "sasl.enabled.mechanisms"] = ",".join(self.mechanisms)
            props["sasl.enabled.mechanisms"] = ",".join(self.mechanisms)
            plain_users = " ".join(f'user_{n}="{p}"' for n, p in self.users.items())
            for mech in self.mechanisms:
                module = (
                    f"org.apache.kafka.common.security.plain.PlainLoginModule required "
                    f"{plain_users};"
                    if mech == "PLAIN"
                    else "org.apache.kafka.common.security.scram.ScramLoginModule required;"
                )
                props[f"{prefix}{mech.lower()}.sasl.jaas.config"] = module
        return props

    def format_arguments(self) -> list[str]:
        """`--add-scram` arguments for kafka-storage format (SCRAM users live in metadata)."""
        args: list[str] = []
        for mech in self.mechanisms:
            if mech.startswith("SCRAM-"):
                for name, password in self.users.items():
                    args += ["--add-scram", f"{mech}=[name={name},password={password}]"]
        return args


def server_properties(
    *,
    host: str,
    port: int,
    controller_port: int,
    log_dir: Path,
    extra: Mapping[str, str] | None = None,
    node_id: int = 1,
    voters: str | None = None,
    internal_port: int | None = None,
    security: KafkaSecurity | None = None,
) -> dict[str, str]:
    """server.properties of a combined broker + controller; `extra` wins.

    Single node by default; `voters` (`1@host:port,2@host:port,...`) makes it one node of a
    cluster. With `security`, clients use a secured EXTERNAL listener on `port` and the
    brokers an INTERNAL plaintext one on `internal_port`.
    """
    if security is None:
        listeners = f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}"
        advertised = f"PLAINTEXT://{host}:{port}"
        inter = "PLAINTEXT"
        protocol_map = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    else:
        if internal_port is None:
            raise BrokerError("a secured listener needs an internal port too")
        listeners = (f"EXTERNAL://{host}:{port},INTERNAL://{host}:{internal_port},"
                     f"CONTROLLER://{host}:{controller_port}")
        advertised = f"EXTERNAL://{host}:{port},INTERNAL://{host}:{internal_port}"
        inter = "INTERNAL"
        protocol_map = (f"EXTERNAL:{security.protocol},INTERNAL:PLAINTEXT,"
                        "CONTROLLER:PLAINTEXT")
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "listeners": listeners,
        "advertised.listeners": advertised,
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": inter,
        "listener.security.protocol.map": protocol_map,
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
    if voters is None:
        props["controller.quorum.bootstrap.servers"] = f"{host}:{controller_port}"
    else:
        props["controller.quorum.voters"] = voters
        count = str(min(3, voters.count("@")))
        props.update({
            "offsets.topic.replication.factor": count,
            "transaction.state.log.replication.factor": count,
            "share.coordinator.state.topic.replication.factor": count,
            "default.replication.factor": count,
            "min.insync.replicas": str(max(1, int(count) - 1)),
            "transaction.state.log.min.isr": str(max(1, int(count) - 1)),
            "share.coordinator.state.topic.min.isr": str(max(1, int(count) - 1)),
        })
    if security is not None:
        props.update(security.listener_properties())
    props.update(extra or {})
    return props


class KafkaBroker(RunningBroker):
    """One Apache Kafka node in KRaft combined mode on free ports (or the given `port`).

    Alone it is a single-node cluster. Its working directory holds server.properties, the
    data (log.dirs), `broker.log` (log4j, WARN and up) and `stdout.log`; all is deleted on
    stop(). `kill()` and `restart()` stop and start the process with its data kept.
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
        security: KafkaSecurity | None = None,
        node_id: int = 1,
        controller_port: int | None = None,
        cluster_id: str | None = None,
        voters: str | None = None,
    ) -> None:
        super().__init__(host=host, port=port)
        self.version = kafka_version(version)
        self.properties = dict(properties or {})
        self.cache_dir = cache_dir
        self.security = security
        if security is not None:
            security.check()
        self.node_id = node_id
        self.controller_port = controller_port or 0
        self._fixed_controller = controller_port is not None
        self.cluster_id = cluster_id
        self.voters = voters
        self.internal_port = 0
        self._argv: list[str] = []

    @property
    def probe_bootstrap(self) -> str:
        """A plaintext address of this node (the internal listener when secured)."""
        if self.security is not None:
            return f"{self.host}:{self.internal_port}"
        return self.bootstrap

    @property
    def url(self) -> str:
        """`kafka://host:port`, or `kafka+ssl://host:port` for a TLS listener."""
        scheme = "kafka+ssl" if self.security is not None and self.security.tls else "kafka"
        return f"{scheme}://{self.bootstrap}"

    def log_files(self) -> list[Path]:
        if self.workdir is None:
            return []
        return [self.workdir / "broker.log", self.workdir / "stdout.log"]

    def _probe(self) -> bool:
        host, _, port = self.probe_bootstrap.rpartition(":")
        return port_open(host, int(port)) and metadata_ok(self.probe_bootstrap, timeout=2.0)

    def _launch(self, workdir: Path) -> subprocess.Popen[bytes]:
        libs = fetch_kafka(self.version, cache_dir=self.cache_dir)
        java = java_binary()
        taken: set[int] = set()

        def pick(current: int, fixed: bool) -> int:
            port = current if fixed else free_port(self.host)
            while port in taken:
                port = free_port(self.host)
            taken.add(port)
            return port

        self.port = pick(self.port, self._fixed_port)
        self.controller_port = pick(self.controller_port, self._fixed_controller)
        if self.security is not None:
            self.internal_port = pick(0, False)
        props = server_properties(
            host=self.host,
            port=self.port,
            controller_port=self.controller_port,
            log_dir=workdir / "data",
            extra=self.properties,
            node_id=self.node_id,
            voters=self.voters,
            internal_port=self.internal_port or None,
            security=self.security,
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
            *jvm, "kafka.tools.StorageTool", "format",
            "-t", self.cluster_id or new_cluster_id(), "-c", str(config),
        ]  # fmt: skip
        if self.voters is None:
            fmt.append("--standalone")
        if self.security is not None:
            fmt += self.security.format_arguments()
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
        self._argv = [jvm[0], *JVM_HEAP, *jvm[1:], "kafka.Kafka", str(config)]
        return spawn(self._argv, cwd=workdir, log_path=workdir / "stdout.log")

    # -- faults ------------------------------------------------------------------------------
    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30.0) -> None:
        """Stop the process (SIGKILL by default: no clean shutdown), keeping its data."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        if sig == signal.SIGTERM:
            terminate(proc, timeout)
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        proc.wait(timeout)

    def restart(self, timeout: float | None = None) -> Self:
        """Start the process again on the same ports and data (after kill())."""
        if self.workdir is None or not self._argv:
            raise BrokerError("restart() needs a broker that was started and killed")
        if self._proc is not None and self._proc.poll() is None:
            return self
        self._proc = spawn(self._argv, cwd=self.workdir, log_path=self.workdir / "stdout.log")
        deadline = time.monotonic() + (self.default_start_timeout if timeout is None else timeout)
        self._wait_ready(deadline)
        return self


class KafkaCluster:
    """`nodes` Apache Kafka nodes (each broker + controller) forming one cluster on 127.0.0.1.

    Internal topics and new topics default to replication factor min(3, nodes) with
    min.insync.replicas one less, so a cluster of three keeps accepting acks=all writes with
    one node down. `kill(i)` / `restart(i)` take node i down and back (data kept).
    """

    def __init__(
        self,
        nodes: int = 3,
        *,
        version: str | None = None,
        properties: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        if nodes < 1:
            raise ValueError("a cluster needs at least one node")
        self.size = nodes
        self.version = version
        self.properties = dict(properties or {})
        self.cache_dir = cache_dir
        self.nodes: list[KafkaBroker] = []

    @property
    def bootstrap(self) -> str:
        return ",".join(n.bootstrap for n in self.nodes)

    @property
    def url(self) -> str:
        """FLAMEWATCH_BROKER for all nodes: `kafka://a;kafka://b;...`."""
        return ";".join(n.url for n in self.nodes)

    def start(self, timeout: float = 120.0) -> Self:
        ports = _distinct_free_ports(2 * self.size)
        voters = ",".join(
            f"{i + 1}@{HOST}:{ports[self.size + i]}" for i in range(self.size)
        )
        cluster_id = new_cluster_id()
        self.nodes = [
            KafkaBroker(
                version=self.version, port=ports[i], controller_port=ports[self.size + i],
                properties=self.properties, cache_dir=self.cache_dir, node_id=i + 1,
                cluster_id=cluster_id, voters=voters,
            )
            for i in range(self.size)
        ]
        began = time.monotonic()
        try:
            for node in self.nodes:  # all processes first: none is ready without a quorum
                node.workdir = Path(tempfile.mkdtemp(prefix=f"flamewatch-kafka{node.node_id}-"))
                node._proc = node._launch(node.workdir)
                with _LIVE_LOCK:
                    _LIVE.add(node)
            for node in self.nodes:
                node._wait_ready(began + timeout)
            self._wait_for_brokers(began + timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_brokers(self, deadline: float) -> None:
        from streams.brokers.base import run_blocking

        async def count() -> int:
            from aiokafka.client import AIOKafkaClient

            client = AIOKafkaClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
            try:
                await client.bootstrap()
                return len(client.cluster.brokers())
            except Exception:
                return 0
            finally:
                await client.close()

        while run_blocking(count) < self.size:
            if time.monotonic() > deadline:
                raise BrokerError(f"the cluster did not report {self.size} brokers in time")
            time.sleep(0.3)

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        self.nodes[index].kill(sig)

    def restart(self, index: int) -> None:
        self.nodes[index].restart()

    def stop(self) -> None:
        threads = [threading.Thread(target=n.stop) for n in self.nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _distinct_free_ports(count: int) -> Sequence[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port(HOST)
        if port not in ports:
            ports.append(port)
    return ports
