"""Process plumbing shared by the broker launchers: free ports, readiness, a clean stop."""

from __future__ import annotations

import abc
import asyncio
import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, Self, TypeVar

BrokerKind = Literal["kafka", "tansu"]
BROKER_KINDS: tuple[BrokerKind, ...] = ("kafka", "tansu")
HOST = "127.0.0.1"

T = TypeVar("T")

_LIVE: set[RunningBroker] = set()
_LIVE_LOCK = threading.Lock()


class BrokerError(RuntimeError):
    """A broker could not be prepared, started or stopped."""


class _PortClash(BrokerError):
    """The broker lost a race for the free port it was given; worth one more try."""


def free_port(host: str = HOST) -> int:
    """A port that was free a moment ago (bind port 0, read what the kernel chose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PORT_TAKEN = ("address already in use", "address in use", "addrinuse", "bindexception")


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a text file, without colour codes ('' when it is missing)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(_ANSI.sub("", line) for line in text.splitlines()[-lines:])


def run_blocking(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when this thread has a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["result"] = asyncio.run(factory())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=worker, name="flamewatch-broker-probe", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    result: T = box["result"]
    return result


async def _metadata_ok(bootstrap: str, timeout: float) -> bool:
    from aiokafka.client import AIOKafkaClient

    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=int(timeout * 1000),
        metadata_max_age_ms=60_000,
    )
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return bool(client.cluster.brokers())
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()


def metadata_ok(bootstrap: str, timeout: float = 5.0) -> bool:
    """True when a Kafka metadata request to `bootstrap` answers with at least one broker."""
    return run_blocking(lambda: _metadata_ok(bootstrap, timeout))


def spawn(
    argv: Sequence[str], *, cwd: Path, log_path: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a broker process with its output in `log_path`, in its own session.

    Its own session keeps a terminal's Ctrl-C away from it (we stop it ourselves). From the
    main thread it is also started under `setpriv --pdeathsig TERM` when available, so that it
    goes away with us even if we are killed without a chance to clean up.
    """
    cmd = list(argv)
    setpriv = shutil.which("setpriv")
    if setpriv and threading.current_thread() is threading.main_thread():
        cmd = [setpriv, "--pdeathsig", "TERM", "--", *cmd]
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            cmd,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def terminate(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    """SIGTERM, wait up to `timeout` seconds, then SIGKILL. Returns the exit code."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(10)
    return int(proc.returncode)


class RunningBroker(abc.ABC):
    """A Kafka-protocol broker run as a child process on 127.0.0.1.

    `start()` launches it and returns once it answers a metadata request; `stop()` (or leaving
    the `with` block) stops it and deletes its working directory. Brokers still running when
    the interpreter exits are stopped by an atexit hook.
    """

    kind: ClassVar[BrokerKind]
    default_start_timeout: ClassVar[float] = 60.0
    stop_timeout: ClassVar[float] = 20.0

    def __init__(self, *, host: str = HOST, port: int | None = None) -> None:
        self.host = host
        self.port = port or 0
        self._fixed_port = port is not None
        self.workdir: Path | None = None
        self.started_in: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # -- addresses -------------------------------------------------------------------------
    @property
    def bootstrap(self) -> str:
        """`host:port`, for aiokafka's `bootstrap_servers`."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """`kafka://host:port`, for faust's `broker` setting and FLAMEWATCH_BROKER."""
        return f"kafka://{self.bootstrap}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- what a kind provides --------------------------------------------------------------
    @abc.abstractmethod
    def _launch(self, workdir: Path) -> subprocess.Popen[bytes]:
        """Prepare `workdir`, pick ports (self.port) and start the process."""

    @abc.abstractmethod
    def log_files(self) -> list[Path]:
        """Files worth showing when startup fails, most useful first."""

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout: float | None = None) -> Self:
        """Start the broker and wait until it answers; a no-op when already started."""
        if self._proc is not None:
            return self
        timeout = self.default_start_timeout if timeout is None else timeout
        attempts = 1 if self._fixed_port else 3
        began = time.monotonic()
        for attempt in range(1, attempts + 1):
            self.workdir = Path(tempfile.mkdtemp(prefix=f"flamewatch-{self.kind}-"))
            try:
                self._proc = self._launch(self.workdir)
                with _LIVE_LOCK:
                    _LIVE.add(self)
                self._wait_ready(began + timeout)
            except _PortClash:
                self.stop()
                if attempt == attempts:
                    raise
                continue
            except BaseException:
                self.stop()
                raise
            self.started_in = time.monotonic() - began
            return self
        raise AssertionError("unreachable")

    def _wait_ready(self, deadline: float) -> None:
        assert self._proc is not None
        while True:
            code = self._proc.poll()
            if code is not None:
                self._fail(f"exited with code {code} during startup")
            if self._probe():
                return
            if time.monotonic() > deadline:
                self._fail(f"did not answer a metadata request on {self.bootstrap} in time")
            time.sleep(0.1)

    def _probe(self) -> bool:
        """True once the broker answers (overridden for brokers with secured listeners)."""
        return port_open(self.host, self.port) and metadata_ok(self.bootstrap, timeout=2.0)

    def _fail(self, what: str) -> None:
        parts = [f"{self.kind} broker on {self.bootstrap} {what}."]
        clash = False
        for path in self.log_files():
            text = tail(path)
            if text:
                clash = clash or any(word in text.lower() for word in _PORT_TAKEN)
                parts.append(f"--- last lines of {path.name} ---\n{text}")
        message = "\n".join(parts)
        if clash and not self._fixed_port:
            raise _PortClash(message)
        raise BrokerError(message)

    def stop(self, timeout: float | None = None) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL) and delete the working directory.

        Returns the exit code, or None when there was no process. Safe to call twice.
        """
        code: int | None = None
        proc, self._proc = self._proc, None
        if proc is not None:
            code = terminate(proc, self.stop_timeout if timeout is None else timeout)
        with _LIVE_LOCK:
            _LIVE.discard(self)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        return code

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"<{type(self).__name__} {self.url} {state}>"


def clean_env(drop: Sequence[str] = ()) -> dict[str, str]:
    """The current environment without `drop` (variables a broker would read as settings)."""
    return {k: v for k, v in os.environ.items() if k not in drop}


@atexit.register
def _stop_all() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for broker in live:
        with contextlib.suppress(Exception):
            broker.stop(timeout=10.0)
