"""Thread states as the worker sees them: the table underneath, plus what changed since.

No Faust and no Kafka here. The table (its local store: memory or RocksDB) holds each thread's
last *durable* state, the one on the changelog. On top of it the store keeps, decoded:

- `dirty`: states changed by batches since the last flush (and tombstones of expired threads);
- `flushing`: the states of the flush in progress (taken from `dirty` in one step, between
  two batches, so every state in it has its alerts delivered already);
- a cache of clean states this worker wrote, so that it need not decode them again (checked
  against the stored bytes, so never stale), bounded by an estimate of its memory.

A flush (`begin_flush` → `encode` → the caller writes `Flush.records` to the changelog and
the local store → `end_flush`) makes a set of changes durable; the events behind them may be committed
only after that. The store is also a MutableMapping of encoded states for the expiry timer:
it iterates live threads (dirty ones included) and `del` writes a tombstone with the next
flush.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from streams.service.routing import PartitionCache
from streams.service.stats import Stats

log = logging.getLogger("flamewatch.worker")

_GONE = None  # the state of a thread deleted (expired) but not flushed yet
DECODED_STATE_FACTOR = 17
"""Python objects of a decoded state take about this many times its compact bytes (measured
with tracemalloc on 3,000 synthetic threads: 16.7x; 5.8x the core's JSON)."""
CACHE_ENTRY_OVERHEAD = 256


@dataclass
class Flush:
    """One flush: the changes taken, and what to write (a value of None is a tombstone)."""

    taken: list[tuple[bytes, tuple[int, Any]]]
    """(thread key, (partition, state or _GONE)) in the order they were changed."""
    records: list[tuple[int, bytes, bytes | None]] = field(default_factory=list)
    """(partition, thread key, encoded state or None), filled by ThreadStore.encode."""

    @property
    def encoded(self) -> bool:
        return len(self.records) == len(self.taken)

    def __len__(self) -> int:
        return len(self.taken)


class ThreadStore(MutableMapping[bytes, bytes]):
    def __init__(
        self,
        table: Mapping[bytes, Any],
        # the Faust table (its local store), or a dict in tests
        encode: Callable[[Any], bytes],
        decode: Callable[[bytes], Any],
        partitions: int,
        stats: Stats,
        *,
        cache_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.table = table
        self.encode_state = encode
        self.decode_state = decode
        self.stats = stats
        self.cache_bytes = cache_bytes
        self.partition_of = PartitionCache(partitions)
        self.dirty: dict[bytes, tuple[int, Any]] = {}
        self.flushing: dict[bytes, tuple[int, Any]] = {}
        # thread key → (bytes last written, the state they encode, estimated memory)
        self._cache: dict[bytes, tuple[bytes, Any, int]] = {}
        self._cached_bytes = 0

    # --- the hot path ---------------------------------------------------------------------
    def load(self, key: bytes) -> Any:
        """The newest state of a thread (None: none, or it was just expired)."""
        pending = self.dirty.get(key) or self.flushing.get(key)
        if pending is not None:
            return pending[1]
        stored = self.table.get(key)
        if stored is None:
            return None
        cached = self._cache.get(key)
        if cached is not None and (cached[0] is stored or cached[0] == stored):
            return cached[1]
        try:
            return self.decode_state(stored)
        except Exception:
            # A state we cannot read must not block the thread forever: start it afresh.
            log.exception("unreadable state for thread %r: starting it afresh", key)
            self.stats.processing_errors += 1
            return None

    def put(self, key: bytes, partition: int, state: Any) -> None:
        self.dirty[key] = (partition, state)

    @property
    def unflushed(self) -> int:
        """Threads changed (or deleted) and not durable yet."""
        return len(self.dirty) + len(self.flushing)

    # --- flushing -------------------------------------------------------------------------
    def begin_flush(self) -> Flush:
        """Take every dirty state, in one step: call it between batches only, so that every
        state taken has its alerts delivered. Batches may run while the flush is encoded and
        written; they see the taken states (`flushing`) until `end_flush`."""
        if self.flushing:
            raise RuntimeError("a flush is already in progress")
        self.flushing, self.dirty = self.dirty, {}
        return Flush(list(self.flushing.items()))

    def encode(self, flush: Flush, limit: int | None = None) -> bool:
        """Encode up to `limit` more states of `flush` (all when None); True once done."""
        start = len(flush.records)
        end = len(flush.taken) if limit is None else min(len(flush.taken), start + limit)
        encode, records = self.encode_state, flush.records
        for key, (partition, state) in flush.taken[start:end]:
            records.append((partition, key, None if state is _GONE else encode(state)))
        return flush.encoded

    def end_flush(self, flush: Flush) -> None:
        """The flush's records are on the changelog and in the table: they are the clean
        states now."""
        if not flush.encoded:
            raise RuntimeError("end_flush before the flush was encoded")
        for (_key, (_partition, state)), (_p, key, value) in zip(
            flush.taken, flush.records, strict=True
        ):
            self._uncache(key)
            if value is not None:
                self._cache_put(key, value, state)
        self.flushing = {}

    def flush_into(self, table: MutableMapping[bytes, bytes]) -> Flush:
        """A whole flush written straight into `table` (for tests and tools; the worker
        writes its flushes through changelog.py)."""
        flush = self.begin_flush()
        self.encode(flush)
        for _partition, key, value in flush.records:
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
        self.end_flush(flush)
        return flush

    @property
    def cached_bytes(self) -> int:
        """Estimated memory of the decoded clean states kept."""
        return self._cached_bytes

    def _cache_put(self, key: bytes, value: bytes, state: Any) -> None:
        cost = len(value) * DECODED_STATE_FACTOR + CACHE_ENTRY_OVERHEAD
        if cost > self.cache_bytes:
            return
        cache = self._cache
        while cache and self._cached_bytes + cost > self.cache_bytes:
            self._uncache(next(iter(cache)))  # least recently written
        cache[key] = (value, state, cost)
        self._cached_bytes += cost

    def _uncache(self, key: bytes) -> None:
        entry = self._cache.pop(key, None)
        if entry is not None:
            self._cached_bytes -= entry[2]

    def forget(self, keep: Callable[[bytes], bool]) -> int:
        """Drop cached clean states for which `keep(key)` is false (partitions given away).
        Unflushed changes are never dropped. Returns how many were dropped."""
        gone = [k for k in self._cache if not keep(k)]
        for key in gone:
            self._uncache(key)
        return len(gone)

    # --- MutableMapping of encoded states (for the expiry timer and the stats page) --------
    def __getitem__(self, key: bytes) -> bytes:
        pending = self.dirty.get(key) or self.flushing.get(key)
        if pending is not None:
            if pending[1] is _GONE:
                raise KeyError(key)
            return self.encode_state(pending[1])
        stored = self.table.get(key)
        if stored is None:
            raise KeyError(key)
        return bytes(stored)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.put(key, self.partition_of(key), self.decode_state(value))

    def __delitem__(self, key: bytes) -> None:
        if key not in self:
            raise KeyError(key)
        self.dirty[key] = (self.partition_of(key), _GONE)
        self._uncache(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, bytes):
            return False
        pending = self.dirty.get(key) or self.flushing.get(key)
        if pending is not None:
            return pending[1] is not _GONE
        return key in self.table

    def __iter__(self) -> Iterator[bytes]:
        overlay = {**self.flushing, **self.dirty}
        for key in list(self.table):
            if key not in overlay:
                yield key
        for key, (_partition, state) in overlay.items():
            if state is not _GONE:
                yield key

    def __len__(self) -> int:
        count = len(self.table)
        for key, (_partition, state) in {**self.flushing, **self.dirty}.items():
            stored = key in self.table
            if state is _GONE:
                count -= stored
            elif not stored:
                count += 1
        return count
