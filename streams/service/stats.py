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
    repaired_states: int = 0
    """Stored thread states that held future dates (written before the future check)."""
    flushes: int = 0
    """Bulk writes of changed thread states to the changelog."""
    changelog_records: int = 0
    """Thread states (and tombstones) written to the changelog."""
    changelog_batches: int = 0
    """Record batches those took (a few per partition per flush)."""
    refetches: int = 0
    """Times a partition was fetched again because records came out of order (sequence.py)."""
    watermark: float = 0.0
    """Expiry watermark (epoch seconds) over this worker's partitions, at the last expiry run
    (per partition in `watermarks`)."""
    watermarks: dict[int, float | None] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    batch_started: float | None = None
    """time.monotonic() when the batch in hand was taken (None between batches)."""
    last_batch_done: float = field(default_factory=time.monotonic)
    """time.monotonic() when the last batch finished (start-up time before the first)."""

    def snapshot(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("batch_started", "last_batch_done"):
            del data[name]
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
