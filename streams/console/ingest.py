"""Alerts and comments topics → SQLite, resuming from the console group's committed offsets.

Per consumed batch: one SQLite transaction, then the Kafka commit (at-least-once; the store
is idempotent), then live updates for the new alerts.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from schemas import Alert, DecodeError, decode_comment
from streams.console.metrics import ConsoleMetrics
from streams.console.policy import Policies
from streams.console.store import apply_alert, apply_comment

log = logging.getLogger("flamewatch.console")


class Ingest:
    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        bootstrap: str,
        alerts_topic: str,
        comments_topic: str,
        group: str,
        policies: Callable[[], Policies],
        on_alert: Callable[[int], None],
        metrics: ConsoleMetrics,
        client: dict[str, Any] | None = None,
    ) -> None:
        self.client = client or {}
        """More aiokafka options (TLS/SASL: streams.service.security.client_options)."""
        self.conn = conn
        self.bootstrap = bootstrap
        self.alerts_topic = alerts_topic
        self.comments_topic = comments_topic
        self.group = group
        self.policies = policies
        self.on_alert = on_alert
        self.metrics = metrics
        self.ready = asyncio.Event()
        self.last_error: str | None = None

    async def run(self) -> None:
        """Consume until cancelled; reconnects after broker errors."""
        while True:
            consumer = AIOKafkaConsumer(
                self.alerts_topic, self.comments_topic,
                bootstrap_servers=self.bootstrap, group_id=self.group,
                enable_auto_commit=False, auto_offset_reset="earliest",
                metadata_max_age_ms=5000, session_timeout_ms=10000,
                heartbeat_interval_ms=1000, **self.client,
            )
            try:
                await consumer.start()
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except (KafkaError, OSError) as exc:
                self.last_error = repr(exc)
                log.warning("ingest: broker error, retrying in 2 s: %r", exc)
            finally:
                self.ready.clear()
                self.metrics.ingest_ready.set(0)
                await consumer.stop()
            await asyncio.sleep(2.0)

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            if consumer.assignment() and not self.ready.is_set():
                self.ready.set()
                self.metrics.ingest_ready.set(1)
                log.info("ingest: consuming %d partition(s)", len(consumer.assignment()))
            if not batches:
                continue
            records = [r for part in batches.values() for r in part]
            began = time.perf_counter()
            new = self.store(records)
            await consumer.commit()
            self.metrics.ingest_batch.observe(time.perf_counter() - began)
            for seq in new:
                self.on_alert(seq)

    def store(self, records: list[ConsumerRecord[Any, Any]]) -> list[int]:
        """Apply records in one transaction; returns the sequence numbers of new alerts."""
        now = time.time()
        policies = self.policies()
        new: list[int] = []
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for record in records:
                if record.value is None:
                    continue
                if record.topic == self.alerts_topic:
                    seq = self._alert(record.value, now, policies)
                    if seq is not None:
                        new.append(seq)
                else:
                    self._comment(record.value, now, policies)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return new

    def _alert(self, value: bytes, now: float, policies: Policies) -> int | None:
        try:
            raw = orjson.loads(value)
            alert = Alert.model_validate(raw)
        except (orjson.JSONDecodeError, ValidationError) as exc:
            self.metrics.bad_records.labels(self.alerts_topic).inc()
            log.warning("ingest: skipping an undecodable alert: %s", str(exc)[:200])
            return None
        seq = apply_alert(self.conn, raw, alert, now, policies)
        if seq is not None:
            self.metrics.alerts.labels(alert.severity).inc()
        return seq

    def _comment(self, value: bytes, now: float, policies: Policies) -> None:
        event = decode_comment(value)
        if isinstance(event, DecodeError):
            self.metrics.bad_records.labels(self.comments_topic).inc()
            return  # the worker dead-letters it; the console has nothing to show
        apply_comment(self.conn, event, now, policies)
        self.metrics.comments.inc()
