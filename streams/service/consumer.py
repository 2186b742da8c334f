"""The worker's Kafka consumer: Faust's aiokafka consumer with four changes.

1. **fetch_max_wait_ms from the settings** (Faust fixes 1.5 s). aiokafka keeps one fetch
   request in flight per broker. Partitions whose records are still buffered (not yet taken
   by Faust's fetcher, which runs on the busy event loop) are left out of the next request;
   when only idle partitions are left in it (the repartition topic usually is idle), the
   broker holds it for fetch_max_wait_ms and no new comments are fetched meanwhile. With
   1.5 s that stalled the worker for 1.5 s at a time: the "backlogged" latency regime.
2. **Records are not skipped without a rewind.** Faust's `getmany` silently drops fetched
   records of partitions that are not active at that moment (a rebalance or a table recovery
   changed the set while the fetch was out), with aiokafka's position already past them: a
   table recovery then waited for changelog records that never came, and comments were
   never processed. Here such a partition is sought back to its first dropped record, if
   nothing has moved its position since.
3. **Read offsets that survive a seek** (`ReadOffsets`, sequence.py).
4. **No gaps on the source topics.** Faust takes a jump in the offsets it reads as a gap in
   the log and counts the offsets in it as acknowledged. The source topics are not
   compacted, so a jump is records this consumer lost; the agent's SequenceGuard re-fetches
   them and registers a hole (`register_gap`) only once it is found to be real.

Faust internals are used here (named in each method); tests/integration/test_worker.py
SIGKILLs and rebalances workers to check the whole.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

from streams.service.sequence import ReadOffsets

log = logging.getLogger("flamewatch.worker")


def install_consumer(app: faust.App, *, fetch_max_wait: float, sources: set[str]) -> None:
    """Make `app` create its consumer from the classes below (before it is first used)."""
    wait_ms = max(1, int(fetch_max_wait * 1000))
    guarded = frozenset(sources)

    class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            consumer._fetch_max_wait_ms = wait_ms  # read by AIOKafkaConsumer.start()
            return consumer

    class Consumer(faust_aiokafka.Consumer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._read_offset = self.read_offsets = ReadOffsets(guarded, self._read_offset)

        def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

        async def seek(self, partition: TP, offset: int) -> None:
            await self._seek(partition, offset)
            self.read_offsets.rewind(partition, offset if offset else None)

        async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
            if tp.topic not in guarded:
                await super()._add_gap(tp, offset_from, offset_to)

        async def register_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
            await super()._add_gap(tp, offset_from, offset_to)

        async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
            # faust.transport.consumer.Consumer.getmany, but records of a partition that is
            # not active when they are reached are not dropped for good: the partition is
            # sought back to the first of them.
            records, active_partitions = await self._wait_next_records(timeout)
            generation_id = self.app.consumer_generation_id
            if records is None or self.should_stop:
                return
            if not self.flow_active:
                try:
                    await self.perform_seek()
                except Exception as exc:
                    log.warning("exception performing seek when flow not active %r", exc)
                return
            skipped: dict[TP, tuple[int, int]] = {}
            try:
                for tp, record in self.scheduler.iterate(records):
                    if not self.flow_active or self.app.consumer_generation_id != generation_id:
                        break
                    if tp in skipped:
                        continue
                    if (
                        active_partitions is None
                        or tp in active_partitions
                        or tp in self._buffered_partitions
                    ):
                        self.app.monitor.track_tp_end_offset(tp, self.highwater(tp))
                        yield tp, self._to_message(tp, record)
                    else:
                        skipped[tp] = (record.offset, records[tp][-1].offset + 1)
            finally:
                if skipped:
                    await self._rewind(skipped)

        async def _rewind(self, skipped: dict[TP, tuple[int, int]]) -> None:
            assigned = self.assignment()
            for tp, (first, after) in skipped.items():
                # Only where the position is still just past these records: if anything
                # sought the partition since (a recovery, a seek to committed), it is right.
                if tp in assigned and self._position(tp) == after:
                    log.debug("rewinding %s to %d (records fetched while inactive)",
                              tp, first)
                    try:
                        await self._seek(tp, first)
                    except Exception:
                        log.exception("could not rewind %s to %d", tp, first)

        def _position(self, tp: TP) -> int | None:
            # aiokafka's fetch position, read without a round trip to the consumer thread
            try:
                state = self._thread._ensure_consumer()._subscription.subscription
                value = state.assignment.state_value(tp)
                return int(value.position) if value.has_valid_position else None
            except Exception:
                return None

    transport: Any = app.transport
    transport.Consumer = Consumer  # used by transport.create_consumer(), on first use
