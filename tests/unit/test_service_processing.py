"""The worker's batch processing (no Faust, no broker): decode → rekey check → core → outputs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Alert, decode_comment
from streams.detect import DetectConfig, Detector, decode_state, encode_state, is_expired, step
from streams.service.processing import BatchProcessor, Core, Record
from streams.service.routing import partition_for
from streams.service.stats import Stats
from streams.service.store import ThreadStore

SAMPLE = Path(__file__).resolve().parents[2] / "streams" / "service" / "sample_thread.jsonl"
PARTITIONS = 4
NOW = datetime(2030, 1, 1, tzinfo=UTC)
REAL = Core(step=step, is_expired=is_expired, encode_state=encode_state, decode_state=decode_state)


def sample_lines(thread: str | None = None) -> list[bytes]:
    lines = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    if thread is None:
        return lines
    out = []
    for ln in lines:
        doc = orjson.loads(ln)
        old = doc["thread_id"]
        for name in ("thread_id", "comment_id", "parent_id"):
            if doc.get(name):
                doc[name] = doc[name].replace(old, thread)
        out.append(orjson.dumps(doc))
    return out


def keyed(raw: bytes, offset: int = 0, topic: str = "comments") -> Record:
    key = orjson.loads(raw)["thread_id"].encode()
    return Record(key, raw, topic, partition_for(key, PARTITIONS), offset, NOW.timestamp())


def processor(core: Core = REAL, stats: Stats | None = None) -> BatchProcessor:
    return BatchProcessor(DetectConfig(), PARTITIONS, stats or Stats(), core, clock=lambda: NOW)


class Table(dict[bytes, bytes]):
    """Stands in for the Faust table, with the worker's ThreadStore over it; `apply` does
    what the agent does after a batch, and then flushes (as if the interval had passed)."""

    def __init__(self, *args: Any, core: Core = REAL) -> None:
        super().__init__(*args)
        self.store = ThreadStore(self, core.encode_state, core.decode_state, PARTITIONS,
                                 Stats())

    @property
    def get_state(self) -> Any:
        return self.store.load

    def apply(self, result: Any, flush: bool = True) -> None:
        for key, state in result.states.items():
            self.store.put(key, result.last_record[key].partition, state)
        if flush:
            self.store.flush_into(self)


def offline(lines: list[bytes]) -> list[dict[str, Any]]:
    detector = Detector(DetectConfig())
    alerts: list[Alert] = []
    for ln in lines:
        event = decode_comment(ln)
        assert not hasattr(event, "reason")
        alerts.extend(detector.process(event))  # type: ignore[arg-type]
    return [a.model_dump(mode="json", exclude={"detected_at"}) for a in alerts]


def published(result: Any) -> list[dict[str, Any]]:
    return [orjson.loads(value) for _, value in result.alerts]


def test_one_batch_equals_the_offline_detector() -> None:
    lines = sample_lines()
    stats = Stats()
    proc = processor(stats=stats)
    result = proc.process([keyed(r, i) for i, r in enumerate(lines)], Table().get_state)
    got = published(result)
    assert got, "the sample thread should raise alerts"
    assert [{k: v for k, v in a.items() if k != "detected_at"} for a in got] == offline(lines)
    assert all(a["detected_at"] == "2030-01-01T00:00:00Z" for a in got)
    assert {k for k, _ in result.alerts} == {b"harbour-road-cycle-lane"}
    # one new state for the thread, however many comments
    assert list(result.states) == [b"harbour-road-cycle-lane"]
    assert (stats.processed, stats.alerts, stats.dead_lettered) == (len(lines), len(got), 0)
    # one thread is not enough to move a watermark (it needs three), but it is counted
    last_ts = result.states[b"harbour-road-cycle-lane"].last_ts
    assert proc.watermarks.overall(range(PARTITIONS)) is None
    assert proc.watermarks._top == {
        partition_for(b"harbour-road-cycle-lane", PARTITIONS): {b"harbour-road-cycle-lane": last_ts}
    }


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=12),
       st.lists(st.booleans(), min_size=1, max_size=7))
def test_any_batching_and_flushing_gives_the_same_alerts(
    sizes: list[int], flushes: list[bool]
) -> None:
    lines = [*sample_lines("t-a"), *sample_lines("t-b")]
    lines = [x for pair in zip(lines[:24], lines[24:], strict=True) for x in pair]  # interleave
    records = [keyed(r, i) for i, r in enumerate(lines)]
    proc, table, alerts = processor(), Table(), []
    start, i = 0, 0
    while start < len(records):
        size = sizes[i % len(sizes)]
        result = proc.process(records[start:start + size], table.get_state)
        table.apply(result, flush=flushes[i % len(flushes)])
        alerts.extend(published(result))
        start, i = start + size, i + 1
    expected = offline(lines)
    assert [{k: v for k, v in a.items() if k != "detected_at"} for a in alerts] == expected


def test_reprocessing_after_restart_does_not_realert() -> None:
    records = [keyed(r, i) for i, r in enumerate(sample_lines())]
    table = Table()
    first = processor().process(records, table.get_state)
    table.apply(first)
    assert first.alerts
    # a fresh worker (no cache) restored from the changelog, fed the same records again
    again = processor().process(records, Table(table).get_state)
    assert again.alerts == []


@pytest.mark.parametrize(
    ("key", "partition_shift"),
    [(None, 0), (b"some-other-key", 0), (b"harbour-road-cycle-lane", 1)],
)
def test_records_off_their_thread_partition_are_rekeyed(
    key: bytes | None, partition_shift: int
) -> None:
    raw = sample_lines()[0]
    right = keyed(raw)
    record = Record(key, raw, "comments", (right.partition + partition_shift) % PARTITIONS, 5)
    stats = Stats()
    result = processor(stats=stats).process([record], Table().get_state)
    assert result.rekeyed == [(b"harbour-road-cycle-lane", raw)]
    assert result.states == {} and result.alerts == [] and result.dead_letters == []
    assert (stats.rekeyed, stats.processed) == (1, 0)


def test_rekeyed_records_are_processed_from_the_repartition_topic() -> None:
    raw = sample_lines()[0]
    result = processor().process([keyed(raw, topic="app-comments-repartition")],
                                 Table().get_state)
    assert list(result.states) == [b"harbour-road-cycle-lane"]
    assert result.rekeyed == []


def test_bad_records_are_dead_lettered_and_the_rest_goes_on() -> None:
    lines = sample_lines()
    bad = [
        Record(b"k", b"{oops", "comments", 0, 100, 2.0),
        Record(b"k", None, "comments", 1, 101, 2.0),
        Record(None, b'{"thread_id": "x"}', "comments", 2, 102, 2.0),
    ]
    records = [bad[0], *[keyed(r, i) for i, r in enumerate(lines[:10])], bad[1], bad[2],
               *[keyed(r, 10 + i) for i, r in enumerate(lines[10:])]]
    stats = Stats()
    result = processor(stats=stats).process(records, Table().get_state)
    reasons = [orjson.loads(v)["reason"] for _, v in result.dead_letters]
    assert reasons == ["invalid_json", "invalid_json", "schema_error"]
    assert [orjson.loads(v)["offset"] for _, v in result.dead_letters] == [100, 101, 102]
    assert [k for k, _ in result.dead_letters] == [b"k", b"k", None]
    assert stats.processed == len(lines) and stats.dead_lettered == 3
    assert [{k: v for k, v in a.items() if k != "detected_at"} for a in published(result)] == (
        offline(lines)
    )


def test_a_core_exception_dead_letters_that_event_only() -> None:
    lines = sample_lines()
    poisoned = orjson.loads(lines[3])["comment_id"]

    def flaky_step(state: Any, event: Any, config: DetectConfig) -> Any:
        if event.comment_id == poisoned:
            raise RuntimeError("scorer blew up")
        return step(state, event, config)

    core = Core(flaky_step, is_expired, encode_state, decode_state)
    stats = Stats()
    result = processor(core, stats).process([keyed(r, i) for i, r in enumerate(lines)],
                                            Table().get_state)
    [(key, value)] = result.dead_letters
    assert key == b"harbour-road-cycle-lane"
    dead = orjson.loads(value)
    assert dead["reason"] == "processing_error"
    assert "RuntimeError: scorer blew up" in dead["detail"]
    assert dead["offset"] == 3
    assert (stats.processed, stats.processing_errors) == (len(lines) - 1, 1)
    state = result.states[b"harbour-road-cycle-lane"]
    assert poisoned not in state.seen and poisoned not in state.comments
    assert len(state.seen) == len(lines) - 1


def test_states_written_by_this_worker_are_not_decoded_again() -> None:
    calls: list[bytes] = []

    def counting_decode(data: bytes) -> Any:
        calls.append(data)
        return decode_state(data)

    core = Core(step, is_expired, encode_state, counting_decode)
    records = [keyed(r, i) for i, r in enumerate(sample_lines())]
    proc, table = processor(core), Table(core=core)
    for i in range(0, len(records), 5):
        table.apply(proc.process(records[i:i + 5], table.get_state), flush=i % 2 == 0)
    assert calls == []
    # someone else (a previous owner) wrote a different state: decode it
    other_table = Table()
    other_table.apply(processor().process(records[:3], other_table.get_state))
    table.update(other_table)
    proc.process(records[3:4], table.get_state)
    assert calls == [other_table[b"harbour-road-cycle-lane"]]


def test_an_unreadable_state_starts_the_thread_afresh() -> None:
    table = Table({b"harbour-road-cycle-lane": b"\x00garbage"})
    stats = table.store.stats
    result = processor(stats=stats).process([keyed(sample_lines()[0])], table.get_state)
    assert stats.processing_errors == 1 and stats.processed == 1
    assert len(result.states[b"harbour-road-cycle-lane"].seen) == 1
