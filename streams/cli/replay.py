"""`flamewatch replay PATH [--rate N] [--raw]`: JSON lines → the comments topic, keyed by thread.

Valid lines are produced as they are (key = thread_id). Invalid lines are reported on stderr with
their line number and skipped, or, with `--raw`, produced as they are (no key) so that the
worker dead-letters them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from schemas import DecodeError, decode_comment

LINGER_MS = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="send a JSON-lines file of comments to the comments topic",
        description="Send comments (one JSON document per line) to FLAMEWATCH_COMMENTS_TOPIC on "
        "FLAMEWATCH_BROKER, keyed by thread_id.",
    )
    parser.add_argument("path", type=Path, help="JSON-lines file ('-' for stdin)")
    parser.add_argument(
        "--rate", type=float, default=0.0, metavar="N",
        help="messages per second (default: as fast as possible)",
    )
    parser.add_argument(
        "--raw", action="store_true",
        help="also send invalid lines as they are, without key (to exercise the dead-letter "
        "topic)",
    )
    parser.add_argument("--topic", default=None, help="override FLAMEWATCH_COMMENTS_TOPIC")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


@dataclass
class ReplaySummary:
    sent: int = 0
    sent_raw: int = 0
    invalid: int = 0
    threads: set[str] = field(default_factory=set)
    seconds: float = 0.0

    def line(self, topic: str) -> str:
        rate = self.sent / self.seconds if self.seconds > 0 else 0.0
        extra = f", {self.sent_raw} of them invalid and sent raw" if self.sent_raw else ""
        skipped = f", {self.invalid - self.sent_raw} invalid line(s) skipped" if (
            self.invalid - self.sent_raw
        ) else ""
        return (
            f"replayed {self.sent} message(s){extra} from {len(self.threads)} thread(s) to "
            f"{topic} in {self.seconds:.1f}s ({rate:.0f} msg/s){skipped}"
        )


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    raw: bytes
    key: bytes | None
    error: DecodeError | None


def read_lines(lines: Iterable[bytes]) -> Iterator[Line]:
    """Number and check every non-blank line."""
    for number, line in enumerate(lines, start=1):
        raw = line.rstrip(b"\r\n")
        if not raw.strip():
            continue
        decoded = decode_comment(raw)
        if isinstance(decoded, DecodeError):
            yield Line(number, raw, None, decoded)
        else:
            yield Line(number, raw, decoded.thread_id.encode(), None)


async def replay(
    lines: Iterable[bytes],
    *,
    bootstrap: str,
    topic: str,
    rate: float = 0.0,
    raw: bool = False,
    total: int | None = None,
    progress: bool = True,
    errors: IO[str] | None = None,
    client: Mapping[str, Any] | None = None,
) -> ReplaySummary:
    """Produce `lines` to `topic`; report invalid lines to `errors` (default stderr).

    `client`: more aiokafka options (TLS/SASL: streams.service.security.client_options)."""
    from aiokafka import AIOKafkaProducer
    from tqdm import tqdm

    errors = errors or sys.stderr
    summary = ReplaySummary()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=LINGER_MS,
                                **dict(client or {}))
    await producer.start()
    # disable=None: shown on a terminal only
    bar = tqdm(total=total, unit="msg", file=sys.stderr, disable=None if progress else True,
               leave=False)
    began = time.monotonic()
    pending: list[asyncio.Future[Any]] = []
    try:
        for line in read_lines(lines):
            if line.error is not None:
                summary.invalid += 1
                tqdm.write(
                    f"line {line.number}: {line.error.reason}: {line.error.detail}"
                    + (" (sent raw)" if raw else " (skipped)"),
                    file=errors,
                )
                if not raw:
                    bar.update(1)
                    continue
                summary.sent_raw += 1
            else:
                summary.threads.add((line.key or b"").decode())
            if rate > 0:
                due = began + summary.sent / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            pending.append(await producer.send(topic, line.raw, key=line.key))
            summary.sent += 1
            bar.update(1)
            if len(pending) >= 10_000:
                await asyncio.gather(*pending)
                pending.clear()
        await producer.flush()
        await asyncio.gather(*pending)
    finally:
        bar.close()
        await producer.stop()
    summary.seconds = time.monotonic() - began
    return summary


def _open_lines(path: Path) -> tuple[Iterable[bytes], int | None, IO[bytes] | None]:
    if str(path) == "-":
        return sys.stdin.buffer, None, None
    with path.open("rb") as fh:
        total = sum(1 for line in fh if line.strip())
    handle = path.open("rb")
    return handle, total, handle


def run(args: argparse.Namespace) -> int:
    from streams.service.security import client_options
    from streams.service.settings import SettingsError, load_settings
    from streams.service.topics import TopicError, ensure_topics

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"flamewatch replay: {exc}", file=sys.stderr)
        return 2
    if args.rate < 0:
        print("flamewatch replay: --rate must be >= 0", file=sys.stderr)
        return 2
    topic = args.topic or settings.comments_topic
    try:
        lines, total, handle = _open_lines(args.path)
    except OSError as exc:
        print(f"flamewatch replay: {exc}", file=sys.stderr)
        return 2

    async def main() -> ReplaySummary:
        await ensure_topics(settings, {topic: settings.partitions})
        return await replay(
            lines, bootstrap=settings.bootstrap_servers, topic=topic, rate=args.rate,
            raw=args.raw, total=total, progress=not args.quiet,
            client=client_options(settings),
        )

    try:
        summary = asyncio.run(main())
    except TopicError as exc:
        print(f"flamewatch replay: {exc}", file=sys.stderr)
        return 1
    finally:
        if handle is not None:
            handle.close()
    print(summary.line(topic), file=sys.stderr)
    return 0
