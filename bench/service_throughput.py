"""Throughput of the worker's hot path on a real broker: batched agent vs one-event-at-a-time.

    .venv/bin/python bench/service_throughput.py [--broker kafka|tansu] [--threads 400]

Produces THREADS copies of the bundled sample thread (24 comments each, interleaved as if the
threads were live at the same time) keyed by thread id into a fresh 4-partition topic, then
runs a worker subprocess per variant (a fresh app id each) and reports messages/second from
its first processed batch to its last. Variants:
  batch-N     the shipped agent: take_events(N), one table write per thread per batch
  per-event   `async for event in stream.events()`: one table write (and send) per event,
              waiting for delivery before the next (at-least-once like the batch agent)
  per-event-nowait   the same without waiting (Faust's usual style: commits may overtake
              deliveries)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "streams" / "service" / "sample_thread.jsonl"


def dataset(threads: int, seed: int = 7) -> list[tuple[bytes, bytes]]:
    lines = SAMPLE.read_bytes().splitlines()
    per_thread: list[list[tuple[bytes, bytes]]] = []
    for t in range(threads):
        tid = f"bench-{t:05d}"
        rows = []
        for line in lines:
            doc = orjson.loads(line)
            old = doc["thread_id"]
            doc["thread_id"] = tid
            doc["comment_id"] = doc["comment_id"].replace(old, tid)
            if "parent_id" in doc:
                doc["parent_id"] = doc["parent_id"].replace(old, tid)
            rows.append((tid.encode(), orjson.dumps(doc)))
        per_thread.append(rows)
    # interleave: repeatedly take the next comment of a random live thread
    rng = random.Random(seed)
    out: list[tuple[bytes, bytes]] = []
    cursors = [0] * threads
    live = list(range(threads))
    while live:
        i = rng.randrange(len(live))
        t = live[i]
        out.append(per_thread[t][cursors[t]])
        cursors[t] += 1
        if cursors[t] == len(per_thread[t]):
            live[i] = live[-1]
            live.pop()
    return out


async def produce(bootstrap: str, topic: str, rows: list[tuple[bytes, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        for key, value in rows:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


def run_worker(variant: str, expected: int) -> None:
    """Child process: the real app (create_app), optionally with the per-event agent."""
    import faust

    from streams.service.agents import handle_batch, register_agent, to_record
    from streams.service.app import create_app
    from streams.service.settings import load_settings

    settings = load_settings()
    first: list[float] = []

    def per_event_agent(app: Any, source: Any, table: Any, outputs: Any, processor: Any,
                        **kwargs: Any) -> Any:
        async def comments(stream: Any) -> None:
            async for event in stream.events():
                await handle_batch([event], processor, table, outputs, app)

        return app.agent(source, name="flamewatch.comments")(comments)

    def per_event_nowait_agent(app: Any, source: Any, table: Any, outputs: Any, processor: Any,
                               **kwargs: Any) -> Any:
        # Plain Faust style: write and send per event, never wait for delivery.
        async def comments(stream: Any) -> None:
            async for event in stream.events():
                result = processor.process([to_record(event)], table.get)
                for key, data in result.encoded.items():
                    table[key] = data
                for key, value in result.alerts:
                    outputs.alerts.send_soon(key=key, value=value, force=True)
                for dkey, value in result.dead_letters:
                    outputs.dead_letters.send_soon(key=dkey, value=value, force=True)

        return app.agent(source, name="flamewatch.comments")(comments)

    factory = {
        "per-event": per_event_agent,
        "per-event-nowait": per_event_nowait_agent,
    }.get(variant, register_agent)
    service = create_app(settings, agent_factory=factory)
    stats = service.stats

    @service.app.timer(interval=0.05)
    async def watch() -> None:
        if stats.processed and not first:
            first.append(time.monotonic())
        if stats.processed >= expected:
            seconds = time.monotonic() - first[0]
            print(f"RESULT {variant} {stats.processed} {seconds:.3f} {stats.batches}",
                  flush=True)
            os._exit(0)

    worker = faust.Worker(service.app, quiet=True, loglevel="WARNING", redirect_stdouts=False)
    worker.execute_from_commandline()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", default="kafka", choices=["kafka", "tansu"])
    parser.add_argument("--threads", type=int, default=400)
    parser.add_argument("--variants", default="per-event,batch-100,batch-500,batch-2000")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "EXPECTED"))
    args = parser.parse_args()
    if args.child:
        run_worker(args.child[0], int(args.child[1]))
        return 0

    from streams.brokers import start_broker

    rows = dataset(args.threads)
    print(f"{len(rows)} comments in {args.threads} threads; broker {args.broker}", flush=True)
    with start_broker(args.broker) as broker:
        for variant in args.variants.split(","):
            run = uuid.uuid4().hex[:8]
            env = {
                **os.environ,
                "FLAMEWATCH_BROKER": broker.url,
                "FLAMEWATCH_APP_ID": f"bench-{run}",
                "FLAMEWATCH_COMMENTS_TOPIC": f"bench-{run}-comments",
                "FLAMEWATCH_ALERTS_TOPIC": f"bench-{run}-alerts",
                "FLAMEWATCH_DLQ_TOPIC": f"bench-{run}-dlq",
                "FLAMEWATCH_WEB_ENABLED": "false",
                "FLAMEWATCH_DATA_DIR": f"/tmp/flamewatch-bench-{run}",
                "FLAMEWATCH_SESSION_TIMEOUT": "10",
                "FLAMEWATCH_HEARTBEAT_INTERVAL": "1",
                "FLAMEWATCH_STATS_INTERVAL": "0",
            }
            if variant.startswith("batch-"):
                env["FLAMEWATCH_BATCH_SIZE"] = variant.split("-", 1)[1]
            from streams.service.settings import load_settings
            from streams.service.topics import ensure_topics

            settings = load_settings(env)
            asyncio.run(ensure_topics(settings))
            asyncio.run(produce(broker.bootstrap, settings.comments_topic, rows))
            began = time.monotonic()
            proc = subprocess.run(
                [sys.executable, __file__, "--child", variant, str(len(rows))],
                env=env, capture_output=True, text=True, timeout=900,
            )
            result = [ln[ln.index("RESULT"):] for ln in proc.stdout.splitlines() if "RESULT" in ln]
            if not result:
                Path(f"/tmp/flamewatch-bench-{run}.log").write_text(proc.stdout + proc.stderr)
                print(f"{variant}: failed (rc {proc.returncode}), log /tmp/flamewatch-bench-{run}.log")
                continue
            _, name, processed, seconds, batches = result[0].split()
            rate = int(processed) / float(seconds)
            print(
                f"{name:>12}: {int(processed)} msgs in {float(seconds):.2f}s = {rate:,.0f} msg/s "
                f"({batches} batches; wall incl. startup {time.monotonic() - began:.1f}s)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
