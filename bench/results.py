"""What the benchmark measures, as dataclasses (`Results.to_dict()` is the JSON document).

Only numbers; the targets they are held against live in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Cores:
    """Average CPU cores used over a measured window (CPU seconds / wall seconds)."""

    processes: list[float | None] = field(default_factory=list)
    """The measured process(es): the worker(s), bare Faust, the raw consumer."""
    broker: float | None = None
    bench: float | None = None
    """This benchmark process (producers, observers)."""
    machine: float | None = None
    """Every process on the machine."""
    others: float | None = None
    """The machine minus all of the above: other sessions' work."""
    cpu_pressure: float | None = None
    """Share of the time some task waited for a CPU (Linux PSI "some")."""


@dataclass
class ThroughputTopic:
    topic: str
    comments: int
    threads: int
    partitions: int
    expected_alerts: int
    value_bytes: int
    produce_per_s: float | None


@dataclass
class Drain:
    """One reader draining the pre-produced topic (raw consumer, bare Faust, worker(s))."""

    label: str
    messages: int
    seconds: float | None
    per_s: float | None
    timing: str
    """What `per_s` was timed from."""
    processes: int = 1
    committed_per_s: float | None = None
    """From the consumer group's committed offsets (carries up to a commit interval of tail)."""
    startup_s: float | None = None
    total_s: float | None = None
    rss_bytes: list[int | None] = field(default_factory=list)
    cores: Cores | None = None
    alerts: int | None = None
    alerts_expected: int | None = None
    missing_alerts: int | None = None
    unexpected_alerts: int | None = None
    duplicate_alerts: int | None = None
    flushes: int | None = None
    changelog_records: int | None = None
    """Thread states the worker(s) wrote to the changelog over the run."""
    note: str = ""


@dataclass
class LatencyRun:
    offered_rate: float
    comments: int
    threads: int
    achieved_rate: float | None
    alerts: int
    alerts_expected: int
    unmatched_alerts: int
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    produce_to_detected_p50_ms: float | None = None
    produce_to_detected_p99_ms: float | None = None
    detected_to_readable_p50_ms: float | None = None
    detected_to_readable_p99_ms: float | None = None
    mean_batch: float | None = None
    """Comments per agent batch while sending."""
    uncommitted_at_end: int | None = None
    cores: Cores | None = None
    by_5s: list[dict[str, Any]] = field(default_factory=list)
    """Latency per 5 s of send time: shows whether a backlog built up."""


@dataclass
class Latency:
    runs: list[LatencyRun]

    @property
    def p99s_ms(self) -> list[float | None]:
        return [r.p99_ms for r in self.runs]

    @property
    def worst_p99_ms(self) -> float | None:
        values = [v for v in self.p99s_ms if v is not None]
        return max(values) if len(values) == len(self.runs) and values else None


@dataclass
class MemoryRound:
    generation: str
    comments_total: int
    threads_in_table: int | None
    expired_total: int | None
    rss_bytes: int | None


@dataclass
class Memory:
    store: str
    comments_per_generation: int
    threads_per_generation: int
    generations: int
    inactivity_seconds: float
    rss_idle_bytes: int | None
    rss_loaded_bytes: int | None
    active_threads: int
    rss_per_thread_bytes: float | None
    state_threads_read: int
    state_bytes_mean: float | None
    state_bytes_p50: float | None
    state_bytes_p99: float | None
    state_bytes_max: float | None
    rounds: list[MemoryRound]
    rss_growth_over_generations: float | None
    rss_growth_once_expiring: float | None
    rss_all_expired_bytes: int | None
    threads_after_all_expired: int | None
    data_dir_bytes: int | None = None
    """Size of the worker's data directory (the RocksDB files) after generation 1."""


@dataclass
class Core:
    comments: int
    threads: int
    alerts: int
    score_only_per_s: float
    step_per_s: float
    """step with the default scorer (rules + the fast learned tier), as the worker runs it."""
    step_with_state_codec_per_s: float
    """step with the state decoded from and encoded to the worker's compact bytes around it."""
    state_bytes_mean: float
    """Compact (codec.py) encoding."""
    state_json_bytes_mean: float
    """The core's own JSON encoding."""
    state_bytes_max: int
    step_rules_per_s: float | None = None
    """step with the plain RuleScorer (rules only)."""
    fast_tier_us: float | None = None
    """What the fast learned tier adds to step, microseconds per comment."""
    timing: str = "wall"
    """What the rates were timed with: 'cpu' (this process's CPU time) or 'wall'."""


@dataclass
class EncoderShare:
    """How many comments the fast tiers leave to the encoder stage (in process, no broker)."""

    corpus: str
    comments: int
    uncertain: int
    """Comments the worker would send to the requests topic."""

    @property
    def share(self) -> float | None:
        return self.uncertain / self.comments if self.comments else None


@dataclass
class EncoderBatches:
    """The encoder stage's batches as it logged them: requests per batch, ms scoring a batch,
    ms from the batch fetched to its opinions acknowledged and its offsets committed."""

    batches: int
    mean_size: float | None
    score_ms_p50: float | None
    score_ms_p99: float | None
    total_ms_p50: float | None
    total_ms_p99: float | None
    per_s_scoring: float | None
    """Requests per second of scoring time (the stage's compute rate, no waiting)."""


