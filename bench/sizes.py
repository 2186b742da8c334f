"""Sizes of a benchmark run: the default, `--quick` and `--full` presets (no heavy imports:
the CLI builds its flags from these fields)."""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS: tuple[str, ...] = (
    "core", "raw", "bare", "flamewatch", "scaleout", "latency", "memory", "memory_rocksdb",
    "adversarial", "soak", "encoder",
)


@dataclass(frozen=True)
class Sizes:
    comments: int = 60_000
    """Comments on the shared throughput topic (raw, bare Faust, flamewatch, scale-out)."""
    threads: int = 3_000
    partitions: int = 4
    latency_rate: float = 1_000.0
    latency_seconds: float = 30.0
    latency_threads: int = 2_000
    latency_runs: int = 3
    """Separate paced runs (a fresh worker each): the latency at 1,000/s varies run to run."""
    memory_comments: int = 50_000
    """Comments per generation of the memory run (N)."""
    memory_threads: int = 5_000
    """Threads per generation of the memory run (M)."""
    memory_generations: int = 3
    core_comments: int = 20_000
    core_threads: int = 1_000
    soak_seconds: float = 60.0
    """How long the soak feeds one worker (RSS printed over time; issue 9 ran 8 minutes)."""
    soak_rate: float = 300.0
    soak_threads: int = 300
    """Threads per 10 s wave of the soak (each wave expires the previous one)."""
    adversarial_chars: int = 50_000
    """Longest adversarial text scored (the longest valid comment is 50,000 characters)."""
    encoder_requests: int = 200
    """Requests per saturated drain of the encoder stage (each batch size, 1 and 2 processes)."""
    encoder_rate: float = 80.0
    """Highest paced rate (labelled comments/s) of the encoder section's end-to-end runs; one
    encoder also runs at 1/4 and 1/2 of it, two encoders at it."""
    encoder_seconds: float = 12.0
    """Length of each paced end-to-end run of the encoder section."""
    encoder_synthetic: int = 5_000
    """Synthetic comments for the encoder share (in process)."""


DEFAULT = Sizes()
QUICK = Sizes(
    comments=15_000, threads=750, latency_seconds=8.0, latency_threads=500, latency_runs=1,
    memory_comments=5_000, memory_threads=500, memory_generations=2,
    core_comments=5_000, core_threads=250, soak_seconds=20.0, adversarial_chars=5_000,
    encoder_requests=60, encoder_seconds=5.0, encoder_synthetic=2_000,
)
FULL = Sizes(
    comments=100_000, threads=10_000, latency_seconds=60.0,
    memory_comments=1_000_000, memory_threads=100_000, memory_generations=2,
    core_comments=100_000, core_threads=2_000, soak_seconds=480.0,
    encoder_requests=600, encoder_seconds=30.0, encoder_synthetic=20_000,
)
"""The issue's memory size (1,000,000 comments over 100,000 threads); two generations only
(each takes minutes), so the RSS growth is measured from the first generation to the second."""
