"""Broker-side helpers of the benchmark: topics, bulk/paced producing, and observers that
watch a consumer group's committed offsets and the alerts topic from the outside."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

TOPIC_EXISTS = 36


async def create_topics(bootstrap: str, topics: dict[str, int], timeout: float = 30.0) -> None:
    """Create `topics` (name -> partitions) and wait until every partition has a leader."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, count, 1) for name, count in topics.items()]
        )
        for error in response.to_object()["topic_errors"]:
            if error["error_code"] not in (0, TOPIC_EXISTS):
                raise RuntimeError(f"creating topic {error}")
        deadline = time.monotonic() + timeout
        while True:
            described = await admin.describe_topics(list(topics))
            ready = all(
                d["error_code"] == 0
                and len(d["partitions"]) == topics[d["topic"]]
                and all(p["leader"] >= 0 for p in d["partitions"])
                for d in described
            )
            if ready and len(described) == len(topics):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics without leaders: {described}")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def _producer(bootstrap: str, linger_ms: int) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=linger_ms,
        max_batch_size=512 * 1024,
        max_request_size=4 * 1024 * 1024,
    )


async def produce(
    bootstrap: str,
    topic: str,
    rows: Sequence[tuple[bytes, bytes]],
    *,
    on_progress: Callable[[int], None] | None = None,
    chunk: int = 5_000,
) -> dict[int, int]:
    """Produce `rows` as fast as the broker takes them (default partitioner: murmur2 of the
    key, as the worker expects). Returns messages per partition."""
    producer = _producer(bootstrap, linger_ms=20)
    await producer.start()
    counts: dict[int, int] = {}
    try:
        for begin in range(0, len(rows), chunk):
            futures = [
                await producer.send(topic, value, key=key)
                for key, value in rows[begin : begin + chunk]
            ]
            for meta in await asyncio.gather(*futures):
                counts[meta.partition] = counts.get(meta.partition, 0) + 1
            if on_progress is not None:
                on_progress(min(begin + chunk, len(rows)))
        await producer.flush()
    finally:
        await producer.stop()
    return counts


async def produce_paced(
    bootstrap: str,
    topic: str,
    rows: Sequence[tuple[bytes, bytes]],
    ids: Sequence[str],
    rate: float,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, float], float]:
    """Produce `rows` at `rate` messages/s (on schedule: message i is handed to the producer at
    start + i / rate). Returns comment id -> produce time (time.monotonic(), taken just before
    the send) and the seconds the whole send took.

    The producer lingers 5 ms like `flamewatch replay` (a site's producer would batch too);
    that wait counts as latency, since the clock starts before the send."""
    producer = _producer(bootstrap, linger_ms=5)
    await producer.start()
    sent_at: dict[str, float] = {}
    pending: list[asyncio.Future[Any]] = []
    try:
        began = time.monotonic()
        for i, ((key, value), cid) in enumerate(zip(rows, ids, strict=True)):
            due = began + i / rate
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            sent_at[cid] = time.monotonic()
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= 1000:
                await asyncio.gather(*pending)
                pending.clear()
            if on_progress is not None and i % 500 == 0:
                on_progress(i)
        await asyncio.gather(*pending)
        seconds = time.monotonic() - began
    finally:
        await producer.stop()
    if on_progress is not None:
        on_progress(len(rows))
    return sent_at, seconds


async def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: int(off) for tp, off in ends.items()}
    finally:
        await consumer.stop()


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
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
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


@dataclass
class AlertReader:
    """Reads an alerts topic from the beginning; notes when each alert became readable."""

    bootstrap: str
    topic: str
    partitions: int
    received: list[tuple[float, str, str]] = field(default_factory=list)
    """(time.monotonic() when read, alert_id, trigger_comment_id)."""
    detected: dict[str, float] = field(default_factory=dict)
    """alert_id -> the alert's `detected_at` (set by the worker), on the time.monotonic()
    scale of this process (same host, same clock)."""
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def count(self) -> int:
        return len(self.received)

    @property
    def distinct(self) -> int:
        return len({alert_id for _, alert_id, _ in self.received})

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # the broker answers as soon as one byte is there (fetch_min_bytes=1): a long wait
            # only saves idle polling, it does not delay an alert
            fetch_max_wait_ms=500,
        )
        await self._consumer.start()
        tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._consumer is not None
        wall_minus_mono = time.time() - time.monotonic()
        while True:
            batches = await self._consumer.getmany(timeout_ms=50, max_records=10_000)
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    doc = orjson.loads(record.value) if record.value else {}
                    alert_id = str(doc.get("alert_id"))
                    self.received.append((now, alert_id, str(doc.get("trigger_comment_id"))))
                    with contextlib.suppress(TypeError, ValueError):
                        detected = datetime.fromisoformat(str(doc["detected_at"])).timestamp()
                        self.detected[alert_id] = detected - wall_minus_mono

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
            self._consumer = None


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
