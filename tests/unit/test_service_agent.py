"""The Faust agent itself, driven with `agent.test_context()` (no broker).

Outgoing sends and changelog writes are captured; the point is the agent's plumbing: batches
from the stream, one table write per thread per batch, alerts/dead letters to their topics.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, patch

import orjson

from streams.detect import decode_state
from streams.service.app import create_app
from streams.service.settings import load_settings

SAMPLE = Path(__file__).resolve().parents[2] / "streams" / "service" / "sample_thread.jsonl"


async def test_agent_batches_writes_once_per_thread_and_publishes(tmp_path: Path) -> None:
    settings = load_settings({
        "FLAMEWATCH_WEB_ENABLED": "false",
        "FLAMEWATCH_DATA_DIR": str(tmp_path),
        "FLAMEWATCH_BATCH_WINDOW": "0.05",
        # test_context delivers every record on partition 0: one partition keeps them "home"
        "FLAMEWATCH_PARTITIONS": "1",
        "FLAMEWATCH_SCORER": "rules+fast",  # no encoder hand-off topics to capture here
    })
    service = create_app(settings)
    app = service.app
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()

    sent: list[tuple[str, bytes | None, bytes]] = []
    changelog: list[tuple[bytes, bytes]] = []

    def capture(topic: str) -> Any:
        async def send(*, key: bytes | None, value: bytes, **kwargs: Any) -> Any:
            sent.append((topic, key, value))
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        return send

    def send_changelog(partition: Any, key: bytes, value: bytes, *a: Any, **k: Any) -> Any:
        changelog.append((key, value))
        return SimpleNamespace(message=SimpleNamespace(partition=0))

    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    out = service.outputs
    with (
        patch.object(out.alerts, "send", capture("alerts")),
        patch.object(out.dead_letters, "send", capture("dlq")),
        patch.object(out.rekey, "send", capture("rekey")),
        patch.object(service.table, "send_changelog", send_changelog),
        patch.object(type(app.producer), "flush", AsyncMock()),
    ):
        async with service.agent.test_context() as agent:
            for line in lines:
                await agent.put(line, key=orjson.loads(line)["thread_id"].encode())
            await agent.put(b"{broken", key=None)
            for _ in range(100):
                if service.stats.processed == len(lines) and service.stats.dead_lettered:
                    break
                await asyncio.sleep(0.05)

    stats = service.stats
    assert (stats.processed, stats.dead_lettered, stats.rekeyed) == (len(lines), 1, 0)
    alerts = [orjson.loads(v) for t, _, v in sent if t == "alerts"]
    assert alerts and stats.alerts == len(alerts)
    assert {k for t, k, _ in sent if t == "alerts"} == {b"harbour-road-cycle-lane"}
    [dead] = [orjson.loads(v) for t, _, v in sent if t == "dlq"]
    assert dead["reason"] == "invalid_json"
    # far fewer changelog writes than comments: one per thread per batch
    assert 1 <= len(changelog) <= stats.batches < len(lines)
    final = decode_state(changelog[-1][1])
    assert len(final.seen) == len(lines)
    assert service.table[b"harbour-road-cycle-lane"] == changelog[-1][1]
