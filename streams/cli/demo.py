"""`flamewatch demo`: broker + worker + a bundled sample thread, alerts printed as they arrive.

Starts the embedded Tansu broker (unless FLAMEWATCH_BROKER is set), a worker subprocess on
fresh demo topics, replays `streams/service/sample_thread.jsonl`, prints each alert readably,
then stops everything it started. Progress goes to stderr, alerts to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from streams.harness import Child, WorkerProcess

SAMPLE = Path(__file__).resolve().parents[1] / "service" / "sample_thread.jsonl"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run a broker, a worker and a sample flame war; print the alerts",
        description="One command to see Flamewatch work: starts the embedded Tansu broker "
        "(or uses FLAMEWATCH_BROKER), a worker, replays a bundled comment thread and prints "
        "the alerts as they arrive, then stops everything it started.",
    )
    parser.add_argument("--rate", type=float, default=8.0, metavar="N",
                        help="comments per second to replay (default: %(default)s)")
    parser.add_argument("--file", type=Path, default=SAMPLE,
                        help="JSON-lines comments to replay instead of the bundled sample")
    parser.add_argument("--timeout", type=float, default=50.0, metavar="SECONDS",
                        help="give up after this long (default: %(default)s)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the broker, worker and console running until Ctrl-C, to "
                        "click around the sample alerts in the console")
    parser.add_argument("--no-console", action="store_true",
                        help="do not start the moderator console")
    parser.set_defaults(func=run)


def say(message: str) -> None:
    print(f"[demo] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Comment:
    author_id: str
    author_name: str
    text: str
    created_at: str


def load_comments(path: Path) -> tuple[list[bytes], dict[str, Comment], dict[str, str]]:
    lines = [ln for ln in path.read_bytes().splitlines() if ln.strip()]
    comments: dict[str, Comment] = {}
    names: dict[str, str] = {}
    for line in lines:
        doc = orjson.loads(line)
        name = doc.get("author_name") or doc["author_id"]
        names[doc["author_id"]] = name
        comments[doc["comment_id"]] = Comment(doc["author_id"], name, doc["text"],
                                              doc["created_at"])
    return lines, comments, names


def expected_alert_count(lines: list[bytes], config: Any) -> int:
    from schemas import DecodeError, decode_comment
    from streams.detect import Detector

    detector = Detector(config)
    count = 0
    for line in lines:
        event = decode_comment(line)
        if not isinstance(event, DecodeError):
            count += len(detector.process(event))
    return count


def render_alert(alert: dict[str, Any], comments: dict[str, Comment],
                 names: dict[str, str]) -> str:
    def who(author: str | None) -> str:
        if not author:
            return "?"
        name = names.get(author)
        return f"{name} ({author})" if name and name != author else author

    severity = alert["severity"].replace("_", " ").upper()
    offender, target = alert.get("offender_author_id"), alert.get("target_author_id")
    if offender and target:
        headline = f"{who(offender)} -> {who(target)}"
    else:
        headline = " <-> ".join(who(p) for p in alert.get("participants", []))
    trigger = comments.get(alert["trigger_comment_id"])
    when = trigger.created_at[11:16] if trigger else ""
    lines = [
        f"  {severity:<16} {headline}   score {alert['score']:.2f}   thread "
        f"{alert['thread_id']}",
        f"    trigger {alert['trigger_comment_id']} at {when}:",
    ]
    if trigger:
        lines += textwrap.wrap(f'"{trigger.text}"', width=92, initial_indent="      ",
                               subsequent_indent="       ")
    for reason in alert.get("reasons", []):
        lines += textwrap.wrap(reason, width=92, initial_indent="    - ",
                               subsequent_indent="      ")
    return "\n".join(lines)


@contextlib.contextmanager
def broker_for_demo(settings_broker: str | None) -> Iterator[str]:
    """Yields a kafka:// URL: FLAMEWATCH_BROKER's, or an embedded Tansu we start and stop."""
    if settings_broker:
        say(f"using FLAMEWATCH_BROKER={settings_broker}")
        yield settings_broker
        return
    from streams.brokers import start_broker

    say("starting the embedded Tansu broker ...")
    began = time.monotonic()
    broker = start_broker("tansu")
    try:
        say(f"broker ready at {broker.bootstrap} ({time.monotonic() - began:.1f}s)")
        yield broker.url
    finally:
        broker.stop()
        say("broker stopped")


async def _demo(args: argparse.Namespace, settings: Any, worker: WorkerProcess,
                deadline: float) -> int:
    from streams.cli.alerts import read_topic
    from streams.cli.replay import replay
    from streams.harness import ChildExited
    from streams.service.security import client_options

    lines, comments, names = load_comments(args.file)
    expected = expected_alert_count(lines, settings.detect_config())
    threads = {orjson.loads(ln)["thread_id"] for ln in lines}

    say("waiting for the worker to join its consumer group ...")
    try:
        owned = await worker.wait_ready(max(deadline - time.monotonic(), 0.1))
    except ChildExited as exc:
        raise RuntimeError(f"the worker exited early:\n{exc}") from None
    except TimeoutError:
        raise TimeoutError(f"the worker did not get its partitions in time:\n"
                           f"{worker.tail(25)}") from None
    say(f"worker ready (partitions {', '.join(map(str, sorted(owned)))} of "
        f"{settings.comments_topic})")

    received = 0
    done = asyncio.Event()

    async def print_alerts() -> None:
        nonlocal received
        async for record in read_topic(settings.bootstrap_servers, settings.alerts_topic,
                                       from_beginning=True, follow=True,
                                       client=client_options(settings)):
            alert = orjson.loads(record.value)
            received += 1
            print(render_alert(alert, comments, names) + "\n", flush=True)
            if received >= expected:
                done.set()

    printer = asyncio.create_task(print_alerts())
    try:
        say(f"replaying {len(lines)} comments of {len(threads)} thread(s) at "
            f"{args.rate:g}/s; the offline detector expects {expected} alert(s)\n")
        summary = await replay(lines, bootstrap=settings.bootstrap_servers,
                               topic=settings.comments_topic, rate=args.rate, progress=False,
                               client=client_options(settings))
        if summary.invalid:
            say(f"{summary.invalid} invalid line(s) skipped")
        if expected == 0:
            await asyncio.sleep(2.0)  # nothing to wait for; give stray alerts a moment
            done.set()
        remaining = deadline - time.monotonic()
        try:
            await asyncio.wait_for(done.wait(), timeout=max(remaining, 0.1))
        except TimeoutError:
            say(f"timed out: {received} of {expected} alert(s) received\n{worker.tail(25)}")
            return 1
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
    say(f"all {received} alert(s) received")
    return 0


