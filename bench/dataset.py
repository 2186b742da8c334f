"""Benchmark inputs: synthetic comment threads as Kafka records, and the alerts they must raise.

Records are keyed by thread id (as `flamewatch replay` produces them), values are the orjson
encoding of CommentEvent. The expected alert count comes from the offline core
(`streams.detect.Detector`) over the same events in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson

from bench.synthetic import synthetic_events
from schemas.comment import CommentEvent
from streams.detect import DetectConfig, Detector

T0 = datetime(2024, 5, 1, tzinfo=UTC)
SECONDS_PER_COMMENT = 0.5
"""Event-time spacing of `synthetic_events` (comment i is created at start + i * 0.5 s)."""


@dataclass
class Dataset:
    rows: list[tuple[bytes, bytes]]
    """(key, value) in produce order."""
    comment_ids: list[str]
    threads: int
    expected_alerts: int | None = None
    """Alerts the offline core raises over these events (None: not computed)."""
    alert_ids: set[str] = field(default_factory=set)
    """alert_id of every expected alert (only when expected_alerts was computed)."""

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def value_bytes(self) -> int:
        return sum(len(v) for _, v in self.rows)


def event_span_seconds(n_comments: int) -> float:
    """Event time covered by `n_comments` synthetic comments."""
    return n_comments * SECONDS_PER_COMMENT


def _prefixed(doc: dict[str, object], prefix: str) -> dict[str, object]:
    if prefix:
        for name in ("thread_id", "comment_id", "parent_id"):
            value = doc.get(name)
            if isinstance(value, str):
                doc[name] = prefix + value
    return doc


def to_rows(events: Iterable[CommentEvent], prefix: str = "") -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """Kafka records for `events`: key = thread id, value = orjson CommentEvent.

    `prefix` is put in front of thread, comment and parent ids (distinct thread populations
    from the same generator).
    """
    rows: list[tuple[bytes, bytes]] = []
    ids: list[str] = []
    for event in events:
        doc = _prefixed(event.model_dump(mode="json", exclude_none=True), prefix)
        rows.append((str(doc["thread_id"]).encode(), orjson.dumps(doc)))
        ids.append(str(doc["comment_id"]))
    return rows, ids


def build(
    n_comments: int,
    n_threads: int,
    *,
    seed: int = 7,
    start: datetime | None = None,
    prefix: str = "",
    expect_alerts: bool = True,
    config: DetectConfig | None = None,
) -> Dataset:
    """`n_comments` synthetic comments over `n_threads` threads (deterministic for a seed)."""
    generated = synthetic_events(n_comments, n_threads, seed=seed, start=start or T0)
    events = list(generated) if expect_alerts else []
    rows, ids = to_rows(events if expect_alerts else generated, prefix)
    data = Dataset(rows, ids, threads=len({k for k, _ in rows}))
    if expect_alerts:
        if prefix:
            raise ValueError("expected alerts are only computed for unprefixed datasets")
        detector = Detector(config or DetectConfig())
        ids = [alert.alert_id for event in events for alert in detector.process(event)]
        data.expected_alerts = len(ids)
        data.alert_ids = set(ids)
    return data


def generation_start(generation: int, n_comments: int, inactivity_seconds: float) -> datetime:
    """Start time of generation `generation` of the memory run: far enough after the previous
    one that every thread of it is idle for longer than `inactivity_seconds` once this one
    begins."""
    gap = event_span_seconds(n_comments) + inactivity_seconds + 60.0
    return T0 + timedelta(seconds=generation * gap)
