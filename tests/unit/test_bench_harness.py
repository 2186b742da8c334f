"""Logic of the benchmark (bench/) and the process harness (streams/harness.py) on tiny
inputs: windows, percentiles, latency matching, memory arithmetic, datasets, CLI presets,
worker environments and log parsing. No broker, no timing assertions."""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

import orjson
import pytest

from bench import dataset, drain, latency, memory, system
from bench.observe import Sample
from bench.progress import Progress
from bench.synthetic import synthetic_events
from streams import harness
from streams.cli import bench as cli
from streams.detect import Detector

# -- drain: the measured window -------------------------------------------------------------

def test_window_runs_from_first_commit_to_the_end() -> None:
    samples = [Sample(1.0, 0), Sample(2.0, 100), Sample(3.0, 600), Sample(4.0, 1000)]
    window = drain.measured_window(samples, end_time=4.0, total=1000)
    assert window is not None
    assert window.messages == 900
    assert window.seconds == pytest.approx(2.0)
    assert window.per_s == pytest.approx(450.0)


def test_window_waits_for_all_members_when_they_are_watched() -> None:
    samples = [Sample(1.0, 100, members=1), Sample(2.0, 200, members=0),
               Sample(3.0, 400, members=2), Sample(5.0, 1000, members=2)]
    window = drain.measured_window(samples, end_time=5.0, total=1000, members=2)
    assert window is not None
    assert (window.messages, window.seconds) == (600, pytest.approx(2.0))


def test_no_window_when_everything_was_committed_at_once() -> None:
    assert drain.measured_window([Sample(1.0, 0), Sample(2.0, 50)], 2.0, total=50) is None
    assert drain.measured_window([], 2.0, total=50) is None


def test_processing_window_from_the_workers_counters() -> None:
    samples = [(1.0, [0, 0]), (2.0, [10, 0]), (3.0, [40, 60]), (4.0, [300, 400]),
               (5.0, [500, 500])]
    window = drain.processing_window(samples, total=1000, alerts_end=None)
    assert window is not None  # starts once both workers have processed something
    assert (window.messages, window.seconds, window.start) == (900, 2.0, 3.0)
    late = drain.processing_window(samples, total=1000, alerts_end=7.0)
    assert late is not None and late.seconds == 4.0  # the last alert came out later
    assert drain.processing_window(samples, total=2000, alerts_end=None) is None
    assert drain.processing_window([(1.0, [None])], total=5, alerts_end=None) is None


def test_done_times() -> None:
    samples = [Sample(1.0, 10), Sample(2.0, 50), Sample(3.0, 50)]
    assert drain.done_time(samples, 50) == 2.0
    assert drain.done_time(samples, 51) is None
    received = [(1.0, "a", "c1"), (1.5, "a", "c1"), (2.5, "b", "c2")]
    assert drain.alerts_done_time(received, 2) == 2.5  # the duplicate of "a" does not count
    assert drain.alerts_done_time(received, 3) is None


# -- latency ---------------------------------------------------------------------------------

def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert latency.percentile(values, 50) == 50.0
    assert latency.percentile(values, 99) == 99.0
    assert latency.percentile(values, 100) == 100.0
    assert latency.percentile([7.0], 99) == 7.0
    assert latency.percentile([], 50) is None


def test_alerts_are_matched_to_their_trigger_send_time() -> None:
    sent = {"c1": 10.0, "c2": 11.0}
    received = [(10.05, "a1", "c1"), (10.06, "a1", "c1"), (11.2, "a2", "c2"), (12.0, "a3", "x")]
    pairs, unmatched = latency.latencies_ms(sent, received)
    assert [round(ms) for _, ms in pairs] == [50, 200]
    assert unmatched == 1
    summary = latency.summarize([ms for _, ms in pairs])
    assert set(summary) == {"p50_ms", "p90_ms", "p99_ms", "max_ms"}
    assert summary["max_ms"] == pytest.approx(200.0)


def test_latency_split_and_slices() -> None:
    sent = {"c1": 10.0}
    split = latency.split(sent, [(10.3, "a1", "c1")], {"a1": 10.1})
    assert split["produce_to_detected_p50_ms"] == pytest.approx(100.0)
    assert split["detected_to_readable_p50_ms"] == pytest.approx(200.0)
    slices = latency.by_interval([(0.0, 10.0), (1.0, 30.0), (6.0, 5.0)], began=0.0)
    assert [s["alerts"] for s in slices] == [2, 1]
    assert slices[0]["max_ms"] == 30.0


