"""The agent's order guard and the consumer's read offsets (sequence.py): pure logic."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from streams.service.sequence import ReadOffsets, SequenceGuard

TP = namedtuple("TP", "topic partition")
A = TP("comments", 0)
B = TP("comments", 1)


def test_records_in_order_from_the_committed_offset_are_admitted() -> None:
    guard = SequenceGuard()
    assert [guard.admit(A, o, 10, 0.0) for o in (10, 11, 12)] == [True, True, True]
    assert guard.admit(B, 5, None, 0.0)  # never committed: the first record sets the start
    assert guard.admit(B, 6, None, 0.0)
    assert guard.seeks == [] and guard.dropped == 0


def test_a_hole_is_refetched_and_nothing_past_it_is_admitted_meanwhile() -> None:
    guard = SequenceGuard(reseek_after=0.2)
    assert guard.admit(A, 10, 10, 0.0)
    # 11..19 never came: 20 and what follows are dropped, and 11 is asked for once
    assert not guard.admit(A, 20, 10, 0.0)
    assert not guard.admit(A, 21, 10, 0.05)
    assert guard.seeks == [(A, 11)]
    # the re-fetch brings 11 on: admitted in order from there
    assert [guard.admit(A, o, 10, 0.1) for o in (11, 12)] == [True, True]
    # a second delivery of records already admitted is dropped
    assert not guard.admit(A, 12, 10, 0.1)
    assert guard.admit(A, 13, 10, 0.1)
    assert guard.dropped == 3


def test_still_out_of_order_after_a_while_asks_again() -> None:
    guard = SequenceGuard(reseek_after=0.2)
    guard.admit(A, 10, 10, 0.0)
    guard.admit(A, 30, 10, 0.0)
    guard.admit(A, 31, 10, 0.1)  # leftovers of the old fetch: no new seek yet
    guard.admit(A, 32, 10, 0.3)
    assert guard.seeks == [(A, 11), (A, 11)]


def test_a_hole_that_every_refetch_confirms_is_accepted() -> None:
    guard = SequenceGuard(reseek_after=0.2, confirmations=3)
    guard.admit(A, 10, 10, 0.0)
    results = [guard.admit(A, 15, 10, t) for t in (0.0, 0.3, 0.6, 0.9)]
    assert results == [False, False, False, True]  # offsets 11..14 hold no records
    assert guard.accepted == [(A, 11, 15)]
    assert len(guard.seeks) == 3
    assert guard.admit(A, 16, 10, 1.0)


def test_a_new_generation_starts_again_at_the_committed_offset() -> None:
    guard = SequenceGuard()
    guard.admit(A, 10, 10, 0.0)
    guard.admit(A, 11, 10, 0.0)
    guard.reset()
    assert not guard.admit(A, 14, 12, 0.0)  # committed 12: 12 and 13 must come first
    assert guard.seeks == [(A, 12)]


def test_read_offsets_hold_a_seek_position_until_its_record_is_read() -> None:
    offsets = ReadOffsets({"comments"})
    assert offsets[A] is None  # like Faust's defaultdict(lambda: None)
    offsets[A] = 50
    offsets.update({A: 10, TP("changelog", 0): 3})  # Faust's seek to the committed offsets
    offsets[A] = 51  # a record of the fetch from before the seek
    assert offsets[A] == 10
    offsets[A] = 10  # the record at the seek position: from here it follows the reads
    offsets[A] = 11
    assert offsets[A] == 11
    other = TP("changelog", 0)
    offsets[other] = 40  # topics not guarded behave as before
    assert offsets[other] == 40
    offsets.rewind(A, 5)
    offsets.pop(A)
    offsets[A] = 99  # forgotten (revoked): no position held any more
    assert offsets[A] == 99


async def test_a_seek_to_offset_zero_holds_the_position_too() -> None:
    """A partition without a committed offset is sought to its beginning, offset 0: the
    worker's consumer must hold the read position there (Faust's seek turned 0 into "no
    position"), so that a record fetched before the seek cannot move it past the records
    fetched again."""
    import faust

    from streams.service.consumer import install_consumer

    app = faust.App("t-seek", broker="kafka://127.0.0.1:1")
    install_consumer(app, fetch_max_wait=0.01, sources={"comments"})
    cls: Any = app.transport.Consumer
    consumer = cls.__new__(cls)  # only seek is exercised: no connection
    consumer.read_offsets = ReadOffsets({"comments"})
    sought: list[tuple[TP, int]] = []

    async def _seek(tp: TP, offset: int) -> None:
        sought.append((tp, offset))

    consumer._seek = _seek
    consumer.read_offsets[A] = 30
    await cls.seek(consumer, A, 0)
    assert sought == [(A, 0)]
    consumer.read_offsets[A] = 31  # in flight from before the seek
    assert consumer.read_offsets[A] == 0
    consumer.read_offsets[A] = 0
    consumer.read_offsets[A] = 1
    assert consumer.read_offsets[A] == 1


def test_the_guard_starts_an_uncommitted_partition_at_its_beginning() -> None:
    """With no committed offset, the guard starts a partition where it begins (recorded in
    `consumer.starts` when it is sought there), and re-fetches it when the first record handed
    over lies past that (records of the first fetch were lost) instead of starting there."""
    from types import SimpleNamespace

    from streams.service.agents import _start_offset

    consumer = SimpleNamespace(_committed_offset={TP("comments", 1): 12}, starts={A: 0})
    assert _start_offset(consumer, TP("comments", 1)) == 12  # committed comes first
    assert _start_offset(consumer, A) == 0
    assert _start_offset(consumer, TP("comments", 2)) is None
    guard = SequenceGuard()
    assert not guard.admit(A, 30, _start_offset(consumer, A), 0.0)
    assert guard.seeks == [(A, 0)]
    assert guard.admit(A, 0, 0, 1.0)


def test_a_hole_at_the_tail_is_fetched_again_once_nothing_came_for_a_while() -> None:
    """No later record can reveal missing records at the end of a partition: the guard says
    to fetch them again when the high watermark is past the next offset and nothing came."""
    guard = SequenceGuard()
    assert guard.admit(A, 10, 10, 0.0)
    assert guard.admit(A, 11, 10, 0.1)
    assert guard.stalled(A, 12, 10, 5.0, after=3.0) is None  # nothing missing
    assert guard.stalled(A, 40, 10, 2.0, after=3.0) is None  # not long enough
    assert guard.stalled(A, 40, 10, 3.2, after=3.0) == 12
    assert guard.stalled(A, 40, 10, 4.0, after=3.0) is None  # just sought: wait again
    assert guard.stalled(A, 40, 10, 6.3, after=3.0) == 12
    assert guard.admit(A, 12, 10, 6.5)
    assert guard.stalled(A, 40, 10, 7.0, after=3.0) is None  # records flow again


def test_a_partition_with_no_record_yet_counts_from_its_committed_offset() -> None:
    guard = SequenceGuard()
    assert guard.stalled(A, 50, 20, 0.0, after=3.0) is None  # the generation's first look
    assert guard.stalled(A, 50, 20, 3.5, after=3.0) == 20
    guard.reset()
    assert guard.stalled(A, 50, None, 20.0, after=3.0) is None


class _FakeConsumer:
    """What BatchReader.check_stalls reads of Faust's consumer."""

    def __init__(self, assigned: set[TP], ends: dict[TP, int], committed: dict[TP, int]) -> None:
        self.read_offsets = ReadOffsets({"comments"})
        self._assigned = assigned
        self._ends = ends
        self._committed_offset = committed
        self._active = set(assigned)
        self._paused_partitions: set[TP] = set()
        self._buffered_partitions: set[TP] = set()
        self.sought: list[tuple[TP, int]] = []

    def assignment(self) -> set[TP]:
        return self._assigned

    async def highwaters(self, *tps: TP) -> dict[TP, int]:
        return {tp: self._ends[tp] for tp in tps}

    def _get_active_partitions(self) -> set[TP]:
        return self._active

    async def seek(self, tp: TP, offset: int) -> None:
        self.sought.append((tp, offset))


