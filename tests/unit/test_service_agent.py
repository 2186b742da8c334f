"""The Faust agent itself, driven with `agent.test_context()` (no broker).

Outgoing sends and the changelog producer are captured; the point is the agent's plumbing:
batches read from the channel, alerts/dead letters to their topics, changed states written
in bulk by a flush, and events acknowledged only once the flush that covers them is done.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import orjson

from streams.service.app import create_app
from streams.service.codec import DEFLATE
from streams.service.processing import Core
from streams.service.settings import load_settings

SAMPLE = Path(__file__).resolve().parents[2] / "streams" / "service" / "sample_thread.jsonl"
THREAD = b"harbour-road-cycle-lane"


class FakeBatch:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: list[tuple[bytes, bytes | None]] = []

    def append(self, *, key: bytes, value: bytes | None, timestamp: Any) -> Any:
        if len(self.records) >= self.capacity:
            return None
        self.records.append((key, value))
        return object()


class FakeProducer:
    """Stands in for aiokafka's producer: batches of `capacity` records, offsets per
    partition; `hold` keeps deliveries pending until released."""

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self.sent: list[tuple[str, int, list[tuple[bytes, bytes | None]]]] = []
        self.offsets: dict[int, int] = {}
        self.hold = asyncio.Event()
        self.hold.set()

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self.capacity)

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        base = self.offsets.get(partition, 0)
        self.offsets[partition] = base + len(batch.records)
        self.sent.append((topic, partition, batch.records))

        async def deliver() -> Any:
            await self.hold.wait()
            return SimpleNamespace(offset=base)

        return asyncio.ensure_future(deliver())


def service_for(tmp_path: Path, **env: str) -> Any:
    settings = load_settings({
        "FLAMEWATCH_WEB_ENABLED": "false",
        "FLAMEWATCH_DATA_DIR": str(tmp_path),
        "FLAMEWATCH_BATCH_WINDOW": "0.01",
        # test_context delivers every record on partition 0: one partition keeps them "home"
        "FLAMEWATCH_PARTITIONS": "1",
        "FLAMEWATCH_SCORER": "rules+fast",  # no encoder hand-off topics to capture here
        **env,
    })
    service = create_app(settings)
    app = service.app
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()
    return service


async def wait_for(predicate: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


def capture(sent: list[tuple[str, bytes | None, bytes]], topic: str) -> Any:
    async def send(*, key: bytes | None, value: bytes, **kwargs: Any) -> Any:
        sent.append((topic, key, value))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done
    return send


async def test_agent_publishes_and_flushes_states_in_bulk(tmp_path: Path) -> None:
    service = service_for(tmp_path, FLAMEWATCH_FLUSH_INTERVAL="0.2")
    sent: list[tuple[str, bytes | None, bytes]] = []
    producer = FakeProducer()
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    out = service.outputs
    acked: list[int] = []
    with (
        patch.object(out.alerts, "send", capture(sent, "alerts")),
        patch.object(out.dead_letters, "send", capture(sent, "dlq")),
        patch.object(out.rekey, "send", capture(sent, "rekey")),
        patch.object(type(service.app.producer), "_ensure_producer", lambda self: producer),
        patch("streams.service.agents.ack", lambda app, event: acked.append(1)),
    ):
        async with service.agent.test_context() as agent:
            # two other threads too, so that a flush spans several record batches
            for i, line in enumerate(lines):
                await agent.put(line, key=orjson.loads(line)["thread_id"].encode(), wait=False)
                other = orjson.loads(line)
                other["thread_id"] = f"other-{i % 2}"
                await agent.put(orjson.dumps(other), key=other["thread_id"].encode(), wait=False)
            await agent.put(b"{broken", key=None, wait=False)
            await wait_for(lambda: service.stats.processed == 2 * len(lines)
                           and service.stats.flushes >= 1 and not service.store.unflushed)
            # everything handled was acknowledged, and only after a flush covered it
            await wait_for(lambda: len(acked) == 2 * len(lines) + 1)

    stats = service.stats
    assert (stats.processed, stats.dead_lettered, stats.rekeyed) == (2 * len(lines), 1, 0)
    alerts = [orjson.loads(v) for t, _, v in sent if t == "alerts"]
    assert alerts and stats.alerts == len(alerts)
    assert THREAD in {k for t, k, _ in sent if t == "alerts"}
    [dead] = [orjson.loads(v) for t, _, v in sent if t == "dlq"]
    assert dead["reason"] == "invalid_json"
    # the changelog got far fewer records than there were comments: a thread's state once
    # per flush, in batches of at most 2 (the fake's capacity)
    topics = {t for t, _, _ in producer.sent}
    assert topics == {service.changelog_topic}
    records = [r for _, _, batch in producer.sent for r in batch]
    assert stats.changelog_records == len(records) < len(lines)
    assert all(1 <= len(batch) <= 2 for _, _, batch in producer.sent)
    assert stats.changelog_batches == len(producer.sent)
    last = [v for k, v in records if k == THREAD][-1]
    assert last is not None and last[0] == DEFLATE  # the compact encoding
    state = Core.default().decode_state(last)
    assert len(state.seen) == len(lines)
    # the local store holds what the changelog got
    assert service.table[THREAD] == last
    assert set(service.store) == {THREAD, b"other-0", b"other-1"}


async def test_events_are_acked_only_once_their_states_are_durable(tmp_path: Path) -> None:
    service = service_for(tmp_path, FLAMEWATCH_FLUSH_INTERVAL="0.1")
    producer = FakeProducer(capacity=100)
    producer.hold.clear()  # the broker does not answer yet
    acked: list[Any] = []
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()][:6]
    sent: list[tuple[str, bytes | None, bytes]] = []
    with (
        patch.object(service.outputs.alerts, "send", capture(sent, "alerts")),
        patch.object(type(service.app.producer), "_ensure_producer", lambda self: producer),
        patch("streams.service.agents.ack", lambda app, event: acked.append(event)),
    ):
        async with service.agent.test_context() as agent:
            for line in lines:
                await agent.put(line, key=THREAD, wait=False)
            await wait_for(lambda: producer.sent)  # a flush is on its way
            await asyncio.sleep(0.3)
            assert acked == []  # not durable: nothing may be committed
            assert service.store.unflushed == 1
            assert THREAD not in service.table  # nor in the local store
            producer.hold.set()
            await wait_for(lambda: len(acked) == len(lines))
    assert service.table[THREAD] == producer.sent[0][2][-1][1]


async def test_stopping_flushes_what_is_unflushed(tmp_path: Path) -> None:
    """A stop between two flushes still makes every change durable (and acks its events)
    before the agent ends; expiry tombstones included."""
    service = service_for(tmp_path, FLAMEWATCH_FLUSH_INTERVAL="60")
    producer = FakeProducer(capacity=100)
    acked: list[Any] = []
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()][:4]
    sent: list[tuple[str, bytes | None, bytes]] = []
    with (
        patch.object(service.outputs.alerts, "send", capture(sent, "alerts")),
        patch.object(type(service.app.producer), "_ensure_producer", lambda self: producer),
        patch("streams.service.agents.ack", lambda app, event: acked.append(event)),
    ):
        async with service.agent.test_context() as agent:
            service.table.data[b"expired-thread"] = b"stored"  # durable, in the local store
            for line in lines:
                await agent.put(line, key=THREAD, wait=False)
            await wait_for(lambda: service.stats.processed == len(lines))
            del service.store[b"expired-thread"]  # what the expiry timer does
            assert producer.sent == [] and acked == []  # the next flush is a minute away
    records = [r for _, _, batch in producer.sent for r in batch]
    assert {k for k, _ in records} == {THREAD, b"expired-thread"}
    assert (b"expired-thread", None) in records
    assert len(acked) == len(lines)
    assert service.store.unflushed == 0
