"""The Faust agent: batches of raw records → core (processing.py) → alerts, dead letters and
rekeyed records published and waited for → new states kept in the ThreadStore (store.py),
written to the changelog in bulk at most every `flush_interval` seconds.

At-least-once: an event is acknowledged to Faust (which then may commit its offset) only once
the flush that follows its batch is durable. A flush is taken between two batches, so every
state it writes has its alerts out already. Faust commits the highest offset below which every
event is acknowledged, so a partition's committed offset never passes a change that is not on
the changelog yet; a worker killed at any point restarts from there, re-sends at most the
alerts of the comments after it (same ids) and finds the rest already applied.

Events are read from the topic channel's queue in batches (`BatchReader`), not through
`Stream.take_events`: no per-event stream machinery, no auto-ack at the end of each batch, and
a batch is whatever has arrived plus at most `batch_window` seconds.

The core runs in a worker thread (`asyncio.to_thread`), so a batch of costly comments never
stops the event loop: heartbeats, the web views (/healthz) and timers go on meanwhile. A lock
keeps the expiry timer from running while a batch is in hand.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import faust
from faust.types import EventT, TopicT

from streams.service.changelog import ChangelogWriter
from streams.service.processing import BatchProcessor, BatchResult, Record
from streams.service.sequence import SequenceGuard
from streams.service.store import ThreadStore

log = logging.getLogger("flamewatch.worker")

EXIT_BATCH_FAILED = 70  # EX_SOFTWARE
REBALANCE_POLL = 0.05
"""While changes are unflushed, how often (s) the agent looks whether a rebalance started
(Faust waits for every event in hand to be acknowledged before it gives partitions away)."""
ENCODE_SLICE = 256
"""States encoded between two yields to the event loop during a flush."""
STALL_CHECK = 1.0
"""How often (s) the agent, when idle, looks for partitions with records it never got."""
STALL_AFTER = 3.0
"""Seconds without a record of a partition that has unhandled records before it is fetched
again (sequence.SequenceGuard.stalled)."""


def _exit_now(code: int) -> None:
    logging.shutdown()
    os._exit(code)


@dataclass(frozen=True)
class Outputs:
    alerts: TopicT
    dead_letters: TopicT
    rekey: TopicT
    requests: TopicT | None = None
    """The encoder stage's input (only with FLAMEWATCH_SCORER=rules+fast+encoder)."""


def to_record(event: EventT) -> Record:
    message = event.message
    return Record(
        key=message.key,
        value=message.value,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        timestamp=message.timestamp,
    )


