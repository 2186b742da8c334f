"""Forget threads idle for longer than `inactivity_seconds` of EVENT time.

The watermark of a partition is robust (see eventtime.py): the 3rd-newest thread of the
partition, capped at the wall clock plus FLAMEWATCH_MAX_FUTURE_SECONDS, or, once the partition
is caught up, the 3rd-newest thread of all the worker's partitions. Threads come from the
events the agent applied and from the states the table holds (so threads restored from the
changelog expire too, even before any new event arrives). A periodic timer deletes expired
threads from the table (a tombstone on the changelog). Only threads on partitions this worker
actively owns are touched: a standby copy may be stale, and deleting from it could drop state
the owner just updated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

from streams.detect.config import DetectConfig
from streams.service.eventtime import Watermarks
from streams.service.processing import Core
from streams.service.routing import PartitionCache
from streams.service.stats import Stats

log = logging.getLogger("flamewatch.worker")


class Expirer:
    """Keeps `last_ts` per thread (decoding each stored state once) and deletes idle ones."""

    def __init__(
        self,
        config: DetectConfig,
        core: Core,
        stats: Stats,
        partitions: int,
        watermarks: Watermarks | None = None,
    ) -> None:
        self.config = config
        self.core = core
        self.stats = stats
        self.partition_of = PartitionCache(partitions)
        self.watermarks = watermarks or Watermarks(300.0)
        self._last_ts: dict[bytes, float] = {}
        self._unreadable: set[bytes] = set()

    def observe(self, states: dict[bytes, Any]) -> None:
        """Record the new states of a batch (saves decoding them again later)."""
        for key, state in states.items():
            self._last_ts[key] = state.last_ts

    def run(
        self,
        table: MutableMapping[bytes, bytes],
        owned: Callable[[int], bool],
        caught_up: Callable[[int], bool] = lambda partition: True,
    ) -> list[bytes]:
        """One pass: delete expired threads of owned partitions; returns their keys.

        Synchronous on purpose; the caller holds the lock the agent's batches take.
        """
        known = self._last_ts
        partition_of = self.partition_of
        keys = [k for k in table if owned(partition_of(k))]
        present = set(keys)
        for stale in [k for k in known if k not in present]:
            del known[stale]
        self._unreadable &= present
        cap = self.watermarks.cap()
        for key in keys:
            if key not in known and key not in self._unreadable:
                ts = self._decode_last_ts(table.get(key), cap)
                if ts is None:
                    self._unreadable.add(key)
                else:
                    known[key] = ts
        self.watermarks.observe_many(partition_of, known.items())
        parts = {partition_of(k) for k in keys} | set(self.watermarks.snapshot())
        parts = {p for p in parts if owned(p)}
        overall = self.watermarks.overall(parts)
        marks = {p: self.watermarks.effective(p, overall, caught_up(p)) for p in parts}
        self.stats.watermarks = {p: marks[p] for p in sorted(marks)}
        if overall is not None:
            self.stats.watermark = max(self.stats.watermark, overall)
        inactivity = self.config.inactivity_seconds
        expired: list[bytes] = []
        for key, ts in list(known.items()):
            watermark = marks.get(partition_of(key))
            if watermark is None or ts > watermark - inactivity:
                continue
            raw = table.get(key)
            if raw is None:
                continue
            try:
                state = self._repaired(self.core.decode_state(raw), cap)
                if not self.core.is_expired(state, watermark, self.config):
                    continue
            except Exception:
                log.exception("cannot check expiry of thread %r; leaving it", key)
                continue
            del table[key]
            del known[key]
            expired.append(key)
        if expired:
            self.stats.expired += len(expired)
            shown = {p: round(w) for p, w in marks.items() if w is not None}
            log.info("expired %d idle thread(s) (watermarks %s)", len(expired), shown)
        return expired

    def _repaired(self, state: Any, cap: float) -> Any:
        repair = self.core.repair
        fixed = repair(state, cap) if repair is not None else None
        return fixed if fixed is not None else state

    def _decode_last_ts(self, raw: bytes | None, cap: float) -> float | None:
        if raw is None:
            return None
        try:
            return float(self._repaired(self.core.decode_state(raw), cap).last_ts)
        except Exception:
            log.exception("unreadable stored state; not expiring it")
            return None
