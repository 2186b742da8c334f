"""The RocksDB table store (`flamewatch[rocksdb]`, FLAMEWATCH_STORE=rocksdb://) on a real broker:
a worker restarted on its local store, then one whose local store was deleted (it recovers
from the changelog); the alerts must equal the offline core's all along."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.brokers import RunningBroker
from streams.service.codec import DEFLATE
from tests.integration.service_support import (
    Deployment,
    build_dataset,
    first_of_each,
    offline_alerts,
    per_thread,
    wait_until,
    write_jsonl,
)

rocksdict = pytest.importorskip("rocksdict", reason="needs the rocksdb extra (rocksdict)")

OFFSET_KEY = b"__faust\x00offset__"  # where Faust's RocksDB store keeps the changelog offset


@pytest.fixture
def deployment(broker: RunningBroker, tmp_path: Path) -> Iterator[Deployment]:
    dep = Deployment(broker, tmp_path)
    dep.extra_env.update({"FLAMEWATCH_STORE": "rocksdb://", "FLAMEWATCH_FLUSH_INTERVAL": "0.2"})
    try:
        yield dep
    finally:
        dep.kill_all()


def persisted_offsets(data_dir: Path) -> dict[int, int]:
    """Changelog partition -> the offset the local RocksDB store says it holds."""
    out = {}
    for db in sorted((data_dir / "v1" / "tables").glob("threads-*.db")):
        store = rocksdict.Rdict(str(db), access_type=rocksdict.AccessType.read_only())
        try:
            value = store.get(OFFSET_KEY)
        finally:
            store.close()
        if value is not None:
            out[int(db.name.split("-")[1].split(".")[0])] = int(value)
    return out


def test_restart_on_the_local_store_then_recovery_from_the_changelog(
    deployment: Deployment, tmp_path: Path
) -> None:
    docs = build_dataset(copies=4)
    thirds = [docs[: len(docs) // 3], docs[len(docs) // 3 : 2 * len(docs) // 3],
              docs[2 * len(docs) // 3 :]]
    parts = [write_jsonl(tmp_path / f"part{i}.jsonl", d) for i, d in enumerate(thirds)]
    everything = write_jsonl(tmp_path / "all.jsonl", docs)
    expected = offline_alerts(everything, deployment.env)
    # The later parts alert differently without the state of the earlier ones, so a lost
    # state would show.
    later_ids = {a["alert_id"] for a in expected} - {
        a["alert_id"] for a in offline_alerts(parts[0], deployment.env)}
    fresh_ids = {a["alert_id"] for i in (1, 2) for a in offline_alerts(parts[i], deployment.env)}
    assert fresh_ids != later_ids

    deployment.create_topics()
    changelog = f"{deployment.settings.app_id}-threads-changelog"
    for i, (part, docs_in) in enumerate(zip(parts, thirds, strict=True)):
        if i == 2:
            shutil.rmtree(deployment.data_dir("w"))  # the local store is gone
        worker = deployment.start_worker(f"run{i}", data="w")
        deployment.replay(part)
        count = len(docs_in)
        wait_until(lambda w=worker, n=count: w.totals().get("processed") == n, 60,
                   f"part {i} processed", deployment.logs)
        assert worker.stop() == 0
        # The store knows up to which changelog offset it holds the states: a restart reads
        # the changelog only after it.
        ends: dict[int, int] = {}
        for record in deployment.read(changelog):
            ends[record.partition] = max(ends.get(record.partition, -1), record.offset)
        assert persisted_offsets(deployment.data_dir("w")) == ends
        assert not (worker.totals().get("dead_lettered") or 0)

    alerts = deployment.alerts()
    assert {a["alert_id"] for a in alerts} == {a["alert_id"] for a in expected}
    assert per_thread(first_of_each(alerts)) == per_thread(expected)
    states = [r for r in deployment.read(changelog) if r.value is not None]
    assert states and all(r.value[0] == DEFLATE for r in states)  # the compact encoding
