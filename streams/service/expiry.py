"""Forget threads idle for longer than `inactivity_seconds` of EVENT time.

The watermark is the newest event time this worker knows of: events it applied, and the
states it holds (so threads restored from the changelog expire too, even before any new event
arrives). A periodic timer deletes expired threads from the table (a tombstone on the
changelog). Only threads on partitions this worker actively owns are touched: a standby copy
may be stale, and deleting from it could drop state the owner just updated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from streams.detect.config import DetectConfig
from streams.service.processing import Core
from streams.service.routing import PartitionCache
from streams.service.stats import Stats

log = logging.getLogger("flamewatch.worker")


class Expirer:
    """Keeps `last_ts` per thread (decoding each stored state once) and deletes idle ones."""

    def __init__(
        self, config: DetectConfig, core: Core, stats: Stats, partitions: int
    ) -> None:
        self.config = config
        self.core = core
        self.stats = stats
        self.partition_of = PartitionCache(partitions)
        self._last_ts: dict[bytes, float] = {}
        self._unreadable: set[bytes] = set()

    def observe(self, states: dict[bytes, Any]) -> None:
        """Record the new states of a batch (saves decoding them again later)."""
        for key, state in states.items():
            self._last_ts[key] = state.last_ts

    def run(
        self, table: MutableMapping[bytes, bytes], owned: Callable[[int], bool]
    ) -> list[bytes]:
        """One pass: delete expired threads of owned partitions; returns their keys.

        Synchronous on purpose: no batch of the agent can interleave with it.
        """
        known = self._last_ts
        keys = [k for k in table if owned(self.partition_of(k))]
        present = set(keys)
        for stale in [k for k in known if k not in present]:
            del known[stale]
        self._unreadable &= present
        for key in keys:
            if key not in known and key not in self._unreadable:
                ts = self._decode_last_ts(table.get(key))
                if ts is None:
                    self._unreadable.add(key)
                else:
                    known[key] = ts
        if known:
            self.stats.watermark = max(self.stats.watermark, max(known.values()))
        watermark = self.stats.watermark
        horizon = watermark - self.config.inactivity_seconds
        expired: list[bytes] = []
        for key in _candidates(known, horizon):
            raw = table.get(key)
            if raw is None:
                continue
            try:
                state = self.core.decode_state(raw)
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
            log.info("expired %d idle thread(s) (watermark %.0f)", len(expired), watermark)
        return expired

    def _decode_last_ts(self, raw: bytes | None) -> float | None:
        if raw is None:
            return None
        try:
            return float(self.core.decode_state(raw).last_ts)
        except Exception:
            log.exception("unreadable stored state; not expiring it")
            return None


def _candidates(last_ts: dict[bytes, float], horizon: float) -> Iterable[bytes]:
    # A cheap pre-filter; the core's is_expired() has the final word.
    return [k for k, ts in last_ts.items() if ts <= horizon]
