"""Rate-limit repeated log lines, so that a broker outage does not flood the logs.

While a broker is away, aiokafka and Faust log the same connection errors (with tracebacks)
several times a second. `RepeatFilter` lets the first `burst` records of a kind through per
`interval` seconds and drops the rest; the first record let through after a quiet spell says
how many were dropped. A kind is (logger, level, message template), so different problems are
still all reported.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

MAX_KINDS = 1000


class RepeatFilter(logging.Filter):
    def __init__(
        self, interval: float = 30.0, burst: int = 2, *, min_level: int = logging.WARNING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval = interval
        self.burst = burst
        self.min_level = min_level
        self.clock = clock
        self._lock = threading.Lock()
        # kind -> [window start, let through in window, dropped since last let through]
        self._seen: dict[tuple[str, int, str], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.min_level:
            return True
        kind = (record.name, record.levelno, str(record.msg)[:200])
        now = self.clock()
        with self._lock:
            entry = self._seen.get(kind)
            if entry is None:
                if len(self._seen) >= MAX_KINDS:
                    self._seen.clear()
                self._seen[kind] = [now, 1, 0]
                return True
            if now - entry[0] >= self.interval:
                entry[0], entry[1] = now, 0
            if entry[1] < self.burst:
                entry[1] += 1
                dropped = int(entry[2])
                entry[2] = 0
                if dropped:
                    record.msg = f"{record.msg} [{dropped} similar message(s) suppressed]"
                return True
            entry[2] += 1
            return False
