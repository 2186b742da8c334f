"""`flamewatch console`: the moderator console (settings from FLAMEWATCH_CONSOLE_* variables)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import signal
import sys
from typing import Any

from streams.cli.worker import LOG_FORMAT

READY_LINE = "console ready at "


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "console",
        help="run the moderator console (a web app over the alerts and comments topics)",
        description="Consume the alerts and comments topics into SQLite and serve the "
        "moderator console. Needs FLAMEWATCH_CONSOLE_TOKEN or FLAMEWATCH_CONSOLE_PASSWORD_HASH; "
        "see README for the other FLAMEWATCH_CONSOLE_* settings.",
    )
    parser.add_argument("--hash-password", action="store_true",
                        help="read a password (twice, from the terminal, or once from stdin) "
                        "and print the FLAMEWATCH_CONSOLE_PASSWORD_HASH value for it")
    parser.add_argument("--loglevel", default="info",
                        choices=["debug", "info", "warning", "error"])
    parser.set_defaults(func=run)


def _hash_password() -> int:
    from streams.console.auth import hash_password

    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            print("the passwords differ", file=sys.stderr)
            return 2
    else:
        first = sys.stdin.readline().rstrip("\n")
    if len(first) < 10:
        print("use at least 10 characters", file=sys.stderr)
        return 2
    print(hash_password(first))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.hash_password:
        return _hash_password()
    from streams.console.app import ConsoleError, open_console, serve
    from streams.console.settings import load_console_settings
    from streams.service.settings import SettingsError, load_settings
    from streams.service.topics import TopicError, ensure_topics

    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("flamewatch").setLevel(args.loglevel.upper())
    try:
        worker = load_settings()
        settings = load_console_settings()
        console = open_console(settings, worker)
    except (SettingsError, ConsoleError) as exc:
        print(f"flamewatch console: {exc}", file=sys.stderr)
        return 2

    async def main() -> None:
        topics = {worker.comments_topic: worker.partitions, worker.alerts_topic:
                  worker.partitions, settings.feedback_topic: 1}
        await ensure_topics(worker, topics)
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: task.cancel() if task else None)

        def ready(url: str) -> None:
            print(f"{READY_LINE}{url} (database {settings.db}, feedback -> "
                  f"{settings.feedback_topic})", file=sys.stderr, flush=True)

        await serve(console, ready)

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        pass
    except (TopicError, ConsoleError) as exc:
        print(f"flamewatch console: {exc}", file=sys.stderr)
        return 1
    print("console stopped", file=sys.stderr)
    return 0
