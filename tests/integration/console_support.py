"""A console subprocess (`python -m streams console`) for the end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.service_support import ROOT

READY = "console ready at "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ConsoleProcess:
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""
    _log: object = field(default=None, repr=False)

    def start(self, timeout: float = 60.0) -> ConsoleProcess:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "console"], env=self.env, cwd=ROOT,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)  # type: ignore[arg-type]
        deadline = time.monotonic() + timeout
        while READY not in self.log:
            assert self.proc.poll() is None, f"console exited early:\n{self.log}"
            assert time.monotonic() < deadline, f"console not up in time:\n{self.log}"
            time.sleep(0.1)
        self.url = self.log.split(READY, 1)[1].split()[0].rstrip("/")
        self.wait_ready(deadline)
        return self

    def wait_ready(self, deadline: float) -> None:
        while True:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, f"console not ready in time:\n{self.log}"
            time.sleep(0.2)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        return self.proc.returncode


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def raw_request(url: str, method: str = "GET", data: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request without following redirects: (status, headers, body)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
