"""The worker's Kafka consumer: Faust's aiokafka consumer with five changes.

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
5. **Records are handed to the streams with a plain await.** Faust's fetcher loop wraps each
   record's delivery in `Service.wait_first(delivery, suspend_flow.wait())`: four tasks and
   an `asyncio.wait` per record, a fifth of the worker's CPU. Here the suspension is checked
   before each record instead (a record not handed over is not marked read, and Faust seeks
   back to the committed offsets after the rebalance that suspended the flow).

Faust internals are used here (named in each method); tests/integration/test_worker.py
SIGKILLs and rebalances workers to check the whole.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import faust
from faust.transport.consumer import CONSUMER_FETCHING
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
            self.starts: dict[TP, int] = {}
            """Where a source partition without a committed offset begins (its earliest
            offset, set by app._rewind_uncommitted): the agent's SequenceGuard starts there
            instead of trusting the first record it is handed."""

        def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

        async def seek(self, partition: TP, offset: int) -> None:
            await self._seek(partition, offset)
            # Offset 0 too: the position is held there until record 0 is read (Faust
            # would clear it, and a record fetched before the seek would move it on).
            self.read_offsets.rewind(partition, offset)

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

        async def _drain_messages(self, fetcher: Any) -> None:
            # faust.transport.consumer.Consumer._drain_messages, delivering with `await`.
            callback = self.callback
            consumer_stopped = self._stopped.is_set
            fetcher_stopped = fetcher._stopped.is_set
            suspended = self.suspend_flow.is_set
            read_offsets = self._read_offset
            acks_enabled_for = self.app.topics.acks_enabled_for
            commit_every = self._commit_every
            diag = self.diag
            since_yield = 0
            try:
                while not (consumer_stopped() or fetcher_stopped()):
                    diag.set_flag(CONSUMER_FETCHING)
                    records = self.getmany(timeout=1.0)
                    await self.sleep(0)
                    if self.should_stop:
                        continue
                    async for tp, message in records:
                        since_yield += 1
                        if since_yield > 100:
                            await asyncio.sleep(0)
                            since_yield = 0
                        if suspended():
                            continue  # a rebalance began; not handed over, not read
                        offset = message.offset
                        r_offset = read_offsets[tp]
                        if r_offset is not None and offset < r_offset:
                            continue  # read already
                        if r_offset and offset - r_offset > 1 and acks_enabled_for(tp.topic):
                            await self._add_gap(tp, r_offset + 1, offset)
                        if commit_every is not None and self._n_acked >= commit_every:
                            self._n_acked = 0
                            await self.commit()
                        await callback(message)
                        read_offsets[tp] = offset
                    diag.unset_flag(CONSUMER_FETCHING)
            except self.consumer_stopped_errors:
                if self.transport.app.should_stop:
                    return
                raise
            except asyncio.CancelledError:
                if self.transport.app.should_stop:
                    return
                raise
            except Exception as exc:
                log.exception("Drain messages raised: %r", exc)
                raise
            finally:
                diag.unset_flag(CONSUMER_FETCHING)

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
