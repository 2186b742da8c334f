"""Progress on stderr: stage lines, and counters (a tqdm bar on a terminal, a line every few
seconds otherwise, so that logs of long runs show progress too)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import IO, Any


class Counter:
    def __init__(
        self, progress: Progress, desc: str, total: int | None, unit: str
    ) -> None:
        self.progress = progress
        self.desc = desc
        self.total = total
        self.unit = unit
        self.n = 0
        self.extra = ""
        self._bar: Any = None
        self._last_line = time.monotonic()
        if progress.enabled and progress.tty:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=desc, unit=unit, file=progress.stream, leave=False,
                dynamic_ncols=True, unit_scale=True,
            )

    def set(self, n: int, extra: str = "") -> None:
        """Absolute progress `n` (and a short note shown after it)."""
        if self._bar is not None:
            self._bar.update(n - self.n)
            if extra != self.extra:
                self._bar.set_postfix_str(extra, refresh=False)
        elif self.progress.enabled and time.monotonic() - self._last_line >= self.progress.every:
            self._last_line = time.monotonic()
            self.progress.line(f"  {self.desc}: {self._count(n)}{'  ' + extra if extra else ''}")
        self.n = n
        self.extra = extra

    def _count(self, n: int) -> str:
        return f"{n:,}/{self.total:,} {self.unit}" if self.total else f"{n:,} {self.unit}"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Counter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Progress:
    def __init__(
        self, enabled: bool = True, stream: IO[str] | None = None, every: float = 10.0
    ) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every
        self.began = time.monotonic()

    def line(self, text: str) -> None:
        if self.enabled:
            elapsed = int(time.monotonic() - self.began)
            print(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {text}", file=self.stream,
                  flush=True)

    def stage(self, text: str) -> None:
        self.line(text)

    def counter(self, desc: str, total: int | None = None, unit: str = "msg") -> Counter:
        return Counter(self, desc, total, unit)