# -- memory ----------------------------------------------------------------------------------

def test_memory_arithmetic() -> None:
    assert memory.per_thread(3_000_000, 1_000_000, 1000) == 2000.0
    assert memory.per_thread(None, 1, 1) is None
    assert memory.per_thread(5, 1, 0) is None
    assert memory.flat_growth([100, 105, 110]) == pytest.approx(0.10)
    assert memory.flat_growth([100]) is None
    assert memory.growth_once_expiring([100, 150, 153]) == pytest.approx(0.02)
    assert memory.growth_once_expiring([100, 150]) == pytest.approx(0.5)


# -- dataset ---------------------------------------------------------------------------------

def test_dataset_rows_are_keyed_by_thread_and_alerts_come_from_the_core() -> None:
    data = dataset.build(600, 30)
    assert len(data) == 600
    for key, value in data.rows[:50]:
        assert orjson.loads(value)["thread_id"].encode() == key
    detector = Detector()
    offline = [a for e in synthetic_events(600, 30) for a in detector.process(e)]
    assert data.expected_alerts == len(offline)
    assert data.alert_ids == {a.alert_id for a in offline}
    assert data.threads == len({k for k, _ in data.rows})


def test_prefixed_dataset_renames_every_id() -> None:
    data = dataset.build(50, 5, prefix="g1-", expect_alerts=False)
    for key, value in data.rows:
        doc = orjson.loads(value)
        assert key.startswith(b"g1-t-")
        assert doc["comment_id"].startswith("g1-t-")
        assert doc.get("parent_id") is None or doc["parent_id"].startswith("g1-t-")
    assert data.expected_alerts is None
    with pytest.raises(ValueError):
        dataset.build(10, 2, prefix="x-")


# -- processes -------------------------------------------------------------------------------

def test_rss_of_this_process() -> None:
    rss = harness.rss_bytes(os.getpid())
    assert rss is not None and rss > 1024 * 1024
    assert harness.rss_bytes(2**22 + 12345) is None


def test_worker_env_replaces_flamewatch_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAMEWATCH_BATCH_SIZE", "7")
    monkeypatch.setenv("FLAMEWATCH_KAFKA_CACHE", "/cache")
    env = harness.worker_env(broker_url="kafka://h:1", app_id="a", comments_topic="c",
                             partitions=4, data_dir=Path("/tmp/x"),
                             extra={"FLAMEWATCH_WEB_ENABLED": "true"})
    assert "FLAMEWATCH_BATCH_SIZE" not in env
    assert env["FLAMEWATCH_KAFKA_CACHE"] == "/cache"
    assert env["FLAMEWATCH_BROKER"] == "kafka://h:1"
    assert env["FLAMEWATCH_WEB_ENABLED"] == "true"
    assert (env["FLAMEWATCH_COMMENTS_TOPIC"], env["FLAMEWATCH_ALERTS_TOPIC"]) == ("c", "a-alerts")
    assert env["FLAMEWATCH_DATA_DIR"] == "/tmp/x"
    assert "BROKER_COMMIT_INTERVAL" not in env  # measured as deployed


def test_worker_logs_are_parsed_for_partitions_and_counters() -> None:
    log = (
        "INFO flamewatch.worker: processing partitions [0, 1, 2, 3] of c\n"
        "INFO flamewatch.worker: stats: processed=5 alerts=1 dead_lettered=0 rekeyed=0 x=1\n"
        "INFO flamewatch.worker: processing partitions [2] of c\n"
        "INFO flamewatch.worker: processing partitions [] of c\n"
        "INFO flamewatch.worker: stopping; totals: processed=9 alerts=2 dead_lettered=1 "
        "rekeyed=3 expired=0\n"
    )
    assert harness.parse_partitions(log) == set()
    assert harness.parse_partitions(log.split("processing partitions [2]")[0]) == {0, 1, 2, 3}
    assert harness.parse_partitions("starting") is None
    assert harness.parse_totals(log) == {"processed": 9, "alerts": 2, "dead_lettered": 1,
                                         "rekeyed": 3}
    assert harness.parse_totals("") == {}


