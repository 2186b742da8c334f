"""Build the Faust app from Settings (a factory: nothing here reads the environment).

Topology:

    comments ─┐                          ┌─> alerts        (key thread_id, orjson Alert)
              ├─> agent ─ core.step ──────┼─> comments.dlq  (orjson DeadLetter)
    <app>-<comments>-repartition ─┘       └─> <app>-<comments>-repartition
                    │                           (records whose key/partition is not their thread's)
                    └── ThreadStore: changed states, decoded ─ bulk flush every
                        FLAMEWATCH_FLUSH_INTERVAL ─> table "threads": thread_id → state bytes
                        (codec.py; changelog <app>-threads-changelog, same partition count)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
from faust.types import TP, TableT

from streams.service import health, webauth
from streams.service.agents import CommentAgent, Outputs, register_agent
from streams.service.changelog import ChangelogWriter
from streams.service.consumer import install_consumer
from streams.service.deadletter import DeadLetterLimits
from streams.service.eventtime import Watermarks
from streams.service.expiry import Expirer
from streams.service.observability import add_observability
from streams.service.processing import BatchProcessor, BatchResult, Core
from streams.service.routing import PartitionCache
from streams.service.security import faust_credentials
from streams.service.settings import Settings
from streams.service.stats import Stats
from streams.service.store import ThreadStore

log = logging.getLogger("flamewatch.worker")

TABLE_NAME = "threads"
STATS_PATH = "/flamewatch/stats/"
MAX_UNFLUSHED = 10_000
"""Changed threads after which a flush starts at once (and the agent waits for it)."""
PRODUCER_MAX_BATCH = 256 * 1024
"""Record batch size of the producer (Faust's default, 16 KB, holds ~30 compact states)."""


@dataclass
class Service:
    """The Faust app and the parts tests and the CLI may want to look at."""

    app: faust.App
    settings: Settings
    table: TableT
    outputs: Outputs
    stats: Stats
    processor: BatchProcessor
    store: ThreadStore
    expirer: Expirer
    agent: Any
    lock: asyncio.Lock
    """Held by each batch of the agent and by the expiry timer: they never interleave."""
    health: Any = None
    """health.HealthState, set by health.register."""

    @property
    def changelog_topic(self) -> str:
        return f"{self.settings.app_id}-{TABLE_NAME}-changelog"

    def owned_partitions(self) -> set[int]:
        """Partitions of the comments topic this worker actively processes now."""
        topics = {self.settings.comments_topic, self.changelog_topic}
        actives: set[TP] = self.app.assignor.assigned_actives()
        return {tp.partition for tp in actives if tp.topic in topics}


def create_app(
    settings: Settings,
    *,
    core: Core | None = None,
    agent_factory: Callable[..., Any] = register_agent,
) -> Service:
    """The app with its topics, table, agent, timers and stats page.

    `core` and `agent_factory` are for tests and benchmarks (defaults: streams.detect, and
    register_agent, which runs the CommentAgent as a Faust agent).
    """
    core = core or Core.default(settings.tiered_scorer(), ask_encoder=settings.uses_encoder)
    config = settings.detect_config()
    data_dir = settings.data_dir or Path(f"{settings.app_id}-data")
    app = faust.App(
        settings.app_id,
        broker=settings.faust_broker,
        store=settings.store,
        datadir=str(data_dir),
        autodiscover=False,
        processing_guarantee="at_least_once",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        producer_acks=-1,
        producer_max_request_size=settings.max_request_bytes,
        broker_credentials=faust_credentials(settings),
        web_enabled=settings.web_enabled,
        web_application_options={"middlewares": [webauth.token_middleware(settings)]},
        web_port=settings.web_port,
        web_bind=settings.web_host,
        web_in_thread=False,
        producer_max_batch_size=PRODUCER_MAX_BATCH,
    )
    inputs = [settings.comments_topic, settings.rekey_topic]
    if settings.uses_encoder:
        inputs.append(settings.opinions_topic)  # second opinions, applied like comments
    install_consumer(app, fetch_max_wait=settings.fetch_max_wait, sources=set(inputs))
    source = app.topic(
        *inputs,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
    )

    def output(name: str) -> Any:
        return app.topic(name, key_serializer="raw", value_serializer="raw")

    outputs = Outputs(
        alerts=output(settings.alerts_topic),
        dead_letters=output(settings.dlq_topic),
        rekey=output(settings.rekey_topic),
        requests=output(settings.requests_topic) if settings.uses_encoder else None,
    )
    table = app.Table(
        TABLE_NAME,
        partitions=settings.partitions,
        key_type=bytes,  # -> raw serializer: thread id bytes
        value_type=bytes,  # -> raw serializer: encode_state bytes
        # Keys are thread ids and the comments were produced keyed by thread id with the
        # default partitioner, so the producer's partitioner puts every changelog record on
        # the partition of its source record, also for deletes made by the expiry timer.
        use_partitioner=True,
        help="Per-thread detection state (streams.detect encode_state bytes).",
    )
    # Faust pauses the stream and logs a warning whenever more than 100 produced records wait
    # in its buffer; one batch may publish an alert or a rekeyed record per comment.
    app.producer.buffer.max_messages = max(100, 2 * settings.batch_size + 100)
    stats = Stats()
    watermarks = Watermarks(settings.max_future_seconds)
    processor = BatchProcessor(
        config, settings.partitions, stats, core,
        max_future_seconds=settings.max_future_seconds,
        limits=DeadLetterLimits(
            value_bytes=settings.dlq_max_value_bytes,
            key_bytes=settings.dlq_max_key_bytes,
            record_bytes=settings.max_request_bytes,
        ),
        watermarks=watermarks,
    )
    store = ThreadStore(table, core.encode_state, core.decode_state, settings.partitions, stats,
                        cache_bytes=settings.state_cache_bytes)
    expirer = Expirer(config, core, stats, settings.partitions, watermarks)
    lock = asyncio.Lock()

    observers: list[Callable[[BatchResult, float], None]] = []

    def on_batch(result: BatchResult, seconds: float) -> None:
        expirer.observe(result.states)
        for observe in observers:
            observe(result, seconds)

    agent = agent_factory(app, source, CommentAgent(
        app, store, ChangelogWriter(app, table), outputs, processor,
        batch_size=settings.batch_size,
        batch_window=settings.batch_window,
        flush_interval=settings.flush_interval,
        max_unflushed=MAX_UNFLUSHED,
        on_batch=on_batch,
        lock=lock,
    ))
    service = Service(app, settings, table, outputs, stats, processor, store, expirer, agent,
                      lock)
    _add_timers(service)
    _add_web_page(service)
    health.register(service)
    if settings.web_enabled:
        observers.append(add_observability(service).observe_batch)
    _add_rebalance_hooks(service)
    return service


def _add_timers(service: Service) -> None:
    app, settings, stats = service.app, service.settings, service.stats

    async def expire_idle_threads() -> None:
        if app.rebalancing or getattr(app, "in_recovery", False):
            return  # state may be half restored: wait for the next tick
        async with service.lock:
            owned = service.owned_partitions()
            # Through the store: it sees unflushed states, and deletes become tombstones of
            # the next flush (and leave its cache).
            service.expirer.run(
                service.store, owned.__contains__, health.caught_up_check(service)
            )

    app.timer(interval=settings.expiry_interval, name="flamewatch.expiry")(expire_idle_threads)

    if settings.stats_interval > 0:
        last: list[tuple[int, ...]] = [()]

        async def log_stats() -> None:
            key = stats.progress_key()
            if key != last[0]:
                last[0] = key
                log.info("stats: %s", stats.line())

        app.timer(interval=settings.stats_interval, name="flamewatch.stats")(log_stats)

    @app.on_before_shutdown.connect
    async def final_stats(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        log.info("stopping; totals: %s", stats.line())


def _add_web_page(service: Service) -> None:
    stats = service.stats

    @service.app.page(STATS_PATH)
    async def stats_page(web: Any, request: Any) -> Any:
        data = stats.snapshot()
        data["partitions"] = sorted(service.owned_partitions())
        data["threads"] = len(service.store)
        data["unflushed_threads"] = service.store.unflushed
        data["rebalancing"] = bool(service.app.rebalancing)
        data["in_recovery"] = bool(getattr(service.app, "in_recovery", False))
        return web.json(data)


def _add_rebalance_hooks(service: Service) -> None:
    app = service.app
    sources = {service.settings.comments_topic, service.settings.rekey_topic}

    @app.on_rebalance_complete.connect
    async def rebalanced(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Sent by Faust after table recovery, before it seeks the stream partitions to their
        # committed offsets and resumes them.
        try:
            await _rewind_uncommitted(app, sources)
        except Exception:  # an exception here would wedge Faust's recovery for good
            log.exception("could not check for partitions without committed offsets")
        # Cached states of partitions given away may go stale (their new owner writes on);
        # they are checked against the table anyway, this only frees the memory.
        owned = service.owned_partitions()
        partition_of = PartitionCache(service.settings.partitions)
        service.store.forget(lambda key: partition_of(key) in owned)
        log.info(
            "processing partitions %s of %s",
            sorted(service.owned_partitions()),
            service.settings.comments_topic,
        )


async def _rewind_uncommitted(app: faust.App, sources: set[str]) -> None:
    """Seek source partitions that have no committed offset back to their beginning.

    Faust's seek to committed offsets skips such partitions, and records aiokafka fetched for
    them while Faust held them paused during recovery can be dropped with the position
    already past them: a comment produced while a worker (re)joins a partition that was never
    committed was silently skipped (seen in test_idle_threads_expire_also_after_a_restore).
    Seeking resets the position, so those records are fetched again.
    """
    consumer: Any = app.consumer  # seek_to_committed is on Faust's Consumer, not ConsumerT
    tps = [tp for tp in consumer.assignment() if tp.topic in sources]
    if not tps:
        return
    committed = await consumer.seek_to_committed()
    fresh = [tp for tp in tps if not committed.get(tp)]
    if fresh:
        earliest = await consumer.earliest_offsets(*fresh)
        starts = getattr(consumer, "starts", None)
        for tp in fresh:
            if starts is not None:
                starts[tp] = earliest[tp]
            await consumer.seek(tp, earliest[tp])
        log.info("partitions without a committed offset start at their beginning: %s",
                 ", ".join(f"{tp.topic}[{tp.partition}]@{earliest[tp]}" for tp in fresh))
