"""Event time that one bad clock cannot poison.

Three defences, each against a way a wrong timestamp used to make the worker forget threads:

1. At the door (processing.py): a comment dated more than FLAMEWATCH_MAX_FUTURE_SECONDS after
   its record's broker timestamp is dead-lettered (`future_timestamp`).
2. The expiry watermark (`Watermarks`) is kept per partition, and is the RANK-th newest event
   time among *distinct threads* of that partition, capped at the wall clock plus the same
   allowance: a few threads with wrong dates cannot move it, and nothing moves it into the
   far future. A partition that is caught up (nothing left to read) also follows the RANK-th
   newest thread of all the worker's partitions, so restored threads of a quiet partition
   still expire; a partition that is behind only follows its own events.
3. State restored from the changelog (`repair_state`): a thread whose state was written by an
   older worker with a future date in it has those comments, alert times and its `last_ts`
   brought back under the cap instead of dropping every later real comment as "too old".
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from typing import Any

RANK = 3
"""The watermark is the 3rd-newest thread's event time: two threads cannot move it."""


class Watermarks:
    """Per-partition event-time watermarks over distinct threads (see the module doc)."""

    def __init__(
        self, max_future_seconds: float, *, rank: int = RANK,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.max_future = max_future_seconds
        self.rank = rank
        self.wall = wall
        # partition -> {thread key: newest event time} for its `rank` newest threads
        self._top: dict[int, dict[bytes, float]] = {}

    def cap(self) -> float:
        """No event time beyond this counts (wall clock + the future allowance)."""
        return self.wall() + self.max_future

    def observe(self, partition: int, key: bytes, ts: float, cap: float | None = None) -> None:
        ts = min(ts, self.cap() if cap is None else cap)
        top = self._top.setdefault(partition, {})
        known = top.get(key)
        if known is not None:
            if ts > known:
                top[key] = ts
            return
        if len(top) < self.rank:
            top[key] = ts
            return
        oldest = min(top, key=top.__getitem__)
        if ts > top[oldest]:
            del top[oldest]
            top[key] = ts

    def observe_many(self, partition_of: Callable[[bytes], int],
                     items: Iterable[tuple[bytes, float]]) -> None:
        cap = self.cap()
        for key, ts in items:
            self.observe(partition_of(key), key, ts, cap)

    def own(self, partition: int) -> float | None:
        """This partition's watermark (None until it has seen `rank` threads)."""
        top = self._top.get(partition)
        if not top or len(top) < self.rank:
            return None
        return min(top.values())

    def overall(self, partitions: Iterable[int]) -> float | None:
        """The `rank`-th newest thread over `partitions` (None with fewer threads)."""
        newest = sorted(
            (ts for p in partitions for ts in self._top.get(p, {}).values()), reverse=True
        )
        return newest[self.rank - 1] if len(newest) >= self.rank else None

    def effective(self, partition: int, overall: float | None, caught_up: bool) -> float | None:
        own = self.own(partition)
        candidates = [w for w in (own, overall if caught_up else None) if w is not None]
        return max(candidates) if candidates else None

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions this worker no longer owns (a new owner keeps its own watermark)."""
        for p in partitions:
            self._top.pop(p, None)

    def snapshot(self) -> dict[int, float | None]:
        return {p: self.own(p) for p in sorted(self._top)}


def repair_state(state: Any, cap: float) -> Any:
    """A streams.detect ThreadState with nothing dated after `cap` (None: nothing was).

    Comments created after the cap are forgotten (their ids stay known, so replays of them
    change nothing), edits after it are clamped, alert times after it are dropped, and
    `last_ts` is recomputed from what is left.
    """
    if state.last_ts <= cap:
        return None
    comments = {}
    gone = dict(state.gone)
    for cid, rec in state.comments.items():
        if rec.ts > cap:
            gone[cid] = None
            continue
        comments[cid] = rec if rec.edit_ts <= cap else dataclasses.replace(rec, edit_ts=rec.ts)
    alerted = {k: v for k, v in state.alerted.items() if v[1] <= cap}
    times = [r.edit_ts for r in comments.values()] + [v[1] for v in alerted.values()]
    return dataclasses.replace(
        state, last_ts=max(times, default=0.0), comments=comments, gone=gone, alerted=alerted
    )
