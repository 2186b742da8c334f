"""`python -m streams.brokers fetch [--version V]`: pre-fetch the Kafka jars (used by CI/make)."""

from __future__ import annotations

import argparse
import sys
import time

from streams.brokers.base import BrokerError
from streams.brokers.kafka import fetch_kafka, kafka_version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streams.brokers")
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download the Apache Kafka jars into the cache")
    fetch.add_argument("--version", default=None, help="Kafka version (default: %(default)s)")
    args = parser.parse_args(argv)
    began = time.monotonic()
    try:
        libs = fetch_kafka(args.version)
    except BrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    jars = len(list(libs.glob("*.jar")))
    print(
        f"kafka {kafka_version(args.version)}: {jars} jars in {libs} "
        f"({time.monotonic() - began:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
