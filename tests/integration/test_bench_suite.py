"""`flamewatch bench` end to end on tiny sizes against the session broker: every section runs,
the report has its keys, alerts out of the worker match the offline core, and no child process
is left behind. Numbers are never asserted."""

from __future__ import annotations

import io

from streams.bench import procs, suite
from streams.bench.progress import Progress
from streams.bench.sizes import Sizes
from streams.brokers import RunningBroker

TINY = Sizes(
    comments=1_500, threads=60, latency_seconds=2.0, latency_rate=200.0, latency_threads=40,
    memory_comments=400, memory_threads=40, memory_generations=2,
    core_comments=200, core_threads=20,
)


def test_tiny_run_reports_every_section(broker: RunningBroker) -> None:
    out = io.StringIO()
    results = suite.run(
        TINY,
        broker=suite.BrokerChoice("existing", broker.url),
        sections={"core", "raw", "bare", "flamewatch", "scaleout", "latency", "memory"},
        progress=Progress(stream=out),
    )
    assert procs.running() == []  # every child was stopped

    topic = results["throughput_topic"]
    assert topic["comments"] == TINY.comments
    raw = results["raw_consume"]
    assert raw["messages"] == TINY.comments
    for key in ("bare_faust", "flamewatch"):
        assert set(results[key]) >= {"messages", "seconds", "per_s", "committed_per_s",
                                     "timing", "startup_s", "note"}
    fw = results["flamewatch"]
    assert fw["alerts"] == fw["alerts_expected"] == topic["expected_alerts"]
    assert fw["missing_alerts"] == 0 and fw["unexpected_alerts"] == 0
    assert results["scaleout"]["two"]["processes"] == 2
    assert results["scaleout"]["two"]["alerts"] == topic["expected_alerts"]
    assert set(results["ratios"]) == {
        "flamewatch_over_bare_faust", "flamewatch_over_raw_consume", "two_workers_over_one",
    }

    lat = results["latency"]
    assert lat["comments"] == int(TINY.latency_rate * TINY.latency_seconds)
    assert lat["alerts"] == lat["alerts_expected"]
    assert lat["unmatched_alerts"] == 0

    mem = results["memory"]
    assert mem["rss_idle_bytes"] > 0 and mem["rss_loaded_bytes"] > 0
    assert mem["state_threads_read"] == mem["active_threads"]
    assert len(mem["rounds"]) == TINY.memory_generations
    # earlier generations expired: the table holds only the newest one
    assert mem["rounds"][-1]["threads_in_table"] <= TINY.memory_threads
    assert mem["rounds"][-1]["expired_total"] >= mem["active_threads"]

    assert len(results["targets"]) == 8
    assert "core" in results and results["core"]["comments"] == TINY.core_comments
    assert "flamewatch" in out.getvalue()
