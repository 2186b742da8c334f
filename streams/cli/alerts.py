"""`flamewatch alerts [--follow] [--from-beginning]`: the alerts topic as JSON lines on stdout.

Reads without a consumer group (nothing is committed). Without `--follow` it stops once it has
caught up with the end offsets it saw at start.

Records are bytes from the topic, written by anyone who may produce to it: control characters
(terminal escape sequences among them), bidirectional-text overrides and invalid UTF-8 are
shown escaped (`\x1b`, `\u202e`, `\xff`) unless `--raw`. Valid alerts never contain any (the
worker writes JSON with such characters escaped), so their lines are unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import AsyncIterator, Mapping
from typing import IO, Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="print the alerts topic as JSON lines",
        description="Print FLAMEWATCH_ALERTS_TOPIC (one JSON alert per line) from "
        "FLAMEWATCH_BROKER. Starts at the current end unless --from-beginning.",
    )
    parser.add_argument("--follow", "-f", action="store_true", help="keep waiting for new ones")
    parser.add_argument(
        "--from-beginning", action="store_true", help="start at the oldest retained alert"
    )
    parser.add_argument(
        "--topic", default=None,
        help="read another topic instead (e.g. the dead-letter topic)",
    )
    parser.add_argument(
        "--raw", action="store_true",
        help="write the records' bytes as they are (default: control characters and invalid "
        "UTF-8 escaped, so that a record cannot drive the terminal)",
    )
    parser.set_defaults(func=run)


# C0 and C1 controls, DEL, and the bidi embedding/override/isolate characters (Trojan Source)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_line(value: bytes) -> bytes:
    """`value` for a terminal: unsafe characters and undecodable bytes escaped, one line."""
    text = value.decode("utf-8", errors="backslashreplace")
    return _UNSAFE.sub(_escape_char, text).encode("utf-8")


async def _partitions(consumer: AIOKafkaConsumer, topic: str, wait: float) -> list[TopicPartition]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return [TopicPartition(topic, p) for p in sorted(parts)]
        if loop.time() >= deadline:
            return []
        await consumer._client.force_metadata_update()  # no public refresh
        await asyncio.sleep(0.5)


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    from_beginning: bool = True,
    follow: bool = False,
    wait_for_topic: float = 5.0,
    client: Mapping[str, Any] | None = None,
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Yield the records of every partition of `topic` (per-partition order).

    `follow=False`: stop at the end offsets seen at start. `follow=True`: never stop (the
    caller breaks out); the topic is waited for if it does not exist yet. `client`: more
    aiokafka options (TLS/SASL: streams.service.security.client_options).
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
        auto_offset_reset="earliest" if from_beginning else "latest",
        **dict(client or {}),
    )
    await consumer.start()
    try:
        tps = await _partitions(consumer, topic, 10**9 if follow else wait_for_topic)
        if not tps:
            raise LookupError(f"topic {topic!r} does not exist")
        consumer.assign(tps)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        ends = await consumer.end_offsets(tps)
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    yield record
            if follow or batches:
                continue
            # Caught up with the end offsets seen at start, and a poll found nothing more
            # (Tansu under-reports end offsets, so they alone are not enough).
            positions = [await consumer.position(tp) for tp in tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                break
    finally:
        await consumer.stop()


async def print_topic(
    bootstrap: str, topic: str, *, from_beginning: bool, follow: bool, out: IO[bytes],
    raw: bool = False, client: Mapping[str, Any] | None = None,
) -> int:
    count = 0
    async for record in read_topic(
        bootstrap, topic, from_beginning=from_beginning, follow=follow, client=client
    ):
        if record.value is None:
            continue
        value = record.value.rstrip(b"\n")
        out.write((value if raw else safe_line(value)) + b"\n")
        out.flush()
        count += 1
    return count


def run(args: argparse.Namespace) -> int:
    from streams.service.security import client_options
    from streams.service.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"flamewatch alerts: {exc}", file=sys.stderr)
        return 2
    topic = args.topic or settings.alerts_topic
    try:
        count = asyncio.run(
            print_topic(
                settings.bootstrap_servers, topic, from_beginning=args.from_beginning,
                follow=args.follow, out=sys.stdout.buffer, raw=args.raw,
                client=client_options(settings),
            )
        )
    except BrokenPipeError:  # e.g. `| head`
        return 0
    except LookupError as exc:
        print(f"flamewatch alerts: {exc}", file=sys.stderr)
        return 1
    if not args.follow and not args.from_beginning and count == 0:
        print("(no new alerts; use --from-beginning to see the earlier ones)", file=sys.stderr)
    return 0
