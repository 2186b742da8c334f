"""`flamewatch demo` runs end to end, prints the expected alerts and leaves nothing running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from schemas import DecodeError, decode_comment
from streams.brokers import RunningBroker
from streams.detect import DetectConfig, Detector

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "streams" / "service" / "sample_thread.jsonl"


def offline_triggers() -> list[str]:
    detector = Detector(DetectConfig())
    triggers = []
    for line in SAMPLE.read_bytes().splitlines():
        event = decode_comment(line)
        assert not isinstance(event, DecodeError)
        triggers += [a.trigger_comment_id for a in detector.process(event)]
    return triggers


def run_demo(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "streams", "demo", "--rate", "50"],
        env=env, capture_output=True, text=True, timeout=90, cwd=ROOT,
    )
    return proc, time.monotonic() - began


@pytest.mark.parametrize("where", ["embedded-tansu", "session-broker"])
def test_demo_prints_the_offline_alerts(where: str, request: pytest.FixtureRequest) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAMEWATCH_")}
    if where == "session-broker":
        broker: RunningBroker = request.getfixturevalue("broker")
        env["FLAMEWATCH_BROKER"] = broker.url
    proc, seconds = run_demo(env)
    print(f"\ndemo ({where}) took {seconds:.1f}s")
    assert proc.returncode == 0, proc.stderr
    triggers = offline_triggers()
    assert triggers
    for trigger in triggers:
        assert f"trigger {trigger} " in proc.stdout
    assert proc.stdout.count("trigger ") == len(triggers)
    assert f"all {len(triggers)} alert(s) received" in proc.stderr
    assert "one-time login link: http://127.0.0.1:" in proc.stderr
    assert "stopping the console" in proc.stderr
    assert seconds < 60
    if where == "embedded-tansu":
        assert "broker stopped" in proc.stderr
    else:
        assert "deleted demo topics" in proc.stderr
