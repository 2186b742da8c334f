"""`flamewatch` entry point: one sub-command per module in streams/cli/."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `register(subparsers)`, which adds its parser and sets `func`.
COMMANDS: tuple[str, ...] = (
    "streams.cli.score",
    "streams.cli.eval",
    "streams.cli.train",
    "streams.cli.broker",
    "streams.cli.worker",
    "streams.cli.encoder",
    "streams.cli.replay",
    "streams.cli.alerts",
    "streams.cli.console",
    "streams.cli.bench",
    "streams.cli.demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flamewatch",
        description="Live monitor for comment sections: alerts when a reply chain "
        "escalates into personal attacks.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
