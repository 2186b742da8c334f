"""The benchmark results and report: ratios, the JSON document, the printed table (no timing
is asserted anywhere: these check the arithmetic and the shape)."""

from __future__ import annotations

import orjson
import pytest

from bench import report
from bench.results import (
    Core,
    Cores,
    Drain,
    Latency,
    LatencyRun,
    Memory,
    MemoryRound,
    Results,
    ThroughputTopic,
)


def run(p99: float | None) -> LatencyRun:
    return LatencyRun(offered_rate=1000.0, comments=5000, threads=100, achieved_rate=999.0,
                      alerts=40, alerts_expected=40, unmatched_alerts=0, p50_ms=20.0,
                      p90_ms=40.0, p99_ms=p99, max_ms=120.0, mean_batch=12.0,
                      cores=Cores(processes=[0.4], broker=0.2))


def results() -> Results:
    meta = {"date": "2026-01-01T00:00:00+00:00", "machine": {"cpus": 2, "cpu_model": "Test CPU"},
            "broker": {"kind": "kafka", "version": "4.3.1"}, "source": {"commit": "abc1234"},
            "sizes": {"comments": 1000, "threads": 50}, "loadavg_at_start": [0.5, 0.4, 0.3],
            "duration_s": 12.0}
    drain = dict(timing="processed counters", alerts_expected=7, alerts=7, missing_alerts=0)
    return Results(
        meta=meta,
        topic=ThroughputTopic("t", 1000, 50, 4, 7, 300_000, 50_000.0),
        raw_consume=Drain("raw_consume", 1000, 0.005, 200_000.0, "in process"),
        bare_faust=Drain("bare_faust", 1000, 0.1, 10_000.0, "in process",
                         cores=Cores(processes=[0.9], broker=0.3, others=0.1,
                                     cpu_pressure=0.05)),
        flamewatch=Drain("flamewatch", 1000, 0.25, 4_000.0, changelog_records=300,
                         committed_per_s=3_500.0, **drain),
        two_workers=Drain("flamewatch x2", 1000, 0.17, 6_000.0, processes=2, **drain),
        latency=Latency([run(80.0), run(95.0), run(150.0)]),
        memory=[Memory(
            store=store, comments_per_generation=1000, threads_per_generation=100,
            generations=2, inactivity_seconds=560.0, rss_idle_bytes=60 << 20,
            rss_loaded_bytes=70 << 20, active_threads=100, rss_per_thread_bytes=3000.0,
            state_threads_read=100, state_bytes_mean=550.0, state_bytes_p50=500,
            state_bytes_p99=900, state_bytes_max=1000,
            rounds=[MemoryRound("generation 1", 1000, 100, 0, 70 << 20),
                    MemoryRound("generation 2", 2000, 100, 100, 72 << 20)],
            rss_growth_over_generations=2 / 70, rss_growth_once_expiring=2 / 70,
            rss_all_expired_bytes=72 << 20, threads_after_all_expired=10,
            data_dir_bytes=(5 << 20) if store == "rocksdb://" else None,
        ) for store in ("memory://", "rocksdb://")],
        core=Core(comments=100, threads=10, alerts=1, score_only_per_s=30_000.0,
                  step_per_s=12_000.0, step_with_state_codec_per_s=8_000.0,
                  state_bytes_mean=550.0, state_json_bytes_mean=1500.0, state_bytes_max=900),
    )


def test_ratios_are_quotients_of_the_measured_rates() -> None:
    r = results()
    ratios = r.add_ratios()
    assert ratios.flamewatch_over_bare_faust == pytest.approx(0.4)
    assert ratios.flamewatch_over_raw_consume == pytest.approx(0.02)
    assert ratios.two_workers_over_one == pytest.approx(1.5)
    assert r.ratios is ratios


def test_ratios_are_none_when_a_side_is_missing_or_zero() -> None:
    r = results()
    r.bare_faust = None
    assert r.raw_consume is not None and r.two_workers is not None
    r.raw_consume.per_s = 0.0
    r.two_workers.per_s = None
    ratios = r.add_ratios()
    assert (ratios.flamewatch_over_bare_faust, ratios.flamewatch_over_raw_consume,
            ratios.two_workers_over_one) == (None, None, None)


def test_latency_runs_keep_each_p99() -> None:
    lat = results().latency
    assert lat is not None
    assert lat.p99s_ms == [80.0, 95.0, 150.0]
    assert lat.worst_p99_ms == 150.0
    assert Latency([run(80.0), run(None)]).worst_p99_ms is None  # not measured in every run


def test_the_json_document_has_every_section() -> None:
    r = results()
    r.add_ratios()
    data = orjson.loads(orjson.dumps(r.to_dict()))
    assert set(data) >= {"meta", "topic", "raw_consume", "bare_faust", "flamewatch",
                         "two_workers", "latency", "memory", "core", "ratios"}
    assert data["latency"]["p99s_ms"] == [80.0, 95.0, 150.0]
    assert [m["store"] for m in data["memory"]] == ["memory://", "rocksdb://"]
    assert data["bare_faust"]["cores"]["processes"] == [0.9]
    assert "targets" not in data  # the targets live in docs/PERFORMANCE.md


def test_render_shows_every_section_and_survives_missing_ones() -> None:
    r = results()
    r.add_ratios()
    text = report.render(r)
    for needle in ("raw_consume", "bare_faust", "2 workers", "p99 80 ms, 95 ms, 150 ms",
                   "run 3: p50 20 ms", "memory, memory://", "memory, rocksdb://",
                   "data directory after generation 1: 5 MB", "core", "2 CPUs",
                   "0.30 changelog records/comment", "abc1234", "load average",
                   "12 comments per agent batch"):
        assert needle in text, needle
    assert report.render(Results(meta={}))  # nothing measured: still a table


def test_cores_text() -> None:
    assert report.cores_text(Cores(processes=[0.9, 0.8], broker=0.5)) == (
        "cores: process 0.90+0.80, broker 0.50")
    assert report.cores_text(Cores(processes=[0.7])) == "cores: process 0.70"
    assert report.cores_text(None) == ""
