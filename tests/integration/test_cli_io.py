"""`flamewatch replay` and `flamewatch alerts` against a real broker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from streams.brokers import RunningBroker
from streams.service.routing import partition_for
from tests.integration.service_support import ROOT, SAMPLE, Deployment


def cli(dep: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams", *args], env=dep.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_replay_and_read_back(broker: RunningBroker, broker_kind: str, tmp_path: Path) -> None:
    dep = Deployment(broker, tmp_path)
    good = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()][:6]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([good[0], b"{not json", *good[1:4], b"", b"[]", *good[4:]])
                     + b"\n")
    topic = dep.settings.comments_topic

    first = cli(dep, "replay", str(path), "--quiet")
    assert first.returncode == 0, first.stderr
    assert "line 2: invalid_json" in first.stderr and "(skipped)" in first.stderr
    assert "line 7: schema_error" in first.stderr
    assert "replayed 6 message(s)" in first.stderr

    records = dep.read(topic)
    assert sorted(r.value for r in records) == sorted(good)
    for r in records:  # keyed by thread, on the thread's partition
        assert r.key == orjson.loads(r.value)["thread_id"].encode()
        assert r.partition == partition_for(r.key, dep.partitions)

    raw = cli(dep, "replay", str(path), "--quiet", "--raw")
    assert raw.returncode == 0, raw.stderr
    assert "2 of them invalid and sent raw" in raw.stderr
    values = [r.value for r in dep.read(topic)]
    assert values.count(b"{not json") == 1 and values.count(b"[]") == 1
    assert len(values) == 2 * len(good) + 2

    shown = cli(dep, "alerts", "--topic", topic, "--from-beginning")
    assert shown.returncode == 0, shown.stderr
    assert sorted(shown.stdout.encode().splitlines()) == sorted(values)
    nothing_new = cli(dep, "alerts", "--topic", topic)
    assert nothing_new.returncode == 0
    if broker_kind != "tansu":  # Tansu's ListOffsets(latest) is not the end of the log
        assert nothing_new.stdout == ""
    missing = cli(dep, "alerts", "--topic", f"{topic}-missing", "--from-beginning")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
