"""`flamewatch bench` end to end on tiny sizes against the session broker: every section runs,
the results have their parts, alerts out of the worker match the offline core, and no child
process is left behind. Numbers are never asserted."""

from __future__ import annotations

import importlib.util
import io

from bench import suite
from bench.progress import Progress
from bench.sizes import SECTIONS, Sizes
from streams import harness
from streams.brokers import RunningBroker

TINY = Sizes(
    comments=1_500, threads=60, latency_seconds=2.0, latency_rate=200.0, latency_threads=40,
    latency_runs=2, memory_comments=400, memory_threads=40, memory_generations=2,
    core_comments=200, core_threads=20,
)


def test_tiny_run_reports_every_section(broker: RunningBroker) -> None:
    out = io.StringIO()
    # soak and adversarial have their own test (test_bench_reliability.py); encoder is slow
    # (model loads, scoring at ~10/s) and its pure parts are unit-tested
    sections = set(SECTIONS) - {"soak", "adversarial", "encoder"}
    results = suite.run(TINY, broker=suite.BrokerChoice("existing", broker.url),
                        sections=sections, progress=Progress(stream=out))
    assert harness.running() == []  # every child was stopped

    topic = results.topic
    assert topic is not None and topic.comments == TINY.comments
    assert results.raw_consume is not None and results.raw_consume.messages == TINY.comments
    for drain in (results.bare_faust, results.flamewatch):
        assert drain is not None and drain.per_s is not None and drain.seconds
    for drain in (results.flamewatch, results.two_workers):
        assert drain is not None
        assert drain.alerts == drain.alerts_expected == topic.expected_alerts
        assert drain.missing_alerts == 0 and drain.unexpected_alerts == 0
        assert drain.changelog_records  # the worker wrote its states
    assert results.two_workers is not None and results.two_workers.processes == 2
    assert results.ratios.flamewatch_over_bare_faust is not None

    assert results.latency is not None and len(results.latency.runs) == TINY.latency_runs
    for run in results.latency.runs:
        assert run.comments == int(TINY.latency_rate * TINY.latency_seconds)
        assert run.alerts == run.alerts_expected and run.unmatched_alerts == 0

    stores = {m.store: m for m in results.memory}
    wanted = {"memory://"} | ({"rocksdb://"} if importlib.util.find_spec("rocksdict") else set())
    assert set(stores) == wanted
    for mem in stores.values():
        assert mem.rss_idle_bytes and mem.rss_loaded_bytes
        assert mem.state_threads_read == mem.active_threads
        assert len(mem.rounds) == TINY.memory_generations
        # earlier generations expired: the table holds only the newest one
        last = mem.rounds[-1]
        assert last.threads_in_table is not None and last.threads_in_table <= TINY.memory_threads
        assert last.expired_total is not None and last.expired_total >= mem.active_threads
    if "rocksdb://" in stores:
        assert stores["rocksdb://"].data_dir_bytes

    assert results.core is not None and results.core.comments == TINY.core_comments
    assert "flamewatch" in out.getvalue()
