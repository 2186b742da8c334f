"""One batch of comment records → new thread states, alerts, dead letters, rekeyed records.

No Faust and no Kafka here: the agent (agents.py) feeds records in and writes what comes out.
Per batch, every thread touched gets exactly ONE new state, however many of its comments the
batch held; the agent hands it to the ThreadStore (store.py), which writes it to the
changelog with the next flush.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemas import Alert, CommentEvent, DecodeError, encode_alert
from schemas.codec import decode_event, encode_comment, encode_model
from schemas.opinion import ScoreRequest, SecondOpinion
from streams.detect.config import DetectConfig
from streams.service.deadletter import (
    DEFAULT_LIMITS,
    RECORD_OVERHEAD,
    DeadLetterLimits,
    Origin,
    build_dead_letter,
    dead_letter_key,
    processing_error,
)
from streams.service.eventtime import Watermarks, repair_state
from streams.service.routing import PartitionCache
from streams.service.stats import Stats

log = logging.getLogger("flamewatch.worker")


@dataclass(frozen=True, slots=True)
class Core:
    """The detection core's functions (injected, so tests can use a stand-in)."""

    step: Callable[[Any, CommentEvent | SecondOpinion, DetectConfig], tuple[Any, list[Alert]]]
    is_expired: Callable[[Any, float, DetectConfig], bool]
    encode_state: Callable[[Any], bytes]
    decode_state: Callable[[bytes], Any]
    encoder_request: Callable[[Any, CommentEvent], ScoreRequest | None] | None = None
    """Set when the encoder stage runs: the second-opinion request for a comment, if any."""
    repair: Callable[[Any, float], Any] | None = None
    """repair(state, cap) -> a state with nothing dated after cap, or None if it had nothing."""

    @classmethod
    def default(cls, scorer: Any = None, *, ask_encoder: bool = False) -> Core:
        """The real core; `scorer` (a TieredScorer) replaces the default rules + fast model."""
        from functools import partial

        from streams.detect import decode_state, encode_state, is_expired, step
        from streams.detect.handoff import encoder_request
        from streams.service.codec import StateCodec

        run = step if scorer is None else partial(step, scorer=scorer)
        codec = StateCodec(encode_state, decode_state)  # the worker's compact state bytes
        return cls(step=run, is_expired=is_expired, encode_state=codec.encode,
                   decode_state=codec.decode,
                   encoder_request=encoder_request if ask_encoder else None,
                   repair=repair_state)


@dataclass(frozen=True, slots=True)
class Record:
    """The parts of a consumed Kafka record the worker looks at."""

    key: bytes | None
    value: bytes | None
    topic: str
    partition: int
    offset: int
    timestamp: float | None = None

    @property
    def origin(self) -> Origin:
        return Origin(self.topic, self.partition, self.offset, self.key, self.timestamp)


@dataclass
class BatchResult:
    states: dict[bytes, Any] = field(default_factory=dict)
    """thread key → its new state (one per thread touched)."""
    last_record: dict[bytes, Record] = field(default_factory=dict)
    """thread key → the last record applied to it (its partition is the state's)."""
    alerts: list[tuple[bytes, bytes]] = field(default_factory=list)
    """(thread key, encoded alert) in the order the core emitted them."""
    dead_letters: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    rekeyed: list[tuple[bytes, bytes]] = field(default_factory=list)
    """(thread key, raw value) for records that sat on the wrong key/partition."""
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    """(thread key, encoded ScoreRequest) for the encoder stage."""


class BatchProcessor:
    """Applies records to per-thread states with the core; all side effects are returned."""

    def __init__(
        self,
        config: DetectConfig,
        partitions: int,
        stats: Stats,
        core: Core,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_future_seconds: float = 300.0,
        limits: DeadLetterLimits = DEFAULT_LIMITS,
        watermarks: Watermarks | None = None,
    ) -> None:
        self.config = config
        self.stats = stats
        self.core = core
        self.partition_of = PartitionCache(partitions)
        self.clock = clock
        self.max_future = max_future_seconds
        self.limits = limits
        self.watermarks = watermarks or Watermarks(
            max_future_seconds, wall=lambda: clock().timestamp()
        )

    def process(self, records: Sequence[Record], load: Callable[[bytes], Any]) -> BatchResult:
        """`load(key)` returns the current state of a thread (decoded), or None."""
        out = BatchResult()
        stats = self.stats
        step = self.core.step
        ask = self.core.encoder_request
        config = self.config
        now: datetime | None = None
        cap = self.watermarks.cap()
        for record in records:
            raw = record.value
            decoded: CommentEvent | SecondOpinion | DecodeError = (
                decode_event(raw) if raw is not None else DecodeError("invalid_json", "empty")
            )
            if isinstance(decoded, DecodeError):
                self._dead_letter(out, decoded, record)
                continue
            when = decoded.created_at if isinstance(decoded, CommentEvent) else decoded.event_time
            ts = when.timestamp()
            if record.timestamp and ts > record.timestamp + self.max_future:
                ahead = ts - record.timestamp
                self._dead_letter(out, DecodeError(
                    "future_timestamp",
                    f"event time is {ahead:.0f} s after the record's broker timestamp "
                    f"(at most {self.max_future:.0f} s allowed: FLAMEWATCH_MAX_FUTURE_SECONDS)",
                ), record)
                continue
            key = decoded.thread_id.encode()
            if record.key != key or record.partition != self.partition_of(key):
                # Not on the thread's partition: forward it, keyed by thread, untouched unless
                # it is too big to forward (unknown fields padding it): then re-encoded.
                value = raw or b""
                if len(value) + len(key) + RECORD_OVERHEAD > self.limits.record_bytes:
                    value = (encode_comment(decoded) if isinstance(decoded, CommentEvent)
                             else encode_model(decoded))
                out.rekeyed.append((key, value))
                stats.rekeyed += 1
                continue
            state = out.states.get(key)
            if state is None:
                state = self._load(key, load, cap)
            try:
                state, alerts = step(state, decoded, config)
            except Exception as exc:  # the core failed on this one event: record, go on
                log.exception("core failed on %s@%s:%s", record.topic, record.partition,
                              record.offset)
                stats.processing_errors += 1
                self._dead_letter(out, processing_error(exc), record)
                continue
            out.states[key] = state
            out.last_record[key] = record
            stats.processed += 1
            if ask is not None and isinstance(decoded, CommentEvent):
                request = ask(state, decoded)
                if request is not None:
                    out.requests.append((key, encode_model(request)))
            self.watermarks.observe(record.partition, key, state.last_ts, cap)
            if alerts:
                now = now or self.clock()
                for alert in alerts:
                    stamped = alert.model_copy(update={"detected_at": now})
                    out.alerts.append((key, encode_alert(stamped)))
                stats.alerts += len(alerts)
        return out

    def _load(self, key: bytes, load: Callable[[bytes], Any], cap: float) -> Any:
        state = load(key)
        repair = self.core.repair
        if state is not None and repair is not None:
            fixed = repair(state, cap)
            if fixed is not None:
                log.warning("thread %r: stored state dated %.0f s past the wall clock; "
                            "dropped what lies in the future", key, state.last_ts - cap)
                self.stats.repaired_states += 1
                state = fixed
        return state

    def _dead_letter(self, out: BatchResult, error: DecodeError, record: Record) -> None:
        letter = build_dead_letter(error, record.value, record.origin, now=self.clock(),
                                   limits=self.limits)
        out.dead_letters.append((dead_letter_key(record.key, self.limits), letter))
        self.stats.dead_lettered += 1
