"""`flamewatch worker`: run the stream worker (all settings from FLAMEWATCH_* variables)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import sys
from typing import Any

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run the stream worker (settings from FLAMEWATCH_* environment variables)",
        description="Consume comments, detect escalating reply chains, publish alerts. "
        "Configured with FLAMEWATCH_* environment variables (see README).",
    )
    parser.add_argument(
        "--loglevel",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="level of flamewatch's own log lines (Faust and Kafka client: warnings only, "
        "or everything with --loglevel debug)",
    )
    parser.set_defaults(func=run)


def logging_config(level: str) -> dict[str, Any]:
    framework = "DEBUG" if level == "debug" else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        # a broker outage makes the Kafka client repeat itself many times a second
        "filters": {"repeats": {"()": "streams.service.logfilter.RepeatFilter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                       "stream": "ext://sys.stderr", "filters": ["repeats"]},
        },
        "root": {"level": framework, "handlers": ["stderr"]},
        "loggers": {"flamewatch": {"level": level.upper()}},
    }


def store_problem(store: str) -> str | None:
    """Why the configured table store cannot work here, if it cannot."""
    if not store.startswith("rocksdb://"):
        return None
    import importlib.util

    if any(importlib.util.find_spec(m) for m in ("rocksdict", "rocksdb")):
        return None
    return ("FLAMEWATCH_STORE=rocksdb:// needs the rocksdict package "
            "(pip install 'flamewatch[rocksdb]'), or use memory://")


GC_THRESHOLDS = (700, 10, 100)
"""Python's are (700, 10, 10). A full collection walks every tracked object: the thread states
the worker holds (tens of thousands of objects) and everything Faust, aiokafka and the core's
lexicon built at start. It paused the worker for 75-290 ms every 3-4 s (measured with
gc.callbacks at 1,000 comments/s), the tail of the alert latency. Objects alive at start are
frozen (never walked again; they live as long as the process), and full collections come less
often (then 25-110 ms, about half as many). Thread states hold no reference cycles: reference
counting frees them, not the collector."""


def tune_gc() -> None:
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run(args: argparse.Namespace) -> int:
    # Imported here so that `flamewatch --help` stays fast.
    import faust

    from streams.service.app import create_app
    from streams.service.settings import SettingsError, load_settings
    from streams.service.topics import TopicError, ensure_topics

    logging.config.dictConfig(logging_config(args.loglevel))
    log = logging.getLogger("flamewatch.worker")
    from streams.detect.learned.model import ModelError

    try:
        settings = load_settings()
        settings.tiered_scorer()  # a damaged model file stops the worker here, clearly
    except (SettingsError, ModelError) as exc:
        print(f"flamewatch worker: {exc}", file=sys.stderr)
        return 2

    problem = store_problem(settings.store)
    if problem:
        print(f"flamewatch worker: {problem}", file=sys.stderr)
        return 2

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(ensure_topics(settings))
    except TopicError as exc:
        print(f"flamewatch worker: {exc}", file=sys.stderr)
        return 1

    service = create_app(settings)
    tune_gc()
    log.info(
        "starting: app %s, broker %s, %s (+%s) -> %s, dead letters -> %s, %d partitions, "
        "store %s, web %s",
        settings.app_id, settings.broker, settings.comments_topic, settings.rekey_topic,
        settings.alerts_topic, settings.dlq_topic, settings.partitions, settings.store,
        f"http://{settings.web_host}:{settings.web_port}/flamewatch/stats/"
        if settings.web_enabled else "off",
    )
    worker = faust.Worker(
        service.app,
        loop=loop,
        quiet=True,
        loglevel=args.loglevel.upper(),
        logging_config=logging_config(args.loglevel),
        redirect_stdouts=False,
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