class BatchReader:
    """Batches of events from a topic channel (an iterator clone subscribed to the topics).

    Does what Faust's Stream does per event, once per batch: events are tracked as
    unacknowledged until the agent acks them, and events of a previous consumer generation or
    read while flow control is off (a rebalance has begun) are dropped. Unlike Faust's Stream,
    dropped events are NOT acknowledged: Faust forgets a revoked partition's committed offset
    before it commits one last time, so acking an event nobody processed could commit past
    it. Unacknowledged, it is fetched again from the committed offset after the rebalance.
    Events must also come in offset order without holes (sequence.py); the partition is
    re-fetched when they do not.
    """

    def __init__(
        self, app: faust.App, channel: Any, max_size: int, window: float, stats: Any
    ) -> None:
        self.app = app
        self.app_stats = stats
        self.queue = channel.queue
        self.max_size = max_size
        self.window = window
        self.guard = SequenceGuard()
        self._generation: int | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self._loop = asyncio.get_running_loop()

    async def read(self, timeout: float | None) -> list[EventT]:
        """Wait up to `timeout` seconds (None: for ever) for an event, then up to `window`
        seconds more for the batch to fill; [] when nothing came."""
        queue = self.queue
        if queue.empty():
            try:
                first = await asyncio.wait_for(queue.get(), timeout)
            except TimeoutError:
                return []
            raw = [first]
        else:
            raw = []
        began = self._loop.time()
        self._drain(raw)
        if len(raw) < self.max_size and self.window > 0:
            remaining = self.window - (self._loop.time() - began)
            if remaining > 0:
                await asyncio.sleep(remaining)
            self._drain(raw)
        return self._admit(raw)

    def _drain(self, into: list[EventT]) -> None:
        queue, limit = self.queue, self.max_size
        while len(into) < limit and not queue.empty():
            into.append(queue.get_nowait())

    def _admit(self, raw: list[Any]) -> list[EventT]:
        app = self.app
        consumer: Any = app.consumer
        active = app.flow_control.is_active()
        generation = app.consumer_generation_id
        if generation != self._generation:
            self._generation = generation
            self.guard.reset()
        guard, now = self.guard, self._loop.time()
        unacked = consumer.unacked
        acking = app.topics.acking_topics
        on_message_in = app.sensors.on_message_in
        events: list[EventT] = []
        for event in raw:
            message = event.message
            if not active or message.generation_id != generation:
                continue
            tp = message.tp
            if not guard.admit(tp, message.offset, _start_offset(consumer, tp), now):
                continue
            if message.topic in acking and not message.tracked:
                message.tracked = True
                unacked.add(message)
                on_message_in(tp, message.offset, message)
            events.append(event)
        if guard.seeks or guard.accepted:
            self._repair()
        return events

    async def check_stalls(self, after: float = STALL_AFTER) -> int:
        """Fetch again every source partition whose records after the last one handled never
        came (a hole at the tail, which no later record can reveal); also give it back to the
        fetcher if Faust's flow control left it out. Only while the agent is idle and no
        rebalance is on. Returns the number of partitions sought."""
        app = self.app
        consumer: Any = app.consumer
        guarded = getattr(getattr(consumer, "read_offsets", None), "guarded", None)
        if (not guarded or not self.queue.empty() or app.rebalancing
                or not app.flow_control.is_active()):
            return 0
        if app.consumer_generation_id != self._generation:
            # nothing read in this generation yet: start the guard afresh, as _admit would
            self._generation = app.consumer_generation_id
            self.guard.reset()
        tps = [tp for tp in consumer.assignment() if tp.topic in guarded]
        if not tps:
            return 0
        ends = await consumer.highwaters(*tps)
        if not self.queue.empty() or app.consumer_generation_id != self._generation:
            return 0
        now = self._loop.time()
        sought = 0
        for tp in tps:
            end = ends.get(tp)
            offset = (None if end is None
                      else self.guard.stalled(tp, end, _start_offset(consumer, tp), now, after))
            if offset is None:
                continue
            active = consumer._get_active_partitions()
            if tp not in active and tp not in getattr(consumer, "_paused_partitions", ()):
                active.add(tp)  # left out by flow control and never put back
                consumer._buffered_partitions.discard(tp)
            log.warning("%s has records from offset %d to %d that never came; fetching them "
                        "again", tp, offset, end - 1)
            self.app_stats.refetches += 1
            sought += 1
            await self._seek(consumer, tp, offset)
        return sought

    def _repair(self) -> None:
        consumer: Any = self.app.consumer
        for tp, offset in self.guard.seeks:
            # Expected after some rebalances (records of a fetch from before them are lost
            # in Faust's consumer); logged, counted, and repaired here.
            log.info("records of %s from offset %d on were not delivered in order; "
                     "fetching them again", tp, offset)
            self.app_stats.refetches += 1
            self._spawn(self._seek(consumer, tp, offset))
        self.guard.seeks.clear()
        for tp, start, end in self.guard.accepted:
            log.warning("%s holds no records at offsets %d to %d; going on after them",
                        tp, start, end - 1)
            register = getattr(consumer, "register_gap", None)
            if register is not None:
                self._spawn(register(tp, start, end))
        self.guard.accepted.clear()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _seek(consumer: Any, tp: Any, offset: int) -> None:
        try:
            await consumer.seek(tp, offset)
        except Exception:
            log.exception("could not seek %s to %d", tp, offset)


