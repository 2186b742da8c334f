"""Server-sent events: a hub that fans each update out to the open queue pages."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 256
HEARTBEAT_SECONDS = 15.0


@dataclass
class Hub:
    clients: set[asyncio.Queue[tuple[str, int, str]]] = field(default_factory=set)

    def subscribe(self) -> asyncio.Queue[tuple[str, int, str]]:
        queue: asyncio.Queue[tuple[str, int, str]] = asyncio.Queue(QUEUE_SIZE)
        self.clients.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[tuple[str, int, str]]) -> None:
        self.clients.discard(queue)

    def publish(self, event: str, seq: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
        for queue in list(self.clients):
            try:
                queue.put_nowait((event, seq, payload))
            except asyncio.QueueFull:  # a stalled client: drop it, its browser reconnects
                self.clients.discard(queue)


def frame(event: str, seq: int, payload: str) -> bytes:
    """One SSE message. `payload` is JSON with ASCII escapes, so it holds no newline."""
    return f"id: {seq}\nevent: {event}\ndata: {payload}\n\n".encode()