async def test_an_idle_reader_fetches_a_stalled_partition_again_and_gives_it_back() -> None:
    import asyncio
    from types import SimpleNamespace

    from streams.service.agents import BatchReader
    from streams.service.stats import Stats

    stuck, fine = TP("comments", 1), TP("comments", 0)
    consumer = _FakeConsumer({stuck, fine}, {stuck: 1404, fine: 1226}, {stuck: 455, fine: 1226})
    consumer._active.discard(stuck)  # flow control took it out and never put it back
    consumer._buffered_partitions.add(stuck)
    app = SimpleNamespace(consumer=consumer, rebalancing=False, consumer_generation_id=7,
                          flow_control=SimpleNamespace(is_active=lambda: True))
    channel = SimpleNamespace(queue=asyncio.Queue())
    reader = BatchReader(app, channel, 100, 0.0, Stats())  # type: ignore[arg-type]
    assert await reader.check_stalls(after=0.05) == 0  # first look of the generation
    await asyncio.sleep(0.06)
    assert await reader.check_stalls(after=0.05) == 1
    assert consumer.sought == [(stuck, 455)]
    assert stuck in consumer._active and stuck not in consumer._buffered_partitions
    channel.queue.put_nowait(object())  # busy: records are on their way
    await asyncio.sleep(0.06)
    assert await reader.check_stalls(after=0.05) == 0


def test_a_tail_that_holds_no_records_is_given_up_until_the_partition_grows() -> None:
    """Transaction markers at the end of a partition count in its high watermark but are no
    records: after `confirmations` fetches that brought nothing the guard stops asking."""
    guard = SequenceGuard(confirmations=2)
    assert guard.admit(A, 0, 0, 0.0)
    assert guard.stalled(A, 2, 0, 5.0, after=1.0) == 1
    assert guard.stalled(A, 2, 0, 7.0, after=1.0) == 1
    assert guard.stalled(A, 2, 0, 9.0, after=1.0) is None
    assert guard.stalled(A, 2, 0, 20.0, after=1.0) is None
    assert guard.stalled(A, 5, 0, 22.0, after=1.0) == 1  # new records: ask again
