"""`bare_faust`: a Faust agent that only iterates the comments topic (the framework floor).

Run as a child process (a fresh process per measurement):

    python -m bench.bare_faust --broker kafka://HOST:PORT --topic T --app-id A \
        --expect N --out result.json

Raw key/value serializers like the worker. The child writes its own first-to-last-event
timing to `--out` once it has seen `--expect` events (the rate reported, comparable to the
worker's processed counters), then idles until stopped; the parent also times the group's
committed offsets (`committed_per_s`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from bench.drain import drain
from bench.progress import Progress
from bench.results import Drain
from bench.system import cores_used
from streams.harness import Child, clean_env, run_id


def child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_faust")
    parser.add_argument("--broker", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import faust

    app = faust.App(
        args.app_id,
        broker=args.broker,
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="bare-faust-"),
        autodiscover=False,
        processing_guarantee="at_least_once",
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=10.0,
        broker_heartbeat_interval=1.0,
        web_enabled=False,
        topic_partitions=args.partitions,
    )
    topic = app.topic(args.topic, key_serializer="raw", value_serializer="raw")
    seen = [0]
    first: list[float] = []

    def count(n: int) -> None:
        if not first:
            first.append(time.monotonic())
        seen[0] += n
        if seen[0] >= args.expect and len(first) == 1:
            first.append(time.monotonic())
            args.out.write_bytes(orjson.dumps({
                "events": seen[0],
                "first_to_last_s": first[1] - first[0],
                "first_monotonic": first[0],  # CLOCK_MONOTONIC: comparable across processes
            }))

    async def bare(stream: Any) -> None:
        async for _value in stream:
            count(1)

    app.agent(topic, name="bench.bare")(bare)
    worker = faust.Worker(app, quiet=True, loglevel="WARNING", redirect_stdouts=False)
    worker.execute_from_commandline()
    return 0


async def measure(
    *,
    broker_url: str,
    bootstrap: str,
    topic: str,
    total: int,
    partitions: int,
    workdir: Path,
    progress: Progress,
    timeout: float | None = None,
    broker_pid: int | None = None,
    **_: Any,
) -> Drain:
    """Run the bare agent over `topic` (already holding `total` messages) and time it."""
    app_id = run_id("bench-bare-faust")
    out = workdir / f"{app_id}.json"
    env = clean_env()
    env["PYTHONUNBUFFERED"] = "1"
    argv = [sys.executable, "-m", "bench.bare_faust", "--broker", broker_url, "--topic", topic,
            "--app-id", app_id, "--partitions", str(partitions), "--expect", str(total),
            "--out", str(out)]
    started = time.monotonic()
    child = Child(app_id, argv, env, workdir / f"{app_id}.log")
    try:
        result, cpu = await drain(
            children=[child], started=started, bootstrap=bootstrap, group=app_id, topic=topic,
            total=total, progress=progress, broker_pid=broker_pid, label="bare_faust",
            timeout=timeout if timeout is not None else 120.0 + total / 500.0,
        )
    finally:
        child.stop()
    if out.exists():
        # like the worker's processed counters: first event to the last, timed in the process
        inner = orjson.loads(out.read_bytes())
        seconds = inner.get("first_to_last_s") or 0.0
        if seconds > 0:
            result.messages, result.seconds = inner["events"], seconds
            result.per_s = inner["events"] / seconds
            result.timing = "in process: first event to the last"
            begin = inner.get("first_monotonic")
            if begin is not None:
                result.cores = cores_used(cpu, begin, begin + seconds)
    return result


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(child_main())
