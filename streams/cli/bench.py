"""`flamewatch bench`: the benchmark suite in the top-level `bench` package (see
docs/PERFORMANCE.md, which also holds the targets).

Starts its own broker (Apache Kafka by default), produces one synthetic comments topic and
measures side by side on it: a raw aiokafka consumer group, a bare Faust agent, the real worker
and two workers; then alert latency at a fixed offered rate (several runs), worker memory with
expiry (memory and RocksDB stores), the encoder stage on its own, and the core alone. Prints a table and writes JSON.
Numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

DEFAULT_JSON = Path("bench-results/latest.json")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmark suite: raw Kafka vs bare Faust vs the worker, latency, scale-out, "
        "memory, core, the encoder stage",
        description="Run the benchmark suite against a broker it starts itself (Apache Kafka "
        "by default) and print a table; JSON goes to --json. Default sizes take a few "
        "minutes on 2 cores; --quick is a ~1 minute smoke run, --full uses the issue's sizes "
        "(1,000,000 comments over 100,000 threads for memory).",
    )
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_true", help="small sizes (~1 minute)")
    preset.add_argument("--full", action="store_true", help="the issue's sizes (long)")
    parser.add_argument(
        "--broker", choices=["kafka", "tansu", "existing"], default=None,
        help="broker to start (kafka, tansu) or 'existing' = FLAMEWATCH_BROKER (default: "
        "existing when FLAMEWATCH_BROKER is set, else kafka)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="PATH",
                        help=f"where to write the JSON results (default {DEFAULT_JSON})")
    parser.add_argument("--only", default=None, metavar="SECTIONS",
                        help="comma-separated subset of: core, raw, bare, flamewatch, "
                        "scaleout, latency, memory, memory_rocksdb, adversarial, soak, "
                        "encoder")
    parser.add_argument("--skip", default=None, metavar="SECTIONS",
                        help="comma-separated sections to leave out")
    parser.add_argument("--worker-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for every worker run, e.g. "
                        "FLAMEWATCH_BATCH_WINDOW=0.02 (repeatable; to try settings)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the child processes' logs (kept anyway after a failure)")
    sizes = parser.add_argument_group("sizes (override the preset)")
    for field in dataclasses.fields(_sizes_module().Sizes):
        flag = "--" + field.name.replace("_", "-")
        kind = float if field.type in ("float", float) else int
        sizes.add_argument(flag, type=kind, default=None, dest=f"size_{field.name}",
                           metavar="N")
    parser.set_defaults(func=run)


def _sizes_module() -> Any:
    from bench import sizes

    return sizes


def choose_sizes(args: argparse.Namespace) -> tuple[Any, str]:
    suite = _sizes_module()
    base, label = (
        (suite.QUICK, "quick") if args.quick else (suite.FULL, "full") if args.full
        else (suite.DEFAULT, "default")
    )
    overrides = {
        f.name: getattr(args, f"size_{f.name}")
        for f in dataclasses.fields(base)
        if getattr(args, f"size_{f.name}", None) is not None
    }
    if overrides:
        label += " (with overrides)"
    return dataclasses.replace(base, **overrides), label


def choose_sections(args: argparse.Namespace) -> set[str]:
    suite = _sizes_module()
    chosen = set(suite.SECTIONS)
    if args.only:
        chosen = {s.strip() for s in args.only.split(",") if s.strip()}
    if args.skip:
        chosen -= {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = chosen - set(suite.SECTIONS)
    if unknown:
        raise SystemExit(f"flamewatch bench: unknown section(s) {', '.join(sorted(unknown))}; "
                         f"expected some of {', '.join(suite.SECTIONS)}")
    return chosen


def worker_env(args: argparse.Namespace) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in args.worker_env:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"flamewatch bench: --worker-env {item!r}: expected NAME=VALUE")
        env[name.strip()] = value
    return env


def choose_broker(args: argparse.Namespace) -> Any:
    from bench import suite

    existing = os.environ.get("FLAMEWATCH_BROKER")
    kind = args.broker or ("existing" if existing else "kafka")
    if kind == "existing" and not existing:
        raise SystemExit("flamewatch bench: --broker existing needs FLAMEWATCH_BROKER")
    return suite.BrokerChoice(kind, existing if kind == "existing" else None)


def run(args: argparse.Namespace) -> int:
    import logging

    import orjson

    from bench import report, suite
    from bench.progress import Progress

    logging.basicConfig(level=logging.ERROR)  # aiokafka's retry warnings are noise here
    # a consumer assigned to a topic created a moment ago may see stale metadata once; it retries
    logging.getLogger("aiokafka.consumer.fetcher").setLevel(logging.CRITICAL)
    sizes, label = choose_sizes(args)
    sections = choose_sections(args)
    broker = choose_broker(args)
    extra_env = worker_env(args)
    progress = Progress(enabled=not args.quiet)
    progress.stage(f"flamewatch bench ({label}): " + ", ".join(
        f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}"
        for k, v in dataclasses.asdict(sizes).items()
    ))

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        results = suite.run(sizes, broker=broker, sections=sections, progress=progress,
                            label=label, keep_workdir=args.keep_logs, worker_env=extra_env)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(report.render(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_bytes(orjson.dumps(results.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")
    print(f"\nJSON written to {args.json}", file=sys.stderr)
    return 0
