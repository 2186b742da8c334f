"""`flamewatch score [PATH|-]`: CommentEvent JSON lines in, Alert JSON lines out (offline)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import IO

from schemas.codec import DecodeError, decode_comment, encode_alert
from streams.cli.detect_settings import load_detection
from streams.detect import Detector
from streams.detect.findings import render


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="score CommentEvent JSON lines offline and print Alert JSON lines",
        description="Reads CommentEvent JSON lines (a file, or - for stdin) and writes Alert "
        "JSON lines to stdout in input order, with the same core the worker runs. Invalid "
        "lines are reported on stderr with their line number and skipped.",
    )
    p.add_argument("path", nargs="?", default="-", help="JSON lines file, or - for stdin")
    p.add_argument(
        "--explain", action="store_true", help="also print each comment's scores to stderr"
    )
    p.set_defaults(func=run)


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    stream: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    try:
        yield from enumerate(stream, 1)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def run(args: argparse.Namespace) -> int:
    config, scorer = load_detection()
    detector = Detector(config, scorer)
    out = sys.stdout.buffer
    err = sys.stderr
    invalid = alerts_out = comments = 0
    try:
        for n, raw in _lines(args.path):
            if not raw.strip():
                continue
            event = decode_comment(raw)
            if isinstance(event, DecodeError):
                invalid += 1
                print(f"line {n}: {event.reason}: {event.detail}", file=err)
                continue
            comments += 1
            alerts = detector.process(event)
            if args.explain:
                _explain(detector, event.thread_id, event.comment_id, n, err)
            for alert in alerts:
                out.write(encode_alert(alert) + b"\n")
                alerts_out += 1
            if alerts:
                out.flush()
    except OSError as exc:
        print(f"flamewatch score: cannot read {args.path}: {exc.strerror or exc}", file=err)
        return 2
    out.flush()
    print(f"scored {comments} comments, {alerts_out} alerts, {invalid} invalid lines", file=err)
    return 0


def _explain(detector: Detector, thread_id: str, comment_id: str, n: int, err: IO[str]) -> None:
    rec = detector.states[thread_id].comments.get(comment_id)
    if rec is None:
        print(f"line {n}: {comment_id}: no change (duplicate, deleted or stale)", file=err)
        return
    to = f" -> {rec.addressee}" if rec.addressee else ""
    tgt = f" target={rec.target}" if rec.target else ""
    why = "; ".join(render(rec.reasons, rec.target)) if rec.reasons else "-"
    fast = f" fast={rec.fast:.2f}" if rec.fast is not None else ""
    print(
        f"line {n}: {comment_id} by {rec.author_id}{to}: attack={rec.attack:.2f} "
        f"hostility={rec.hostility:.2f}{fast} tier={rec.tier}{tgt} | {why}",
        file=err,
    )
