"""Write a flush of thread states to the table's changelog in bulk, then to its local store.

Faust writes one changelog record per `table[key] = value`, each through its producer buffer
(a task hop and a `send` per record). Here a flush goes to aiokafka directly, as a few record
batches per partition (`create_batch`/`send_batch`), and is awaited as a whole (acks from the
producer's `acks` setting). Only then is it applied to the table's local store, through the
same call Faust's recovery uses (`Table.apply_changelog_batch`), which for RocksDB also
records the changelog offset it holds, so a restart with the local store reads only the rest.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from faust.types import TP, TableT

from streams.service.store import Flush


@dataclass(frozen=True, slots=True)
class _Message:
    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes | None

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)


@dataclass(frozen=True, slots=True)
class _Applied:
    """The shape of a changelog event that the stores' apply_changelog_batch reads."""

    message: _Message

    @property
    def key(self) -> bytes:
        return self.message.key

    @property
    def value(self) -> bytes | None:
        return self.message.value


class ChangelogWriter:
    def __init__(self, app: Any, table: TableT) -> None:
        self.app = app
        self.table = table

    @property
    def topic(self) -> str:
        return str(self.table.changelog_topic.get_topic_name())

    def _producer(self) -> Any:
        # faust.transport.drivers.aiokafka.Producer keeps its aiokafka producer here; the
        # record batch API is aiokafka's public one.
        return self.app.producer._ensure_producer()

    async def write(self, flush: Flush) -> int:
        """Produce every record of `flush` and wait for all of them; then apply them to the
        local store. Returns the number of record batches sent."""
        if not flush.records:
            return 0
        producer = self._producer()
        topic = self.topic
        by_partition: dict[int, list[tuple[bytes, bytes | None]]] = defaultdict(list)
        for partition, key, value in flush.records:
            by_partition[partition].append((key, value))
        sent: list[tuple[int, list[tuple[bytes, bytes | None]], asyncio.Future[Any]]] = []
        for partition, items in by_partition.items():
            start = 0
            while start < len(items):
                batch = producer.create_batch()
                end = start
                while end < len(items):
                    key, value = items[end]
                    if batch.append(key=key, value=value, timestamp=None) is None:
                        break
                    end += 1
                if end == start:
                    raise ValueError(
                        f"thread state {items[start][0]!r} ({len(items[start][1] or b'')} B) "
                        "does not fit a record batch"
                    )
                future = await producer.send_batch(batch, topic, partition=partition)
                sent.append((partition, items[start:end], future))
                start = end
        metadata = await asyncio.gather(*(future for _, _, future in sent))
        applied = [
            _Applied(_Message(topic, partition, meta.offset + i, key, value))
            for (partition, items, _), meta in zip(sent, metadata, strict=True)
            for i, (key, value) in enumerate(items)
        ]
        self.table.apply_changelog_batch(cast(Any, applied))
        return len(sent)
