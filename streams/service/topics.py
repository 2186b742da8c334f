"""Create the worker's topics when missing and check the comments topic's partition count.

The comments topic must have `FLAMEWATCH_PARTITIONS` partitions: the state changelog and the
repartition topic have that many, and a thread's state lives on the partition of its comments.
(Kafka auto-creates topics with `num.partitions`, usually 1, so `replay` and `worker` create
them explicitly.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from streams.service.security import client_options
from streams.service.settings import Settings, env_name

log = logging.getLogger("flamewatch.topics")


class TopicError(RuntimeError):
    pass


def worker_topics(settings: Settings) -> dict[str, int]:
    """Topic → partition count for every topic the worker reads or writes (but the changelog,
    which Faust creates)."""
    n = settings.partitions
    topics = {
        settings.comments_topic: n,
        settings.rekey_topic: n,
        settings.alerts_topic: n,
        settings.dlq_topic: 1,
    }
    if settings.uses_encoder:
        topics[settings.requests_topic] = n
        topics[settings.opinions_topic] = n  # co-partitioned with the comments
    return topics


async def ensure_topics(
    settings: Settings, topics: dict[str, int] | None = None, *, timeout: float = 30.0
) -> None:
    """Create what is missing; fail (TopicError) if the comments topic has the wrong size."""
    wanted = topics if topics is not None else worker_topics(settings)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=int(timeout * 1000),
        **client_options(settings),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout)
    except (KafkaError, OSError, TimeoutError) as exc:
        await admin.close()
        raise TopicError(
            f"cannot reach the broker at {settings.broker} ({env_name('broker')}): {exc!r}"
        ) from exc
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=count, replication_factor=settings.replication_factor)
            for name, count in wanted.items()
            if name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # created meanwhile
                await admin.create_topics(missing)
            log.info("created topics %s", ", ".join(t.name for t in missing))
        await _check_partitions(admin, settings, wanted)
    finally:
        await admin.close()


async def _check_partitions(
    admin: AIOKafkaAdminClient, settings: Settings, wanted: dict[str, int]
) -> None:
    must_match = [
        t
        for t in (settings.comments_topic, settings.rekey_topic, settings.opinions_topic)
        if t in wanted
    ]
    for _ in range(50):
        described = await admin.describe_topics(must_match)
        counts = {d["topic"]: len(d.get("partitions") or ()) for d in described}
        if all(counts.get(t) for t in must_match):
            break
        await asyncio.sleep(0.1)  # metadata of a new topic may lag a little
    for topic in must_match:
        count = counts.get(topic, 0)
        if count != settings.partitions:
            raise TopicError(
                f"topic {topic!r} has {count} partitions but {env_name('partitions')}="
                f"{settings.partitions}; they must match (thread state is co-partitioned)"
            )