@dataclass
class EncoderDrain:
    """A backlog of requests on the requests topic drained by `processes` encoder stage
    processes of one consumer group (saturated: the stage never waits for input)."""

    processes: int
    batch_size: int
    requests: int
    seconds: float | None
    """Produce of the first request -> the last opinion readable."""
    per_s: float | None
    per_process_per_s: float | None
    batches: EncoderBatches | None = None
    cores: Cores | None = None
    per_cpu_second: float | None = None
    """Requests per CPU second of the encoder processes (less sensitive to what else runs)."""


@dataclass
class EncoderLatencyRun:
    """A worker (rules+fast+encoder) and `encoders` stage processes fed labelled-thread
    comments at a fixed rate; alerts matched to their trigger comment's produce time."""

    offered_rate: float
    encoders: int
    comments: int
    achieved_rate: float | None
    requests: int
    """Requests the worker wrote for this run's comments (read back from the topic)."""
    requests_expected: int
    """Requests the offline core gives over the same events, without the opinions: they feed
    back into the thread (heat), so the worker may ask for one or two more or fewer."""
    opinions: int
    alerts_encoder: int
    """Alerts with tier "encoder": decided once the second opinion arrived."""
    alerts_other: int
    """Alerts decided by the fast tiers (rules, fast)."""
    encoder_ms: dict[str, float | None] = field(default_factory=dict)
    """p50/p90/p99/max of produce -> alert readable, encoder alerts."""
    other_ms: dict[str, float | None] = field(default_factory=dict)
    """The same for the other alerts."""
    encoder_split_ms: dict[str, float | None] = field(default_factory=dict)
    """Encoder alerts, p50/p99 of: produce -> request readable (worker), request -> opinion
    readable (the stage: waiting, batching, scoring), opinion -> alert readable (worker)."""
    opinion_ms: dict[str, float | None] = field(default_factory=dict)
    """Every request of the run (not only those that became alerts): p50/p90/p99/max of
    produce -> opinion readable; what an alert that waits for the encoder waits at least."""
    request_to_opinion_ms: dict[str, float | None] = field(default_factory=dict)
    """The same from the request readable: the stage's share (waiting, batching, scoring)."""
    unmatched_alerts: int = 0
    batches: EncoderBatches | None = None
    cores: Cores | None = None
    """processes: the worker, then each encoder."""

    @property
    def share(self) -> float | None:
        return self.requests / self.comments if self.comments else None


@dataclass
class EncoderStage:
    """`--only encoder`: the encoder stage on its own, on the broker."""

    shares: list[EncoderShare] = field(default_factory=list)
    drains: list[EncoderDrain] = field(default_factory=list)
    runs: list[EncoderLatencyRun] = field(default_factory=list)
    conditions: dict[str, Any] = field(default_factory=dict)
    """Partitions, default batch size and window, head, threads per process, ..."""
    two_over_one: float | None = None
    """Saturated requests/s with two processes over one, same topic, default batch size."""


@dataclass
class Ratios:
    flamewatch_over_bare_faust: float | None = None
    flamewatch_over_raw_consume: float | None = None
    two_workers_over_one: float | None = None


@dataclass
class Results:
    meta: dict[str, Any]
    topic: ThroughputTopic | None = None
    raw_consume: Drain | None = None
    bare_faust: Drain | None = None
    flamewatch: Drain | None = None
    two_workers: Drain | None = None
    latency: Latency | None = None
    memory: list[Memory] = field(default_factory=list)
    core: Core | None = None
    adversarial: dict[str, Any] | None = None
    """Crafted worst-case texts through the scorer (bench/adversarial.py renders it)."""
    soak: dict[str, Any] | None = None
    """One worker fed for a long time, RSS over time (bench/soak.py renders it)."""
    encoder: EncoderStage | None = None
    """The encoder stage on the broker (bench/encoder_stage.py measures and renders it)."""
    ratios: Ratios = field(default_factory=Ratios)

    def add_ratios(self) -> Ratios:
        def rate(drain: Drain | None) -> float | None:
            return drain.per_s if drain is not None else None

        fw = rate(self.flamewatch)
        self.ratios = Ratios(
            flamewatch_over_bare_faust=ratio(fw, rate(self.bare_faust)),
            flamewatch_over_raw_consume=ratio(fw, rate(self.raw_consume)),
            two_workers_over_one=ratio(rate(self.two_workers), fw),
        )
        return self.ratios

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if self.latency is not None:
            data["latency"]["p99s_ms"] = self.latency.p99s_ms
            data["latency"]["worst_p99_ms"] = self.latency.worst_p99_ms
        if self.encoder is not None:
            enc = data["encoder"]
            for out, share in zip(enc["shares"], self.encoder.shares, strict=True):
                out["share"] = share.share
            for out, run in zip(enc["runs"], self.encoder.runs, strict=True):
                out["share"] = run.share
        return data


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator
