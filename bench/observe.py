"""Observers of the benchmark, from outside the measured processes: a consumer group's
committed offsets, and the latest value of every key on a topic (state sizes on the changelog).
Topics, producing and the alerts reader are in streams/harness.py."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streams.harness import cancel


@dataclass
class Sample:
    t: float
    """time.monotonic() of the observation."""
    committed: int
    """Sum of the group's committed offsets on the topic."""
    members: int = -1
    """Members of the group at that time (-1: not asked)."""


@dataclass
class CommitWatcher:
    """Polls the committed offsets (and optionally the members) of a consumer group."""

    bootstrap: str
    group: str
    topic: str
    interval: float = 0.05
    watch_members: bool = False
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0
    last_error: str = ""
    _task: asyncio.Task[None] | None = None
    _admin: AIOKafkaAdminClient | None = None

    @property
    def committed(self) -> int:
        return self.samples[-1].committed if self.samples else 0

    async def start(self) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await self._admin.start()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None
        if self._admin is not None:
            with contextlib.suppress(Exception):
                await self._admin.close()
            self._admin = None

    async def _run(self) -> None:
        assert self._admin is not None
        while True:
            try:
                offsets = await self._admin.list_consumer_group_offsets(self.group)
                total = sum(
                    meta.offset
                    for tp, meta in offsets.items()
                    if tp.topic == self.topic and meta.offset >= 0
                )
                members = -1
                if self.watch_members:
                    members = await self._members()
                self.samples.append(Sample(time.monotonic(), total, members))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the group may not exist yet: try again
                self.errors += 1
                self.last_error = repr(exc)
            await asyncio.sleep(self.interval)

    async def _members(self) -> int:
        assert self._admin is not None
        [response] = await self._admin.describe_consumer_groups([self.group])
        groups = response.to_object()["groups"]
        for g in groups:
            if g.get("group") == self.group:
                return len(g.get("members") or ()) if g.get("state") == "Stable" else 0
        return 0


async def latest_value_sizes(
    bootstrap: str, topic: str, partitions: int, timeout: float = 600.0
) -> dict[bytes, int]:
    """Key -> size of its latest value on `topic` (keys whose latest record is a tombstone are
    left out). Reads the topic from the beginning to its current end."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    sizes: dict[bytes, int] = {}
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        deadline = time.monotonic() + timeout
        while remaining and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=50_000)
            for tp, records in batches.items():
                for record in records:
                    key = record.key or b""
                    if record.value is None:
                        sizes.pop(key, None)
                    else:
                        sizes[key] = len(record.value)
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return sizes
