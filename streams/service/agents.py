"""The thin Faust agent: batch of raw records → core (processing.py) → one table write per
thread → publish alerts / dead letters / rekeyed records → wait until they are delivered.

Offsets of a batch are acknowledged by `take_events` only after the body below has run, and the
body returns only once everything it produced is on the broker: at-least-once.
"""

from __future__ import annotations

import asyncio
import logging
import os
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


async def handle_batch(
    events: Sequence[EventT],
    processor: BatchProcessor,
    table: TableT,
    outputs: Outputs,
    app: faust.App,
) -> BatchResult:
    records = [to_record(e) for e in events]
    by_offset = {(r.topic, r.partition, r.offset): e for r, e in zip(records, events, strict=True)}
    result = processor.process(records, table.get)

    for key, data in result.encoded.items():
        last = result.last_record[key]
        with _as_current(by_offset[(last.topic, last.partition, last.offset)]):
            table[key] = data  # ONE changelog record per thread per batch

    pending: list[asyncio.Future[Any]] = []
    for key, value in result.rekeyed:
        pending.append(outputs.rekey.send_soon(key=key, value=value, force=True))
    for key, value in result.alerts:
        pending.append(outputs.alerts.send_soon(key=key, value=value, force=True))
    for dkey, value in result.dead_letters:
        pending.append(outputs.dead_letters.send_soon(key=dkey, value=value, force=True))
    if pending:
        await asyncio.gather(*pending)
    if result.encoded:
        # the changelog records were queued before the sends above; wait for them too
        await app.producer.flush()
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
    on_batch: Callable[[BatchResult], None] | None = None,
) -> Any:
    async def comments(stream: Any) -> None:  # a faust.Stream
        async for events in stream.take_events(batch_size, within=batch_window):
            try:
                result = await handle_batch(events, processor, table, outputs, app)
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
                on_batch(result)

    return app.agent(source, name="flamewatch.comments")(comments)
