"""Counters of one worker process, shown on `/flamewatch/stats/` and in periodic log lines."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Stats:
    processed: int = 0
    """Comments applied to the thread state (duplicates included: the core ignores them)."""
    alerts: int = 0
    dead_lettered: int = 0
    processing_errors: int = 0
    """Events the core raised on (also counted in dead_lettered)."""
    rekeyed: int = 0
    """Comments forwarded to the repartition topic because their key was not the thread id."""
    expired: int = 0
    """Threads removed from the table after inactivity."""
    batches: int = 0
    watermark: float = 0.0
    """Newest event time (epoch seconds) this worker has seen."""
    started_at: float = field(default_factory=time.time)

    def snapshot(self) -> dict[str, Any]:
        data = asdict(self)
        data["uptime_seconds"] = round(time.time() - self.started_at, 1)
        return data

    def line(self) -> str:
        return (
            f"processed={self.processed} alerts={self.alerts} "
            f"dead_lettered={self.dead_lettered} rekeyed={self.rekeyed} "
            f"expired={self.expired} errors={self.processing_errors}"
        )

    def progress_key(self) -> tuple[int, ...]:
        """Changes whenever anything worth logging happened."""
        return (self.processed, self.alerts, self.dead_lettered, self.rekeyed, self.expired)