def _start_offset(consumer: Any, tp: Any) -> int | None:
    """Where `tp` starts for the order guard: its committed offset (set by Faust's seek after
    each rebalance), else its beginning if it has none (`consumer.starts`), else unknown."""
    start: int | None = consumer._committed_offset.get(tp)
    if start is None:
        start = getattr(consumer, "starts", {}).get(tp)
    return start


def ack(app: faust.App, event: EventT) -> None:
    """Acknowledge one event (its offset may be committed once all before it are)."""
    if event.ack():
        message = event.message
        app.sensors.on_message_out(message.tp, message.offset, message)


async def publish(result: BatchResult, outputs: Outputs) -> None:
    """Publish a batch's alerts, dead letters, rekeyed records and encoder requests; wait
    until the broker has them all. Sent directly (not through Faust's send buffer): a record
    the producer refuses raises here, and the caller exits, instead of crashing the buffer and
    leaving a worker that answers but never delivers."""
    pending: list[Any] = []
    for key, value in result.rekeyed:
        pending.append(await outputs.rekey.send(key=key, value=value, force=True))
    for key, value in result.alerts:
        pending.append(await outputs.alerts.send(key=key, value=value, force=True))
    for dkey, value in result.dead_letters:
        pending.append(await outputs.dead_letters.send(key=dkey, value=value, force=True))
    if outputs.requests is not None:
        for key, value in result.requests:
            pending.append(await outputs.requests.send(key=key, value=value, force=True))
    if pending:
        await asyncio.gather(*pending)


async def handle_batch(
    events: Sequence[EventT],
    processor: BatchProcessor,
    store: ThreadStore,
    outputs: Outputs,
) -> BatchResult:
    """Process one batch, publish its outputs and wait for them, then keep its new states
    (dirty, in the store: the next flush writes them)."""
    # In a thread: the event loop stays free however long the core takes on this batch.
    result = await asyncio.to_thread(processor.process, [to_record(e) for e in events],
                                     store.load)
    await publish(result, outputs)
    # Only now: a flush may pick these states up, and a state must never be durable before
    # the alerts it remembers as sent are.
    last = result.last_record
    for key, state in result.states.items():
        store.put(key, last[key].partition, state)
    return result


