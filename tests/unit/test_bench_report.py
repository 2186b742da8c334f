"""The benchmark report: ratios, target verdicts, the table and the JSON document (no timing
is asserted anywhere: these check the arithmetic and the shape)."""

from __future__ import annotations

import orjson
import pytest

from streams.bench import report


def results() -> dict:
    return {
        "meta": {
            "date": "2026-01-01T00:00:00+00:00",
            "machine": {"cpus": 2, "cpu_model": "Test CPU"},
            "broker": {"kind": "kafka", "version": "4.3.1"},
            "sizes": {"comments": 1000, "threads": 50},
            "loadavg_at_start": [0.5, 0.4, 0.3],
            "duration_s": 12.0,
        },
        "throughput_topic": {"comments": 1000, "threads": 50, "partitions": 4,
                             "expected_alerts": 7},
        "raw_consume": {"per_s": 200_000.0},
        "bare_faust": {"per_s": 10_000.0, "note": ""},
        "bare_faust_take": {"per_s": 9_000.0, "note": ""},
        "flamewatch": {"per_s": 4_000.0, "alerts": 7, "alerts_expected": 7, "note": "",
                       "missing_alerts": 0},
        "scaleout": {
            "one": {"per_s": 4_000.0},
            "two": {"per_s": 6_000.0, "alerts": 7, "alerts_expected": 7, "note": ""},
        },
        "latency": {"offered_rate": 1000.0, "achieved_rate": 999.0, "comments": 5000,
                    "threads": 100, "alerts": 40, "alerts_expected": 40, "p50_ms": 80.0,
                    "p90_ms": 95.0, "p99_ms": 150.0, "max_ms": 300.0,
                    "split": {"produce_to_detected_p50_ms": 50.0}},
        "memory": {"comments_per_generation": 1000, "threads_per_generation": 100,
                   "generations": 2, "inactivity_seconds": 560.0, "rss_idle_bytes": 60 << 20,
                   "rss_loaded_bytes": 70 << 20, "active_threads": 100,
                   "rss_per_thread_bytes": 3000.0, "state_bytes_mean": 1500.0,
                   "state_bytes_p50": 1400, "state_bytes_p99": 2900, "state_bytes_max": 3000,
                   "rounds": [{"rss_bytes": 70 << 20, "threads_in_table": 100},
                              {"rss_bytes": 72 << 20, "threads_in_table": 100}],
                   "rss_growth_over_generations": 2 / 70,
                   "rss_growth_once_expiring": 2 / 70, "rss_all_expired_bytes": 72 << 20,
                   "threads_after_all_expired": 10},
        "core": {"comments": 100, "threads": 10, "score_only_per_s": 30_000.0,
                 "step_per_s": 60_000.0, "step_with_state_codec_per_s": 5_000.0},
    }


def test_ratios_are_quotients_of_the_measured_rates() -> None:
    r = results()
    ratios = report.add_ratios(r)
    assert ratios["flamewatch_over_bare_faust"] == pytest.approx(0.4)
    assert ratios["flamewatch_over_raw_consume"] == pytest.approx(0.02)
    assert ratios["two_workers_over_one"] == pytest.approx(1.5)
    assert r["ratios"] is ratios


def test_ratios_are_none_when_a_side_is_missing_or_zero() -> None:
    r = results()
    del r["bare_faust"]
    r["raw_consume"]["per_s"] = 0.0
    r["scaleout"]["two"]["per_s"] = None
    ratios = report.add_ratios(r)
    assert ratios == {
        "flamewatch_over_bare_faust": None,
        "flamewatch_over_raw_consume": None,
        "two_workers_over_one": None,
    }


def test_every_target_of_the_issue_gets_a_verdict() -> None:
    r = results()
    report.add_ratios(r)
    verdicts = {v["key"]: v for v in report.evaluate(r)}
    assert set(verdicts) == {
        "flamewatch_over_bare_faust", "flamewatch_per_s", "latency_p99_ms",
        "two_workers_over_one", "state_bytes_per_thread", "rss_bytes_per_thread",
        "rss_growth_after_expiry", "core_per_s",
    }
    assert verdicts["flamewatch_over_bare_faust"]["met"] is False
    assert verdicts["flamewatch_over_bare_faust"]["stretch_met"] is False
    assert verdicts["flamewatch_per_s"]["met"] is False
    assert verdicts["latency_p99_ms"]["met"] is False
    assert verdicts["two_workers_over_one"]["met"] is False
    assert verdicts["state_bytes_per_thread"]["met"] is True
    assert verdicts["rss_bytes_per_thread"]["met"] is False
    assert verdicts["rss_growth_after_expiry"]["met"] is True
    assert verdicts["core_per_s"]["met"] is True
    for v in verdicts.values():
        assert set(v) >= {"key", "target", "goal", "measured", "met", "gap"}
        assert (v["gap"] == "") == bool(v["met"])


def test_unmeasured_targets_are_neither_met_nor_missed() -> None:
    verdicts = report.evaluate({"meta": {}})
    assert all(v["met"] is None and v["measured"] is None for v in verdicts)


@pytest.mark.parametrize(
    ("value", "goal", "higher", "expected"),
    [
        (4_000, 10_000, True, "60% short (needs 2.5x)"),
        (10_000, 10_000, True, ""),
        (150, 100, False, "1.5x the limit (50% over)"),
        (100, 100, False, ""),
        (0, 10, True, "nothing measured"),
    ],
)
def test_gap_says_how_far_off(value: float, goal: float, higher: bool, expected: str) -> None:
    assert report.gap_text(value, goal, higher) == expected


def test_render_shows_every_section_and_survives_missing_ones() -> None:
    r = results()
    report.add_ratios(r)
    report.evaluate(r)
    text = report.render(r)
    for needle in ("raw_consume", "bare_faust", "flamewatch", "2 workers", "p99 150 ms",
                   "memory", "core", "targets (issue 4)", "MISSED", "met", "2 CPUs",
                   "load average"):
        assert needle in text
    assert report.render({"meta": {}})  # nothing measured: still a table


def test_results_are_json_serialisable() -> None:
    r = results()
    report.add_ratios(r)
    report.evaluate(r)
    assert orjson.loads(orjson.dumps(r))["targets"][0]["key"] == "flamewatch_over_bare_faust"


def test_cores_text() -> None:
    assert report.cores_text({"workers": [0.9, 0.8], "broker": 0.5}) == (
        "cores: process 0.90+0.80, broker 0.50")
    assert report.cores_text({"worker": 0.7, "broker": None}) == "cores: process 0.70"
    assert report.cores_text(None) == ""
