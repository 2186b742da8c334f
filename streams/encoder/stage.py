"""The encoder stage: score requests in, second opinions out, in batches, as its own
consumer group so it scales on its own and never stalls the per-thread worker.

At-least-once: offsets are committed only after the batch's opinions are on the broker; a
replayed opinion changes nothing in the core (it is applied once per comment version).
Bad requests go to the dead-letter topic with their raw bytes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from schemas.codec import DecodeError, decode_request, encode_model
from schemas.opinion import ScoreRequest, SecondOpinion
from streams.service.deadletter import DeadLetterLimits, Origin, build_dead_letter, dead_letter_key
from streams.service.security import client_options
from streams.service.settings import Settings

log = logging.getLogger("flamewatch.encoder")

ScoreBatch = Callable[[Sequence[str]], list[float]]
BATCH_LOG = "batch size=%d score_ms=%.1f total_ms=%.1f"
"""Per batch: requests fetched, ms scoring them, ms from fetched to opinions on the broker and
offsets committed."""


@dataclass
class StageStats:
    requests: int = 0
    opinions: int = 0
    dead_letters: int = 0
    batches: int = 0
    busy_seconds: float = 0.0
    batch_sizes: list[int] = field(default_factory=list)


def opinions_for(
    requests: Sequence[ScoreRequest], scores: Sequence[float], model_id: str
) -> list[SecondOpinion]:
    return [
        SecondOpinion(
            thread_id=r.thread_id,
            comment_id=r.comment_id,
            text_hash=r.text_hash,
            probability=p,
            model=model_id,
            event_time=r.event_time,
        )
        for r, p in zip(requests, scores, strict=True)
    ]


async def run_stage(
    settings: Settings,
    score: ScoreBatch,
    model_id: str,
    stop: asyncio.Event,
    stats: StageStats | None = None,
) -> StageStats:
    stats = stats or StageStats()
    consumer = AIOKafkaConsumer(
        settings.requests_topic,
        bootstrap_servers=settings.bootstrap_servers,
        group_id=f"{settings.app_id}-encoder",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=int(settings.session_timeout * 1000),
        heartbeat_interval_ms=int(settings.heartbeat_interval * 1000),
        max_poll_interval_ms=300_000,
        **client_options(settings),
    )
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all",
                                **client_options(settings))
    await producer.start()
    try:
        await consumer.start()
        try:
            while not stop.is_set():
                batches = await consumer.getmany(
                    timeout_ms=int(settings.encoder_batch_window * 1000),
                    max_records=settings.encoder_batch_size,
                )
                records = [r for recs in batches.values() for r in recs]
                if not records:
                    continue
                t0, busy = time.perf_counter(), stats.busy_seconds
                await _handle(records, settings, score, model_id, producer, stats)
                await consumer.commit()
                # one line per batch at debug level (`flamewatch encoder --loglevel debug`):
                # the benchmark reads it (streams.harness.EncoderProcess.batches)
                log.debug(BATCH_LOG, len(records), (stats.busy_seconds - busy) * 1000,
                          (time.perf_counter() - t0) * 1000)
        finally:
            await consumer.stop()
    finally:
        await producer.stop()
    return stats


async def _handle(
    records: list[ConsumerRecord],
    settings: Settings,
    score: ScoreBatch,
    model_id: str,
    producer: AIOKafkaProducer,
    stats: StageStats,
) -> None:
    good: list[ScoreRequest] = []
    pending = []
    for rec in records:
        req = decode_request(rec.value) if rec.value is not None else DecodeError(
            "invalid_json", "empty"
        )
        if isinstance(req, DecodeError):
            # cut to the worker's dead-letter limits, so that it always fits a message
            limits = DeadLetterLimits(settings.dlq_max_value_bytes, settings.dlq_max_key_bytes,
                                      settings.max_request_bytes)
            origin = Origin(rec.topic, rec.partition, rec.offset, rec.key,
                            rec.timestamp / 1000 if rec.timestamp is not None else None)
            letter = build_dead_letter(req, rec.value, origin, limits=limits)
            pending.append(await producer.send(
                settings.dlq_topic, key=dead_letter_key(rec.key, limits), value=letter
            ))
            stats.dead_letters += 1
            continue
        good.append(req)
    stats.requests += len(records)
    if good:
        t0 = time.perf_counter()
        # the embedding runs in a thread: the consumer's heartbeats go on meanwhile
        scores = await asyncio.to_thread(score, [r.text for r in good])
        stats.busy_seconds += time.perf_counter() - t0
        for op in opinions_for(good, scores, model_id):
            pending.append(await producer.send(
                settings.opinions_topic, key=op.thread_id.encode(), value=encode_model(op)
            ))
        stats.opinions += len(good)
    if pending:
        await asyncio.gather(*pending)
    stats.batches += 1
    stats.batch_sizes.append(len(records))
    if len(stats.batch_sizes) > 1000:
        del stats.batch_sizes[:500]
