"""The encoder section of the benchmark, its pure parts: the labelled stream it produces, the
matching of alerts, requests and opinions, the batch arithmetic, the stage's batch line and the
printed table. No broker, no model, no timing asserted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from bench import encoder_stage as es
from bench.results import EncoderDrain, EncoderLatencyRun, EncoderShare, EncoderStage, Results
from schemas.comment import CommentEvent
from schemas.opinion import ScoreRequest
from streams.encoder.stage import BATCH_LOG
from streams.harness import EncoderBatch, parse_batches

T0 = datetime(2021, 3, 1, tzinfo=UTC)


def thread(tid: str, n: int, start: datetime, every: timedelta) -> list[CommentEvent]:
    return [
        CommentEvent(comment_id=f"c{i}", thread_id=tid, parent_id=f"c{i - 1}" if i else None,
                     author_id=f"u{i % 2}", text=f"comment {i}", created_at=start + i * every)
        for i in range(n)
    ]


def test_labelled_stream_merges_threads_by_time_and_renames_every_id() -> None:
    threads = [thread("a", 3, T0, timedelta(minutes=15)),
               thread("b", 2, T0 + timedelta(days=300), timedelta(minutes=15))]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    out = es.labelled_stream(threads, 12, "r0-", start)  # 5 per pass: 3 passes, cut to 12
    assert len(out) == 12
    assert len({e.comment_id for e in out}) == 12  # unique even though "c0" is in both threads
    # thread b starts STAGGER (20 min) after thread a, whatever its own date
    assert [e.comment_id for e in out[:5]] == ["r0-0.0-c0", "r0-0.0-c1", "r0-0.1-c0",
                                               "r0-0.0-c2", "r0-0.1-c1"]
    assert out[0].created_at == start and out[2].created_at == start + es.STAGGER
    assert out[0].parent_id is None and out[1].parent_id == "r0-0.0-c0"
    assert out[0].thread_id == "r0-0.0-a" and out[5].thread_id == "r0-1.0-a"
    times = [e.created_at for e in out]
    assert times == sorted(times)
    # the gaps inside a thread are kept; the next pass starts PASS_GAP after the last event
    assert out[3].created_at - out[0].created_at == timedelta(minutes=30)
    assert out[5].created_at == out[4].created_at + es.PASS_GAP
    assert es.after(out, start) == out[-1].created_at + es.PASS_GAP
    assert es.labelled_stream(threads, 0, "x", start) == []


def test_edits_keep_the_first_send_time_of_their_comment() -> None:
    first = thread("a", 2, T0, timedelta(minutes=1))
    edit = first[0].model_copy(update={"event_type": "edited", "text": "changed"})
    rows, ids = es.comment_rows([*first, edit])
    assert ids == ["c0", "c1", "c0#2"]
    assert rows[0][0] == b"a" and orjson.loads(rows[2][1])["event_type"] == "edited"


def test_request_pool_repeats_with_distinct_ids() -> None:
    base = [ScoreRequest(thread_id=f"t{i}", comment_id="c", text_hash=i, text="x", fast=0.5,
                         event_time=T0) for i in range(3)]
    pool = es.request_pool(base, 7)
    assert len(pool) == 7 and len({(r.thread_id, r.comment_id) for r in pool}) == 7
    assert pool[3].thread_id == "d1-t0" and pool[3].comment_id == "d1-c"
    assert es.request_pool([], 5) == []


def test_alerts_are_split_by_the_tier_that_decided_them() -> None:
    sent = {"c1": 10.0, "c2": 10.5, "c3": 11.0}
    received = [(10.1, "a1", "c1"), (10.6, "a2", "c2"), (10.7, "a2", "c2"),
                (12.0, "a3", "c3"), (13.0, "a4", "elsewhere")]
    docs = [{"tier": "rules"}, {"tier": "fast"}, {"tier": "fast"}, {"tier": "encoder"},
            {"tier": "encoder"}]
    by_tier, unmatched = es.tier_latencies(sent, received, docs)
    assert [round(v) for v in by_tier["other"]] == [100, 100]  # a2 counted once
    assert [round(v) for v in by_tier["encoder"]] == [1000]
    assert unmatched == 1

    requested = {"c3": 11.1, "c2": 10.6}
    answered = {"c3": 11.9, "c2": 10.9}
    split = es.encoder_split(sent, requested, answered, received, docs)
    assert round(split["produce_to_request_p50_ms"] or 0) == 100
    assert round(split["request_to_opinion_p99_ms"] or 0) == 800
    assert round(split["opinion_to_alert_p50_ms"] or 0) == 100

    to_opinion, in_stage = es.opinion_latencies(sent, requested, answered)
    assert sorted(round(v) for v in to_opinion) == [400, 900]
    assert sorted(round(v) for v in in_stage) == [300, 800]


def test_first_seen_keeps_the_first_read() -> None:
    received = [(1.0, "None", "None"), (2.0, "None", "None")]
    assert es.first_seen(received, [{"comment_id": "c"}, {"comment_id": "c"}]) == {"c": 1.0}


def test_the_stage_batch_line_is_what_the_harness_parses() -> None:
    log = "\n".join([
        "2026-01-01 INFO flamewatch.encoder encoder stage up: a -> b (model x, batches of 32)",
        "2026-01-01 DEBUG flamewatch.encoder " + BATCH_LOG % (32, 2750.04, 2761.5),
        "2026-01-01 DEBUG flamewatch.encoder " + BATCH_LOG % (3, 180.0, 190.25),
    ])
    batches = parse_batches(log)
    assert batches == [EncoderBatch(32, 2750.0, 2761.5), EncoderBatch(3, 180.0, 190.2)]
    summary = es.batch_summary(batches)
    assert summary is not None
    assert summary.batches == 2 and summary.mean_size == 17.5
    assert summary.score_ms_p50 == 180.0 and summary.total_ms_p99 == 2761.5
    assert round(summary.per_s_scoring or 0, 2) == round(35 / 2.93, 2)
    assert es.batch_summary([]) is None


def stage() -> EncoderStage:
    return EncoderStage(
        shares=[EncoderShare("synthetic threads", 1000, 2), EncoderShare("labelled threads",
                                                                        200, 30)],
        drains=[EncoderDrain(1, 32, 100, 8.0, 12.5, 12.5, es.batch_summary(
                    [EncoderBatch(32, 2000.0, 2010.0)])),
                EncoderDrain(2, 32, 100, 6.0, 16.7, 8.3)],
        runs=[EncoderLatencyRun(
            offered_rate=40.0, encoders=1, comments=400, achieved_rate=39.9, requests=60,
            requests_expected=60, opinions=60, alerts_encoder=5, alerts_other=20,
            encoder_ms={"p50_ms": 90.0, "p99_ms": 130.0, "max_ms": 130.0},
            other_ms={"p50_ms": 24.0, "p99_ms": 40.0, "max_ms": 41.0},
            opinion_ms={"p50_ms": 80.0, "p99_ms": 120.0, "max_ms": 121.0})],
        conditions={"partitions": 4, "default_batch_size": 32, "batch_window_s": 0.05},
        two_over_one=16.7 / 12.5,
    )


def test_the_encoder_section_is_printed_and_in_the_json() -> None:
    text = es.render(stage())
    assert "labelled threads    15.0% (30 of 200 comments)" in text
    assert "12.5 requests/s = 12.5 per process (100 requests in 8.0 s" in text
    assert "one process backs 83 labelled comments/s" in text  # 12.5 / 0.15
    assert "2 processes / 1 (same run, same topic): 1.34" in text
    assert "encoder alerts (5): p50 90 ms p99 130 ms" in text
    assert "fast-tier alerts (20): p50 24 ms p99 40 ms" in text
    assert "every request (60): produce -> opinion readable p50 80 ms" in text

    results = Results(meta={}, encoder=stage())
    doc = orjson.loads(orjson.dumps(results.to_dict()))
    assert doc["encoder"]["shares"][1]["share"] == 0.15
    assert doc["encoder"]["runs"][0]["share"] == 0.15
    assert doc["encoder"]["drains"][0]["batches"]["mean_size"] == 32
