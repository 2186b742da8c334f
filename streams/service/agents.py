"""The thin Faust agent: batch of raw records → core (processing.py) → publish alerts / dead
letters / rekeyed records and wait for them → one table write per thread → wait for those.

Offsets of a batch are acknowledged by `take_events` only after the body below has run, and the
body returns only once everything it produced is on the broker: at-least-once.

The core runs in a worker thread (`asyncio.to_thread`), so a batch of costly comments never
stops the event loop: heartbeats, the web views (/healthz) and timers go on meanwhile. A lock
keeps the expiry timer from running while a batch is in hand.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import weakref
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import faust
from faust.streams import _current_event  # the contextvar Table/Store use for `current_event()`
from faust.types import EventT, TableT, TopicT

from streams.service.processing import BatchProcessor, BatchResult, Record

log = logging.getLogger("flamewatch.worker")

EXIT_BATCH_FAILED = 70  # EX_SOFTWARE


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


@contextmanager
def _as_current(event: EventT) -> Any:
    """Make `event` the current event of this task (stores such as RocksDB pick the partition
    database from it). Only this task's context changes, not the stream's."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


async def flush_producer(app: faust.App, timeout: float = 60.0) -> None:
    """Wait until every record queued so far (table changelog included) is on the broker.

    Faust's own flush gives up on its buffer after 0.1 s without progress; drain it fully.
    """
    producer = app.producer
    deadline = asyncio.get_running_loop().time() + timeout
    while producer.buffer.size:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"producer buffer still holds {producer.buffer.size} records")
        await producer.buffer.flush()
    await producer.flush()


async def handle_batch(
    events: Sequence[EventT],
    processor: BatchProcessor,
    table: TableT,
    outputs: Outputs,
    app: faust.App,
) -> BatchResult:
    records = [to_record(e) for e in events]
    by_offset = {(r.topic, r.partition, r.offset): e for r, e in zip(records, events, strict=True)}
    # In a thread: the event loop stays free however long the core takes on this batch.
    result = await asyncio.to_thread(processor.process, records, table.get)

    # 1. Publish, and wait until the broker has it all. Sent directly (not through Faust's
    #    send buffer): a record the producer refuses raises here, and the caller exits,
    #    instead of crashing the buffer and leaving a worker that answers but never delivers.
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

    # 2. Only then remember it: the state says which alerts went out, so it must never be
    #    durable before they are (a crash in between would re-process the batch without
    #    re-sending its alerts). A crash after 1 and before 2 re-sends them instead.
    for key, data in result.encoded.items():
        last = result.last_record[key]
        with _as_current(by_offset[(last.topic, last.partition, last.offset)]):
            table[key] = data  # ONE changelog record per thread per batch
    if result.encoded:
        await flush_producer(app)
    # 3. The caller's take_events() acks the batch: its offsets become committable.
    return result


def register_agent(
    app: faust.App,
    source: TopicT,
    table: TableT,
    outputs: Outputs,
    processor: BatchProcessor,
    *,
    batch_size: int,
    batch_window: float,
    on_batch: Callable[[BatchResult, float], None] | None = None,
    lock: asyncio.Lock | None = None,
) -> Any:
    guard = lock or asyncio.Lock()
    stats = processor.stats

    async def locked_batch(events: Sequence[EventT]) -> BatchResult:
        async with guard:
            stats.batch_started = time.monotonic()
            try:
                return await handle_batch(events, processor, table, outputs, app)
            finally:
                stats.batch_started = None
                stats.last_batch_done = time.monotonic()

    async def comments(stream: Any) -> None:  # a faust.Stream
        async for events in stream.take_events(batch_size, within=batch_window):
            began = time.perf_counter()
            batch = asyncio.ensure_future(locked_batch(events))
            try:
                try:
                    result = await asyncio.shield(batch)
                except asyncio.CancelledError:
                    # Stopping: take_events acks this batch on the way out and Faust commits
                    # on stop, so finish it first (publish + state), then stop.
                    await batch
                    raise
            except Exception:
                # Bad input never gets here (it is dead-lettered): this is the broker or a
                # bug. `take_events` acks a batch whose body raised, and Faust commits on
                # agent errors, so leaving the loop would lose the batch. Exit at once
                # instead: nothing of this batch is committed, a restart re-processes it.
                log.critical("comment batch failed; exiting without committing it",
                             exc_info=True)
                _exit_now(EXIT_BATCH_FAILED)
            processor.stats.batches += 1
            if on_batch is not None:
                on_batch(result, time.perf_counter() - began)  # seconds, publish + state

    return app.agent(source, name="flamewatch.comments")(comments)