def test_children_are_stopped_and_their_exit_is_reported(tmp_path: Path) -> None:
    import sys

    child = harness.Child("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                          harness.clean_env(), tmp_path / "sleeper.log")
    assert child.alive and "sleeper" in harness.running()
    child.check()
    assert child.stop(timeout=5) != 0 and not child.alive
    assert "sleeper" not in harness.running()
    quick = harness.Child("quick", [sys.executable, "-c", "print('bye')"], harness.clean_env(),
                          tmp_path / "quick.log")
    quick.proc.wait(10)
    with pytest.raises(harness.ChildExited, match="bye"):
        quick.check()
    quick.stop()


# -- progress and CLI ------------------------------------------------------------------------

def test_progress_prints_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(stream=out, every=0.0)
    progress.stage("hello")
    with progress.counter("things", 10) as counter:
        counter.set(5, "half")
    text = out.getvalue()
    assert "hello" in text and "things: 5/10 msg  half" in text
    quiet = io.StringIO()
    Progress(enabled=False, stream=quiet).stage("x")
    assert quiet.getvalue() == ""


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    return parser.parse_args(["bench", *argv])


def test_presets_and_size_overrides() -> None:
    from bench.sizes import DEFAULT, FULL, QUICK

    assert cli.choose_sizes(parse()) == (DEFAULT, "default")
    assert cli.choose_sizes(parse("--quick"))[0] == QUICK
    sizes, label = cli.choose_sizes(parse("--full", "--memory-threads", "7", "--latency-rate",
                                          "500"))
    assert (sizes.memory_threads, sizes.memory_comments, sizes.latency_rate) == (
        7, FULL.memory_comments, 500.0)
    assert "overrides" in label
    assert FULL.memory_comments == 1_000_000 and FULL.memory_threads == 100_000


def test_sections_and_broker_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.choose_sections(parse("--only", "raw,memory")) == {"raw", "memory"}
    assert "memory" not in cli.choose_sections(parse("--skip", "memory"))
    with pytest.raises(SystemExit):
        cli.choose_sections(parse("--only", "nope"))
    monkeypatch.delenv("FLAMEWATCH_BROKER", raising=False)
    assert cli.choose_broker(parse()).kind == "kafka"
    assert cli.choose_broker(parse("--broker", "tansu")).kind == "tansu"
    with pytest.raises(SystemExit):
        cli.choose_broker(parse("--broker", "existing"))
    monkeypatch.setenv("FLAMEWATCH_BROKER", "kafka://127.0.0.1:9")
    choice = cli.choose_broker(parse())
    assert (choice.kind, choice.url) == ("existing", "kafka://127.0.0.1:9")


def test_cores_used_over_the_window() -> None:
    samples = [system.CpuSample(0.0, [1.0, 2.0], 10.0, 0.5),
               system.CpuSample(1.0, [1.5, 2.1], 10.2, 0.6),
               system.CpuSample(3.0, [2.5, 2.3], 10.6, 0.7)]
    cores = system.cores_used(samples, start=1.0, end=3.0)
    assert cores is not None
    assert cores.processes == [pytest.approx(0.5), pytest.approx(0.1)]
    assert cores.broker == pytest.approx(0.2)
    assert cores.bench == pytest.approx(0.05)
    assert cores.others is None  # no machine-wide numbers in these samples
    assert system.cores_used([], 0.0, 1.0) is None
    machine = system.cores_used(
        [system.CpuSample(0.0, [0.0], 0.0, 0.0, 100.0, 5.0),
         system.CpuSample(2.0, [1.0], 0.5, 0.1, 103.0, 5.5)], 0.0, 2.0)
    assert machine is not None
    assert machine.machine == pytest.approx(1.5)
    assert machine.others == pytest.approx(1.5 - 0.5 - 0.25 - 0.05)
    assert machine.cpu_pressure == pytest.approx(0.25)
    assert harness.cpu_seconds(os.getpid()) is not None


def test_worker_env_flag() -> None:
    assert cli.worker_env(parse("--worker-env", "FLAMEWATCH_BATCH_WINDOW=0.02",
                                "--worker-env", "A=b=c")) == {
        "FLAMEWATCH_BATCH_WINDOW": "0.02", "A": "b=c"}
    with pytest.raises(SystemExit):
        cli.worker_env(parse("--worker-env", "novalue"))
