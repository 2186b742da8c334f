"""The feedback outbox: decisions not yet on the feedback topic are sent, then marked.

A decision is stored first and published after, so a broker outage never loses one; a crash
between send and mark re-sends it with the same `feedback_id` (consumers de-duplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from streams.console.metrics import ConsoleMetrics

log = logging.getLogger("flamewatch.console")


def pending(conn: sqlite3.Connection, limit: int = 100) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT feedback_id, alert_id, record FROM decisions WHERE published = 0 "
        "ORDER BY decided_at LIMIT ?", (limit,)).fetchall()


class Publisher:
    def __init__(self, conn: sqlite3.Connection, *, bootstrap: str, topic: str,
                 metrics: ConsoleMetrics, client: dict[str, Any] | None = None) -> None:
        self.client = client or {}
        self.conn = conn
        self.bootstrap = bootstrap
        self.topic = topic
        self.metrics = metrics
        self.wake = asyncio.Event()

    def kick(self) -> None:
        self.wake.set()

    async def run(self) -> None:
        while True:
            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all",
                                        linger_ms=0, **self.client)
            try:
                await producer.start()
                while True:
                    await self._drain(producer)
                    self.wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), timeout=5.0)
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError) as exc:
                log.warning("feedback: cannot publish, retrying in 2 s: %r", exc)
            finally:
                await producer.stop()
            await asyncio.sleep(2.0)

    async def _drain(self, producer: AIOKafkaProducer) -> None:
        while True:
            rows = pending(self.conn)
            self.metrics.feedback_pending.set(len(rows))
            if not rows:
                return
            for row in rows:
                await producer.send_and_wait(self.topic, row["record"].encode(),
                                             key=row["alert_id"].encode())
                self.conn.execute("UPDATE decisions SET published = 1 WHERE feedback_id = ?",
                                  (row["feedback_id"],))
                self.metrics.feedback_published.inc()
