"""The reliability sections of `flamewatch bench` run end to end on tiny sizes: the soak
samples RSS while threads expire, the adversarial run scores every family. Numbers are never
asserted (they are measured by `flamewatch bench --only soak,adversarial`)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bench import adversarial, soak
from bench.progress import Progress
from streams import harness
from streams.brokers import RunningBroker


def test_soak_prints_rss_over_time_while_threads_expire(broker: RunningBroker,
                                                        tmp_path: Path) -> None:
    out = io.StringIO()
    result = asyncio.run(soak.measure(
        broker_url=broker.url, bootstrap=broker.bootstrap, partitions=2, seconds=6.0,
        rate=100.0, threads_per_wave=20, wave_seconds=3.0, workdir=tmp_path,
        progress=Progress(stream=out), sample_every=1.0,
    ))
    assert harness.running() == []
    assert result["waves"] == 2 and result["comments"] == 600
    assert all(row["rss_bytes"] for row in result["samples"])
    assert result["samples"][-1]["processed"] == 600
    assert result["samples"][-1]["expired"] >= 20  # the first wave expired
    text = soak.render(result)
    assert "RSS" in text and len(text.splitlines()) >= len(result["samples"]) + 2


def test_adversarial_run_scores_every_family() -> None:
    result = adversarial.measure(max_chars=1_000)
    assert {r["family"] for r in result["rows"]} == set(adversarial.FAMILIES)
    assert result["texts"] == len(adversarial.FAMILIES)
    assert "adversarial texts" in adversarial.render(result)
