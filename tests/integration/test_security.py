"""TLS and SASL to Apache Kafka, end to end, on brokers started here with secured listeners.

- TLS with client certificates required: the worker, `replay` and `alerts` connect with
  FLAMEWATCH_BROKER=kafka+ssl://..., FLAMEWATCH_SSL_CAFILE/_CERTFILE/_KEYFILE; the alerts
  equal `flamewatch score`. A client trusting another CA, or a plaintext client, gets nowhere.
- SASL/SCRAM-SHA-512: `flamewatch demo` against the broker (worker, replay, alert reader and
  topic admin all authenticate); PLAIN and SCRAM-SHA-256 with `replay` / `alerts`; a wrong
  password stops the worker with a message naming the broker setting.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.brokers import KafkaBroker, KafkaSecurity
from streams.brokers.base import metadata_ok
from tests.integration.service_support import (
    ROOT,
    SAMPLE,
    Deployment,
    build_dataset,
    offline_alerts,
    wait_until,
    write_jsonl,
)
from tests.integration.test_worker import assert_same_alerts, first_of_each
from tests.integration.tls_support import Pki, make_pki

USER, PASSWORD = "flamewatch", "scram-secret-123"


@pytest.fixture(scope="module")
def kafka_only(broker_kind: str) -> None:
    if broker_kind != "kafka":
        pytest.skip("starts Apache Kafka brokers of its own")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_broker(kafka_only: None, pki: Pki) -> Iterator[KafkaBroker]:
    security = KafkaSecurity("SSL", keystore=pki.broker_p12,
                             keystore_password=pki.broker_p12_password,
                             truststore_pem=pki.ca_pem, client_auth="required")
    with KafkaBroker(security=security) as broker:
        yield broker


@pytest.fixture(scope="module")
def sasl_broker(kafka_only: None) -> Iterator[KafkaBroker]:
    with KafkaBroker(security=KafkaSecurity("SASL_PLAINTEXT", users={USER: PASSWORD})) as broker:
        yield broker


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "streams", *args], env=env, cwd=ROOT,
                          capture_output=True, timeout=timeout, check=False)


def test_worker_replay_and_alerts_over_tls_with_client_certificates(
    tls_broker: KafkaBroker, pki: Pki, tmp_path: Path
) -> None:
    assert tls_broker.url.startswith("kafka+ssl://")
    dep = Deployment(tls_broker, tmp_path)
    dep.extra_env.update({
        "FLAMEWATCH_SSL_CAFILE": str(pki.ca_pem),
        "FLAMEWATCH_SSL_CERTFILE": str(pki.client_cert_pem),
        "FLAMEWATCH_SSL_KEYFILE": str(pki.client_key_pem),
    })
    try:
        # the listener really is TLS-only: a plaintext Kafka client gets no metadata
        assert not metadata_ok(tls_broker.bootstrap, timeout=3.0)
        data = write_jsonl(tmp_path / "threads.jsonl", build_dataset(copies=1))
        expected = offline_alerts(data, dep.env)
        comments = sum(1 for _ in data.read_bytes().splitlines())
        dep.create_topics()
        worker = dep.start_worker()
        dep.replay(data)
        wait_until(lambda: worker.totals().get("processed") == comments, 90,
                   "every comment processed over TLS", dep.logs)
        out = cli(dep.env, "alerts", "--from-beginning")
        assert out.returncode == 0, out.stderr.decode()
        printed = [orjson.loads(line) for line in out.stdout.splitlines()]
        assert worker.stop() == 0
        assert_same_alerts(first_of_each(printed), expected)

        # trusting another CA: refused, with a message naming the broker setting
        wrong = {**dep.env, "FLAMEWATCH_SSL_CAFILE": str(pki.other_ca_pem)}
        out = cli(wrong, "replay", str(data), "--quiet", timeout=90)
        assert out.returncode == 1 and b"FLAMEWATCH_BROKER" in out.stderr, out.stderr[-2000:]
    finally:
        dep.kill_all()


def sasl_env(broker: KafkaBroker, mechanism: str, password: str = PASSWORD) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEWATCH_")}
    return {**base, "PYTHONUNBUFFERED": "1", "FLAMEWATCH_BROKER": broker.url,
            "FLAMEWATCH_SASL_MECHANISM": mechanism, "FLAMEWATCH_SASL_USERNAME": USER,
            "FLAMEWATCH_SASL_PASSWORD": password}


def test_demo_over_sasl_scram(sasl_broker: KafkaBroker) -> None:
    env = sasl_env(sasl_broker, "SCRAM-SHA-512")
    expected = len(offline_alerts(SAMPLE, env))
    out = cli(env, "demo", "--rate", "200", "--timeout", "90", timeout=150)
    text = out.stdout.decode()
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    assert f"all {expected} alert(s) received" in out.stderr.decode()
    assert text.count("thread harbour-road-cycle-lane") == expected


def test_replay_and_alerts_with_plain_and_scram_sha_256(
    sasl_broker: KafkaBroker, tmp_path: Path
) -> None:
    topic = f"sasl-{uuid.uuid4().hex[:8]}"
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    out = cli(sasl_env(sasl_broker, "PLAIN"), "replay", str(SAMPLE), "--quiet", "--topic", topic)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    out = cli(sasl_env(sasl_broker, "SCRAM-SHA-256"), "alerts", "--from-beginning",
              "--topic", topic)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    got: list[Any] = sorted(orjson.loads(x)["comment_id"] for x in out.stdout.splitlines())
    assert got == sorted(orjson.loads(x)["comment_id"] for x in lines)


def test_a_wrong_password_stops_the_worker_with_a_message(sasl_broker: KafkaBroker) -> None:
    out = cli(sasl_env(sasl_broker, "SCRAM-SHA-512", password="not-the-password"), "worker",
              timeout=90)
    assert out.returncode == 1
    assert b"FLAMEWATCH_BROKER" in out.stderr, out.stderr[-2000:]