def run(args: argparse.Namespace) -> int:
    from streams.service.settings import SettingsError, load_settings
    from streams.service.topics import TopicError, ensure_topics

    began = time.monotonic()
    deadline = began + args.timeout
    if args.rate <= 0:
        say("--rate must be > 0")
        return 2
    user_broker = os.environ.get("FLAMEWATCH_BROKER", "").strip() or None
    run_id = uuid.uuid4().hex[:8]
    try:
        base = load_settings()
    except SettingsError as exc:
        say(str(exc))
        return 2

    with tempfile.TemporaryDirectory(prefix="flamewatch-demo-") as tmp, \
            broker_for_demo(user_broker) as broker_url:
        overrides = {
            "FLAMEWATCH_BROKER": broker_url,
            "FLAMEWATCH_APP_ID": f"flamewatch-demo-{run_id}",
            "FLAMEWATCH_COMMENTS_TOPIC": f"flamewatch-demo-{run_id}-comments",
            "FLAMEWATCH_ALERTS_TOPIC": f"flamewatch-demo-{run_id}-alerts",
            "FLAMEWATCH_DLQ_TOPIC": f"flamewatch-demo-{run_id}-dlq",
            "FLAMEWATCH_PARTITIONS": str(base.partitions),
            "FLAMEWATCH_WEB_ENABLED": "false",
            "FLAMEWATCH_DATA_DIR": str(Path(tmp) / "data"),
            # Tansu holds a JoinGroup for about session_timeout/2: keep it short
            "FLAMEWATCH_SESSION_TIMEOUT": "6",
            "FLAMEWATCH_HEARTBEAT_INTERVAL": "1",
            "FLAMEWATCH_BATCH_WINDOW": "0.05",
            "FLAMEWATCH_STATS_INTERVAL": "0",
            # the demo shows the worker alone (no encoder stage): rules + the fast tier
            "FLAMEWATCH_SCORER": "rules+fast",
        }
        env = {**os.environ, **overrides, "PYTHONUNBUFFERED": "1"}
        settings = load_settings({**{k: v for k, v in os.environ.items()
                                     if k.startswith("FLAMEWATCH_")}, **overrides})
        try:
            asyncio.run(ensure_topics(settings))
        except TopicError as exc:
            say(str(exc))
            return 1
        from streams.harness import WorkerProcess

        say(f"starting a worker (app {settings.app_id}) ...")
        worker = WorkerProcess("worker", env, Path(tmp) / "worker.log")
        console: Child | None = None
        code = 1
        try:
            if not args.no_console:
                console = _start_console(env, Path(tmp), settings.app_id, deadline)
            code = asyncio.run(_demo(args, settings, worker, deadline))
            if args.keep and code == 0:
                say("--keep: everything stays up; press Ctrl-C to stop")
                while worker.alive:
                    time.sleep(0.5)
                say("the worker stopped")
        except (RuntimeError, TimeoutError) as exc:
            say(str(exc))
        except KeyboardInterrupt:
            say("interrupted" if not args.keep else "stopping")
            code = 0 if args.keep else 130
        finally:
            if console is not None:
                say("stopping the console ...")
                console.stop()
            say("stopping the worker ...")
            rc = worker.stop()
            if rc not in (0, -signal.SIGTERM):
                say(f"worker exited with {rc}:\n{worker.tail(25)}")
            if user_broker:
                _delete_demo_topics(settings)
    say(f"done in {time.monotonic() - began:.1f}s")
    return code


def _start_console(env: dict[str, str], tmp: Path, app_id: str, deadline: float) -> Child:
    from streams.cli.demo_console import console_env, wait_for_url
    from streams.harness import Child

    console_vars, token, once = console_env(env, tmp, app_id)
    say("starting the moderator console ...")
    console = Child("console", [sys.executable, "-m", "streams", "console"], console_vars,
                    tmp / "console.log")
    url = wait_for_url(lambda: console.log, lambda: console.alive,
                       min(deadline, time.monotonic() + 30))
    say(f"console: {url}")
    say(f"  one-time login link: {url}login/once/{once}")
    say(f"  or log in with the token: {token}")
    return console


def _delete_demo_topics(settings: Any) -> None:
    """Leave the user's broker as we found it (best effort)."""
    from streams.harness import delete_topics
    from streams.service.security import client_options

    try:
        names = asyncio.run(delete_topics(settings.bootstrap_servers, settings.app_id,
                                          **client_options(settings)))
    except Exception as exc:
        say(f"could not delete the demo topics: {exc!r}")
        return
    if names:
        say(f"deleted demo topics {', '.join(names)}")
