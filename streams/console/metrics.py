"""The console's Prometheus metrics (its own registry, served on /metrics without login)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class ConsoleMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.alerts = Counter("flamewatch_console_alerts_ingested", "New alerts stored",
                              ["severity"], registry=r)
        self.comments = Counter("flamewatch_console_comments_ingested",
                                "Comment events stored", registry=r)
        self.bad_records = Counter("flamewatch_console_bad_records",
                                   "Records the ingest could not decode", ["topic"], registry=r)
        self.decisions = Counter("flamewatch_console_decisions", "Moderator decisions stored",
                                 ["decision"], registry=r)
        self.feedback_published = Counter("flamewatch_console_feedback_published",
                                          "Feedback records published", registry=r)
        self.feedback_pending = Gauge("flamewatch_console_feedback_pending",
                                      "Decisions not yet on the feedback topic", registry=r)
        self.sse_clients = Gauge("flamewatch_console_sse_clients", "Open live queues",
                                 registry=r)
        self.ingest_batch = Histogram("flamewatch_console_ingest_batch_seconds",
                                      "Time to store one consumed batch", registry=r)
        self.ingest_ready = Gauge("flamewatch_console_ingest_ready",
                                  "1 when the ingest consumer has its partitions", registry=r)
        self.logins = Counter("flamewatch_console_logins", "Login attempts", ["result"],
                              registry=r)
