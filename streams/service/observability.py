"""Prometheus `/metrics` on the worker's web port (open, like /healthz and /readyz).

Counters kept by `Stats` are read at scrape time; alerts by severity, dead letters by reason
and the batch duration are observed per batch (`observe_batch`, called by the agent); table
size, state bytes and consumer lag (records waiting per owned source partition, as
`health.source_lag` sees them) are computed at scrape time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from streams.service.app import Service
    from streams.service.processing import BatchResult

log = logging.getLogger("flamewatch.worker")

BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _ServiceCollector(Collector):
    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[Any]:
        stats = self.service.stats
        for name, value, doc in (
            ("flamewatch_comments_processed", stats.processed, "Comments applied to thread state"),
            ("flamewatch_comments_rekeyed", stats.rekeyed, "Comments forwarded to repartition"),
            ("flamewatch_threads_expired", stats.expired, "Threads forgotten after inactivity"),
            ("flamewatch_batches", stats.batches, "Batches processed"),
        ):
            yield CounterMetricFamily(name, doc, value=value)
        yield GaugeMetricFamily("flamewatch_event_time_watermark_seconds",
                                "Newest event time seen (epoch seconds)", value=stats.watermark)
        threads, size = self._table_size()
        yield GaugeMetricFamily("flamewatch_active_threads", "Threads in this worker's table",
                                value=threads)
        yield GaugeMetricFamily("flamewatch_state_bytes", "Encoded thread state in the table",
                                value=size)
        lag = GaugeMetricFamily("flamewatch_consumer_lag",
                                "Records waiting to be read, per owned source partition",
                                labels=["topic", "partition"])
        for (topic, partition), value in self._lag().items():
            lag.add_metric([topic, str(partition)], value)
        yield lag

    def _table_size(self) -> tuple[int, int]:
        try:
            table = self.service.table
            return len(table), sum(len(v) for v in table.values() if v)
        except Exception:  # a store that cannot be iterated now (recovering)
            return 0, 0

    def _lag(self) -> dict[tuple[str, int], int]:
        from streams.service.health import source_lag

        out: dict[tuple[str, int], int] = {}
        for key, waiting in (source_lag(self.service) or {}).items():
            topic, _, partition = key.rpartition(":")
            out[(topic, int(partition))] = waiting
        return out


class WorkerMetrics:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.alerts = Counter("flamewatch_alerts", "Alerts published", ["severity"],
                              registry=self.registry)
        self.dead_letters = Counter("flamewatch_dead_letters", "Records dead-lettered",
                                    ["reason"], registry=self.registry)
        self.batch_seconds = Histogram("flamewatch_batch_duration_seconds",
                                       "One batch: decode, detect, publish, state write",
                                       buckets=BATCH_BUCKETS, registry=self.registry)
        self.registry.register(_ServiceCollector(service))
        for severity in ("heated", "personal_attack", "escalation"):
            self.alerts.labels(severity)

    def observe_batch(self, result: BatchResult, seconds: float) -> None:
        self.batch_seconds.observe(seconds)
        for _, value in result.alerts:  # rare: decoding them again is cheap
            self.alerts.labels(_field(value, "severity")).inc()
        for _, value in result.dead_letters:
            self.dead_letters.labels(_field(value, "reason")).inc()


def _field(value: bytes, name: str) -> str:
    try:
        return str(orjson.loads(value).get(name, "unknown"))
    except orjson.JSONDecodeError:
        return "unknown"


def add_observability(service: Service) -> WorkerMetrics:
    from prometheus_client import generate_latest

    app = service.app
    metrics = WorkerMetrics(service)
    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry),
                         headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics
