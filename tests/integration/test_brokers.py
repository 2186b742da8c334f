"""The brokers started by streams.brokers work: topics, produce, consume, clean stop."""

from __future__ import annotations

import asyncio
import re
import socket
from collections import defaultdict

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streams.brokers import BrokerError, RunningBroker, TansuBroker, start_broker
from streams.brokers.base import port_open
from tests.integration.conftest import TopicFactory

Record = tuple[bytes, bytes, int]  # key, value, partition


async def produce(bootstrap: str, topic: str, count: int, keys: int) -> list[tuple[bytes, bytes]]:
    """Send `count` messages spread over `keys` keys; returns (key, value) in send order."""
    sent = [(f"k{i % keys}".encode(), f"value-{i}".encode()) for i in range(count)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=[("seq", str(i).encode())])
            for i, (key, value) in enumerate(sent)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return sent


async def consume(bootstrap: str, topic: str, count: int, timeout: float = 60.0) -> list[Record]:
    """Read `count` messages from the start of `topic` in a fresh consumer group."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"g-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,  # Tansu holds a JoinGroup about session_timeout/2
        heartbeat_interval_ms=1000,
    )
    await consumer.start()
    got: list[Record] = []
    try:
        async with asyncio.timeout(timeout):
            while len(got) < count:
                batches = await consumer.getmany(timeout_ms=500)
                for tp, messages in batches.items():
                    for m in messages:
                        assert m.key is not None and m.value is not None
                        assert dict(m.headers)["seq"] == m.value.split(b"-")[1]
                        got.append((m.key, m.value, tp.partition))
        await consumer.commit()
        committed = {tp: await consumer.committed(tp) for tp in consumer.assignment()}
        assert sum(o or 0 for o in committed.values()) == count
    finally:
        await consumer.stop()
    return got


async def round_trip(bootstrap: str, topic: str, partitions: int) -> None:
    sent = await produce(bootstrap, topic, count=40, keys=5)
    got = await consume(bootstrap, topic, count=len(sent))
    assert sorted((k, v) for k, v, _ in got) == sorted(sent)
    # One key lives in one partition, and within a key the order is the send order.
    by_key: dict[bytes, list[bytes]] = defaultdict(list)
    partition_of: dict[bytes, set[int]] = defaultdict(set)
    for key, value, partition in got:
        by_key[key].append(value)
        partition_of[key].add(partition)
    assert all(len(p) == 1 for p in partition_of.values())
    assert {p for ps in partition_of.values() for p in ps} <= set(range(partitions))
    for key, values in by_key.items():
        assert values == [v for k, v in sent if k == key]


def test_broker_is_up(broker: RunningBroker, broker_kind: str) -> None:
    assert broker.kind == broker_kind
    assert broker.running
    assert re.fullmatch(r"127\.0\.0\.1:\d+", broker.bootstrap)
    assert broker.url == f"kafka://{broker.bootstrap}"
    assert port_open(broker.host, broker.port)


async def test_topic_factory_makes_unique_topics(
    broker: RunningBroker, topic_factory: TopicFactory
) -> None:
    first = await topic_factory(3)
    second = await topic_factory(1, prefix="other")
    assert first != second and second.startswith("other-")
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics([first, second])}
    finally:
        await admin.close()
    assert len(described[first]["partitions"]) == 3
    assert len(described[second]["partitions"]) == 1


def test_topic_factory_sync(topic_factory: TopicFactory) -> None:
    name = topic_factory.sync(2)
    assert name in topic_factory.created


async def test_round_trip(broker: RunningBroker, topic_factory: TopicFactory) -> None:
    topic = await topic_factory(3)
    await round_trip(broker.bootstrap, topic, partitions=3)


async def test_kafka_auto_creates_topics_with_one_partition(
    broker: RunningBroker, broker_kind: str
) -> None:
    if broker_kind != "kafka":
        pytest.skip("Tansu auto-creates topics with 4 partitions")
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    try:
        meta = await producer.send_and_wait("auto-created-topic", b"hello", key=b"k")
        assert meta.partition == 0
        assert await producer.partitions_for("auto-created-topic") == {0}
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap)
    await consumer.start()
    try:
        tp = TopicPartition("auto-created-topic", 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        message = await asyncio.wait_for(consumer.getone(), 30)
        assert (message.key, message.value) == (b"k", b"hello")
    finally:
        await consumer.stop()


async def test_tansu_starts_round_trips_and_stops() -> None:
    tansu = await asyncio.to_thread(start_broker, "tansu")
    workdir = tansu.workdir
    try:
        assert isinstance(tansu, TansuBroker) and tansu.running
        assert workdir is not None and workdir.is_dir()
        topic = await TopicFactory(tansu.bootstrap)(2)
        await round_trip(tansu.bootstrap, topic, partitions=2)
    finally:
        code = await asyncio.to_thread(tansu.stop)
    assert code is not None and not tansu.running
    assert not port_open(tansu.host, tansu.port)
    assert not workdir.exists()
    assert tansu.stop() is None  # a second stop is harmless


def test_start_failure_reports_the_broker_log() -> None:
    # A port that is already taken: tansu exits at once and the error quotes its output.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BrokerError) as info:
            start_broker("tansu", port=port, timeout=20)
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message
    assert "exited with code" in message
    assert "last lines of tansu.log" in message
