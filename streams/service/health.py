"""`/healthz` and `/readyz` on the worker's web port (open: no token), and the watchdog.

- `/healthz` (liveness): 200 while the worker runs; 503 once it crashed or is stopping. The
  page is served by the event loop, so a blocked loop shows as a timeout.
- `/readyz` (readiness): 200 when the worker has its partitions, is not rebalancing or
  restoring state, and is not stuck; 503 with the reasons otherwise. Stuck: a batch has been
  in hand for longer than FLAMEWATCH_STUCK_SECONDS, or records wait on an owned partition and
  no batch finished for that long.

The watchdog is a daemon thread (it works while the loop is blocked or dead): a worker whose
Faust services crashed exits with EXIT_CRASHED after CRASH_GRACE seconds if it has not exited
by itself, and a worker told to stop that is still there after SHUTDOWN_DEADLINE seconds exits
with EXIT_SHUTDOWN_TIMEOUT. Nothing of an unfinished batch is committed either way: a restart
re-processes it. There is no half-alive state.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streams.service.app import Service

log = logging.getLogger("flamewatch.worker")

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
EXIT_CRASHED = 70
EXIT_SHUTDOWN_TIMEOUT = 75
CRASH_GRACE = 5.0
SHUTDOWN_DEADLINE = 25.0
"""Below compose's 30 s stop_grace_period, so the worker exits with its own code."""
WATCH_INTERVAL = 0.5


def _exit_now(code: int) -> None:
    logging.shutdown()
    os._exit(code)


def source_lag(service: Service) -> dict[str, int] | None:
    """Records waiting per owned source partition ('topic:partition' → count), or None when
    the consumer cannot tell (not started, no fetch yet)."""
    consumer: Any = service.app.consumer
    sources = {service.settings.comments_topic, service.settings.rekey_topic}
    try:
        tps = [tp for tp in consumer.assignment() if tp.topic in sources]
        read = consumer._read_offset  # Faust's last read offset per partition
        lag: dict[str, int] = {}
        for tp in tps:
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = read.get(tp)
            waiting = highwater if position is None else max(0, highwater - position - 1)
            lag[f"{tp.topic}:{tp.partition}"] = waiting
        return lag
    except Exception:
        return None


def caught_up_check(service: Service) -> Callable[[int], bool]:
    """partition → True when nothing is left to read on it (comments and rekey topic)."""
    consumer: Any = service.app.consumer
    sources = {service.settings.comments_topic, service.settings.rekey_topic}
    try:
        tps = [tp for tp in consumer.assignment() if tp.topic in sources]
    except Exception:
        return lambda partition: False
    behind: set[int] = set()
    for tp in tps:
        try:
            highwater = consumer.highwater(tp)
        except Exception:
            highwater = None
        position = consumer._read_offset.get(tp)
        unknown = highwater is None
        if unknown or (highwater > 0 and (position is None or highwater - position > 1)):
            behind.add(tp.partition)
    return lambda partition: partition not in behind


def _crashed(service: Service) -> bool:
    app: Any = service.app
    parts = [app, getattr(app, "_producer", None)]
    producer = parts[-1]
    if producer is not None:
        parts.append(getattr(producer, "buffer", None))
    return any(bool(getattr(p, "crashed", False)) for p in parts if p is not None)


def readiness(service: Service, now: float | None = None) -> tuple[bool, dict[str, Any]]:
    app: Any = service.app
    stats = service.stats
    now = time.monotonic() if now is None else now
    stuck_after = service.settings.stuck_seconds
    reasons: list[str] = []
    if _crashed(service):
        reasons.append("crashed")
    if getattr(app, "should_stop", False):
        reasons.append("stopping")
    if not service.health.assigned:
        reasons.append("waiting for partitions")
    if app.rebalancing:
        reasons.append("rebalancing")
    if getattr(app, "in_recovery", False):
        reasons.append("restoring state")
    in_batch = None if stats.batch_started is None else now - stats.batch_started
    idle = now - stats.last_batch_done
    lag = source_lag(service)
    waiting = sum(lag.values()) if lag else 0
    if in_batch is not None and in_batch > stuck_after:
        reasons.append(f"stuck: one batch in hand for {in_batch:.0f} s")
    elif waiting and in_batch is None and idle > stuck_after and not reasons:
        reasons.append(f"stuck: {waiting} record(s) waiting, no batch for {idle:.0f} s")
    detail = {
        "ready": not reasons,
        "reasons": reasons,
        "batch_in_hand_seconds": None if in_batch is None else round(in_batch, 1),
        "seconds_since_last_batch": round(idle, 1),
        "waiting_records": lag,
        "partitions": sorted(service.owned_partitions()) if service.health.assigned else [],
    }
    return not reasons, detail


class HealthState:
    def __init__(self) -> None:
        self.assigned = False
        self.stop_requested_at: float | None = None


def register(service: Service) -> None:
    """Add the two open pages, the rebalance flag they need and the watchdog thread."""
    app = service.app
    service.health = HealthState()

    @app.page(HEALTH_PATH)
    async def healthz(web: Any, request: Any) -> Any:
        bad = _crashed(service) or bool(getattr(app, "should_stop", False))
        status = "crashed" if _crashed(service) else "stopping" if bad else "ok"
        return web.json({"status": status}, status=503 if bad else 200)

    @app.page(READY_PATH)
    async def readyz(web: Any, request: Any) -> Any:
        ready, detail = readiness(service)
        return web.json(detail, status=200 if ready else 503)

    @app.on_rebalance_complete.connect
    async def assigned(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        service.health.assigned = True

    @app.task
    async def start_watchdog() -> None:
        threading.Thread(target=_watch, args=(service,), name="flamewatch-watchdog",
                         daemon=True).start()


def _watch(service: Service) -> None:
    app: Any = service.app
    crashed_at: float | None = None
    stopping_at: float | None = None
    while True:
        time.sleep(WATCH_INTERVAL)
        now = time.monotonic()
        if _crashed(service):
            crashed_at = crashed_at or now
            if now - crashed_at > CRASH_GRACE:
                reason = getattr(app, "crash_reason", None)
                log.critical("the worker crashed (%r) and did not exit; exiting now", reason)
                _exit_now(EXIT_CRASHED)
        if getattr(app, "should_stop", False):
            stopping_at = stopping_at or now
            if now - stopping_at > SHUTDOWN_DEADLINE:
                log.critical("still stopping after %.0f s; exiting now", SHUTDOWN_DEADLINE)
                _exit_now(EXIT_SHUTDOWN_TIMEOUT)
