"""Records of a partition are handled in offset order, none skipped: the agent's guard.

Faust's consumer can lose records around a rebalance: a fetch that was in flight when it
seeks the partitions back to their committed offsets is still delivered, its position
becomes the consumer's read offset, and the re-fetched records before it are then dropped as
"already read"; the jump is recorded as a gap, and gaps count as acknowledged, so the next
commit passes records nobody processed (seen in the SIGKILL test: a worker committed a
partition 28 records past the last one it had handled).

`SequenceGuard` admits a record only if it is the next one of its partition. A record past
a hole is dropped (not acknowledged) and the partition is re-fetched from the first missing
offset. A hole that is still there after a few re-fetches is real (the offsets hold no
records, e.g. transaction markers) and is then accepted. The worker's source topics are not
compacted, so that is the only kind of real hole.

`ReadOffsets` fixes the loss itself in the consumer (see there); the guard stays as the check
that nothing is ever committed past a record this worker has not handled. Pure logic, no
Faust.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RESEEK_AFTER = 0.2
"""Seconds before re-fetching again when the records after a re-fetch are still past the
hole (stale records of the fetch in flight arrive first)."""
CONFIRMATIONS = 3
"""Re-fetches that must each come back with the same first offset past a hole before the
hole is taken as real."""


@dataclass
class _Hole:
    start: int
    end: int
    seen: int = 1


@dataclass
class SequenceGuard:
    """Per partition: the next offset expected (from the committed offset, then from every
    record admitted), and the re-fetches asked for."""

    reseek_after: float = RESEEK_AFTER
    confirmations: int = CONFIRMATIONS
    seeks: list[tuple[Hashable, int]] = field(default_factory=list)
    """(partition, offset) re-fetches to perform (the caller takes them)."""
    accepted: list[tuple[Hashable, int, int]] = field(default_factory=list)
    """(partition, start, end) holes found real (the caller tells the consumer)."""
    dropped: int = 0
    """Records dropped because they came past a hole (or again)."""
    _next: dict[Hashable, int] = field(default_factory=dict)
    _holes: dict[Hashable, _Hole] = field(default_factory=dict)
    _sought: dict[Hashable, float] = field(default_factory=dict)
    _moved: dict[Hashable, float] = field(default_factory=dict)
    """When each partition last admitted a record (or was sought for a stall)."""
    _tails: dict[Hashable, tuple[int, int, int]] = field(default_factory=dict)
    """(next offset, high watermark, times sought) of a partition sought for a stall."""
    _since: float | None = None
    """When this generation's first batch came."""

    def reset(self) -> None:
        """A new consumer generation: every partition starts again at its committed offset."""
        self._next.clear()
        self._holes.clear()
        self._sought.clear()
        self._moved.clear()
        self._tails.clear()
        self._since = None

    def stalled(
        self, tp: Hashable, end: int, committed: int | None, now: float, after: float
    ) -> int | None:
        """The offset to fetch `tp` from again if it has records up to `end` (its high
        watermark) that this worker has not handled, and none came for `after` seconds: a
        hole at the tail. Past a hole in the middle the next record shows it (`admit`); at the
        end of a partition nothing comes that could, and the partition would wait for ever
        (seen in the SIGKILL test: a restarted worker stopped at one partition's committed
        offset with 949 records after it). None: nothing missing, or not long enough. After
        `confirmations` fetches that brought nothing, the same tail is taken to hold no records
        (transaction markers of an upstream transactional producer) until the high watermark
        moves."""
        expected = self._next.get(tp, committed)
        if expected is None or end <= expected:
            return None
        if self._since is None:
            self._since = now
        since = self._since
        last = max(self._moved.get(tp, since), self._sought.get(tp, since))
        if now - last < after:
            return None
        tail = self._tails.get(tp)
        times = tail[2] + 1 if tail is not None and tail[:2] == (expected, end) else 1
        if times > self.confirmations:
            return None
        self._tails[tp] = (expected, end, times)
        self._moved[tp] = now
        return expected

    def admit(self, tp: Hashable, offset: int, committed: int | None, now: float) -> bool:
        """Whether the record at `offset` is the next one of `tp`. `committed` is the
        partition's committed offset (None: unknown, the first record sets the start)."""
        if self._since is None:
            self._since = now
        expected = self._next.get(tp)
        if expected is None:
            expected = offset if committed is None else committed
        if offset == expected:
            self._next[tp] = offset + 1
            self._holes.pop(tp, None)
            self._sought.pop(tp, None)
            self._moved[tp] = now
            return True
        self.dropped += 1
        if offset < expected:
            self._next.setdefault(tp, expected)
            return False  # handled already (or in hand): a second delivery
        self._next[tp] = expected
        last = self._sought.get(tp)
        if last is not None and now - last < self.reseek_after:
            return False  # a re-fetch is on its way; these are leftovers of the old fetch
        hole = self._holes.get(tp)
        if hole is not None and (hole.start, hole.end) == (expected, offset):
            hole.seen += 1
        else:
            hole = self._holes[tp] = _Hole(expected, offset)
        if hole.seen > self.confirmations:
            # The same first offset after every re-fetch: nothing is stored in between.
            self.accepted.append((tp, expected, offset))
            self.dropped -= 1
            self._next[tp] = offset + 1
            self._holes.pop(tp, None)
            self._sought.pop(tp, None)
            return True
        self._sought[tp] = now
        self.seeks.append((tp, expected))
        return False


class ReadOffsets(dict[Any, Any]):
    """Faust's consumer keeps, per partition, the offset of the last record it read, and
    drops any record below it. After a seek it sets that to the seek position, but records
    of the fetch still in flight are delivered afterwards and move it past the position
    again, so the re-fetched records are then dropped. Here a seek (`rewind`, or `update` as
    Faust's seek-to-committed uses it) holds the position for a guarded partition until the
    record at it has been read; writes from other records are ignored until then.
    """

    def __init__(self, guarded: Iterable[str], initial: Mapping[Any, Any] | None = None) -> None:
        super().__init__(initial or {})
        self.guarded = frozenset(guarded)
        self.pending: dict[Any, int] = {}

    def __missing__(self, key: Any) -> None:
        return None

    def rewind(self, tp: Any, offset: int | None) -> None:
        dict.__setitem__(self, tp, offset)
        if offset is not None and getattr(tp, "topic", None) in self.guarded:
            self.pending[tp] = offset
        else:
            self.pending.pop(tp, None)

    def __setitem__(self, tp: Any, offset: Any) -> None:
        target = self.pending.get(tp)
        if target is not None:
            if offset != target:
                return  # a record fetched before the seek: the position stays
            del self.pending[tp]
        dict.__setitem__(self, tp, offset)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for tp, offset in dict(*args, **kwargs).items():
            self.rewind(tp, offset)

    def pop(self, tp: Any, *default: Any) -> Any:
        self.pending.pop(tp, None)
        return dict.pop(self, tp, *default)

    def __delitem__(self, tp: Any) -> None:
        self.pending.pop(tp, None)
        dict.__delitem__(self, tp)
