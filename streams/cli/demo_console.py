"""The console part of `flamewatch demo`: a console subprocess with a one-time login."""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path

from streams.cli.console import READY_LINE

DEFAULT_PORT = 6067


def pick_port(wanted: str | None) -> int:
    """FLAMEWATCH_CONSOLE_PORT if set, else 6067 when free, else any free port."""
    if wanted:
        return int(wanted)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", DEFAULT_PORT))
            return DEFAULT_PORT
        except OSError:
            pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def console_env(base: dict[str, str], tmp: Path, app_id: str) -> tuple[dict[str, str], str, str]:
    """(environment, token, one-time secret) for a demo console on the demo's topics."""
    token = secrets.token_urlsafe(18)
    once = secrets.token_urlsafe(18)
    env = {
        **base,
        "FLAMEWATCH_CONSOLE_TOKEN": token,
        "FLAMEWATCH_CONSOLE_LOGIN_ONCE": once,
        "FLAMEWATCH_CONSOLE_DB": str(tmp / "console.sqlite3"),
        "FLAMEWATCH_CONSOLE_PORT": str(pick_port(os.environ.get("FLAMEWATCH_CONSOLE_PORT"))),
        "FLAMEWATCH_CONSOLE_GROUP": f"{app_id}-console",
        "FLAMEWATCH_CONSOLE_FEEDBACK_TOPIC": f"{app_id}-feedback",
    }
    return env, token, once


def wait_for_url(log_text: Callable[[], str], alive: Callable[[], bool], deadline: float) -> str:
    while READY_LINE not in log_text():
        if not alive():
            raise RuntimeError("the console exited early:\n" + log_text()[-2000:])
        if time.monotonic() > deadline:
            raise TimeoutError("the console did not start in time:\n" + log_text()[-2000:])
        time.sleep(0.1)
    return str(log_text().split(READY_LINE, 1)[1].split()[0])