class CommentAgent:
    """The agent's loop: read a batch, handle it, flush when due, ack what a flush made
    durable."""

    def __init__(
        self,
        app: faust.App,
        store: ThreadStore,
        changelog: ChangelogWriter,
        outputs: Outputs,
        processor: BatchProcessor,
        *,
        batch_size: int,
        batch_window: float,
        flush_interval: float,
        max_unflushed: int,
        on_batch: Callable[[BatchResult, float], None] | None = None,
        lock: asyncio.Lock | None = None,
    ) -> None:
        self.app = app
        self.lock = lock or asyncio.Lock()
        self.store = store
        self.changelog = changelog
        self.outputs = outputs
        self.processor = processor
        self.stats = processor.stats
        self.batch_size = batch_size
        self.batch_window = batch_window
        self.flush_interval = flush_interval
        self.max_unflushed = max_unflushed
        self.on_batch = on_batch
        self.held: list[EventT] = []
        """Events handled since the last flush began: acked when the next flush is done."""
        self._flushing: asyncio.Future[None] | None = None

    async def run(self, stream: Any) -> None:
        reader = BatchReader(self.app, aiter(stream.channel), self.batch_size,
                             self.batch_window, self.stats)
        loop = asyncio.get_running_loop()
        next_flush = loop.time() + self.flush_interval
        watchdog = asyncio.ensure_future(self._watch(reader))
        try:
            while True:
                wait = next_flush - loop.time()
                if self.held or self.store.dirty:
                    wait = min(wait, REBALANCE_POLL)
                events = await reader.read(max(wait, 0.0))
                if events:
                    await self._handle(events)
                if not (self.held or self.store.dirty):
                    if loop.time() >= next_flush:
                        next_flush = loop.time() + self.flush_interval
                    continue
                urgent = self.app.rebalancing or not self.app.flow_control.is_active()
                if urgent or self.store.unflushed >= self.max_unflushed:
                    await self.flush()
                    next_flush = loop.time() + self.flush_interval
                elif loop.time() >= next_flush and not self._flush_running():
                    self._start_flush()
                    next_flush = loop.time() + self.flush_interval
        except asyncio.CancelledError:
            # Stopping: Faust commits what is acknowledged, so make everything handled durable
            # first, then ack it.
            await asyncio.shield(self.flush())
            raise
        except StopAsyncIteration:
            # Also stopping: Faust closes the channel under a waiting reader (the queue raises
            # this instead of a cancel). Changes still unflushed, expiry tombstones among
            # them, were lost here before (test_idle_threads_expire_also_after_a_restore).
            await asyncio.shield(self.flush())
        finally:
            watchdog.cancel()

    async def _watch(self, reader: BatchReader) -> None:
        """Every STALL_CHECK seconds: partitions with records that never came (check_stalls)."""
        while True:
            await asyncio.sleep(STALL_CHECK)
            if self.held or self.store.dirty or self.lock.locked():
                continue  # busy: whatever is missing may still be on its way
            try:
                await reader.check_stalls()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not check the partitions for records that never came")

    async def _locked_batch(self, events: list[EventT]) -> BatchResult:
        stats = self.stats
        async with self.lock:
            stats.batch_started = time.monotonic()
            try:
                return await handle_batch(events, self.processor, self.store, self.outputs)
            finally:
                stats.batch_started = None
                stats.last_batch_done = time.monotonic()

    async def _handle(self, events: list[EventT]) -> None:
        began = time.perf_counter()
        batch = asyncio.ensure_future(self._locked_batch(events))
        try:
            try:
                result = await asyncio.shield(batch)
            except asyncio.CancelledError:
                # Stopping: finish the batch in hand (publish + keep its states), then stop.
                await batch
                self.held.extend(events)
                raise
        except asyncio.CancelledError:
            raise
        except Exception:
            # Bad input never gets here (it is dead-lettered): this is the broker or a bug.
            # Exit at once: nothing of this batch is acknowledged, a restart re-processes it.
            log.critical("comment batch failed; exiting without committing it", exc_info=True)
            _exit_now(EXIT_BATCH_FAILED)
        self.held.extend(events)
        self.stats.batches += 1
        if self.on_batch is not None:
            self.on_batch(result, time.perf_counter() - began)  # seconds, process + publish

    def _flush_running(self) -> bool:
        return self._flushing is not None and not self._flushing.done()

    def _start_flush(self) -> None:
        events, self.held = self.held, []
        self._flushing = asyncio.ensure_future(self._flush(events))

    async def flush(self) -> None:
        """Flush now (after the one in progress, if any) and wait for it. A cancelled caller
        leaves the flush running (it must not stop half way)."""
        if self._flushing is not None:
            await asyncio.shield(self._flushing)
        if self.held or self.store.dirty:
            self._start_flush()
            assert self._flushing is not None
            await asyncio.shield(self._flushing)

    async def _flush(self, events: list[EventT]) -> None:
        store, stats = self.store, self.stats
        try:
            flush = store.begin_flush()
            while not store.encode(flush, ENCODE_SLICE):
                await asyncio.sleep(0)  # let batches run meanwhile
            batches = await self.changelog.write(flush)
        except Exception:
            # These changes are not durable and their events not acknowledged: exit before
            # anything after them could be committed; a restart re-processes them.
            log.critical("writing %d thread state(s) to the changelog failed; exiting",
                         store.unflushed, exc_info=True)
            _exit_now(EXIT_BATCH_FAILED)
        store.end_flush(flush)
        for event in events:
            ack(self.app, event)
        stats.flushes += 1
        stats.changelog_records += len(flush)
        stats.changelog_batches += batches


def register_agent(app: faust.App, source: TopicT, agent: CommentAgent) -> Any:
    """The Faust agent on `source` that runs `agent`'s loop."""

    async def comments(stream: Any) -> None:  # a faust.Stream; its channel is read directly
        await agent.run(stream)

    faust_agent = app.agent(source, name="flamewatch.comments")(comments)
    faust_agent.flamewatch = agent  # type: ignore[attr-defined]
    return faust_agent
