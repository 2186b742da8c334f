"""`raw_consume`: a plain aiokafka consumer group reading and orjson-decoding the topic (the
ceiling). Run as a child process:

    python -m bench.raw_consume --bootstrap HOST:PORT --topic T --group G \
        --expect N --out result.json

Timed in the child from the first fetched batch to the N-th decoded message.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.progress import Progress
from bench.results import Drain
from streams.harness import Child, ChildExited, clean_env, run_id


async def consume(bootstrap: str, topic: str, group: str, expect: int) -> dict[str, Any]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=True,
    )
    await consumer.start()
    try:
        n = 0
        first: float | None = None
        loads = orjson.loads
        while n < expect:
            batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
            if first is None and batches:
                first = time.monotonic()
            for records in batches.values():
                for record in records:
                    loads(record.value)
                n += len(records)
        seconds = time.monotonic() - (first or time.monotonic())
        await consumer.commit()
    finally:
        await consumer.stop()
    return {"messages": n, "seconds": seconds, "per_s": n / seconds if seconds > 0 else None}


def child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.raw_consume")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    result = asyncio.run(consume(args.bootstrap, args.topic, args.group, args.expect))
    args.out.write_bytes(orjson.dumps(result))
    return 0


async def measure(
    *,
    bootstrap: str,
    topic: str,
    total: int,
    workdir: Path,
    progress: Progress,
    timeout: float = 300.0,
    **_: Any,
) -> Drain:
    group = run_id("bench-raw")
    out = workdir / f"{group}.json"
    argv = [sys.executable, "-m", "bench.raw_consume", "--bootstrap", bootstrap,
            "--topic", topic, "--group", group, "--expect", str(total), "--out", str(out)]
    started = time.monotonic()
    child = Child(group, argv, clean_env(), workdir / f"{group}.log")
    try:
        with progress.counter("raw_consume", None, "s") as counter:
            while child.alive:
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"raw_consume did not finish in {timeout:.0f}s")
                counter.set(int(time.monotonic() - started))
                await asyncio.sleep(0.1)
        if not out.exists():
            raise ChildExited(f"raw_consume wrote no result (exit code {child.returncode}); "
                              f"see {child.log_path}")
    finally:
        child.stop()
    data = orjson.loads(out.read_bytes())
    return Drain(label="raw_consume", messages=data["messages"], seconds=data["seconds"],
                 per_s=data["per_s"], timing="in process: first fetched batch to the last",
                 total_s=time.monotonic() - started)


if __name__ == "__main__":
    raise SystemExit(child_main())
