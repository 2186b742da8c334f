"""Wiring: database, policies, login, live hub, ingest and outbox tasks, the aiohttp app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from streams.console import db
from streams.console.auth import Credentials, Sessions
from streams.console.ingest import Ingest
from streams.console.metrics import ConsoleMetrics
from streams.console.policy import Policies, effective, load_file, resuppress
from streams.console.publisher import Publisher
from streams.console.queries import alert_summary
from streams.console.settings import ConsoleSettings
from streams.console.sse import Hub
from streams.service.settings import Settings

log = logging.getLogger("flamewatch.console")
PURGE_INTERVAL = 3600.0


class ConsoleError(RuntimeError):
    """The console cannot start; the message says what to change."""


NO_LOGIN = (
    "no login configured: set FLAMEWATCH_CONSOLE_TOKEN (a random string of 16+ characters, "
    "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(24))'`) or "
    "FLAMEWATCH_CONSOLE_PASSWORD_HASH (from `flamewatch console --hash-password`). The console "
    "never runs without a login."
)


@dataclass
class Console:
    settings: ConsoleSettings
    worker: Settings
    conn: sqlite3.Connection
    base_policies: Policies
    credentials: Credentials
    sessions: Sessions
    metrics: ConsoleMetrics = field(default_factory=ConsoleMetrics)
    hub: Hub = field(default_factory=Hub)
    templates: jinja2.Environment = field(default_factory=lambda: make_templates())
    ingest: Ingest | None = None
    publisher: Publisher | None = None
    started_at: float = field(default_factory=time.time)
    _policies: Policies | None = None
    _scorer: list[Any] = field(default_factory=list)

    def scorer(self) -> Any:
        """The scorer the worker's settings name (for re-scoring threads), or None."""
        if not self._scorer:
            try:
                self._scorer.append(self.worker.tiered_scorer())
            except Exception:  # a missing model file or extra: the core's default
                log.exception("cannot build the worker's scorer; using the core's default")
                self._scorer.append(None)
        return self._scorer[0]

    def policies(self) -> Policies:
        if self._policies is None:
            self._policies = effective(self.conn, self.base_policies)
        return self._policies

    def policies_changed(self) -> None:
        self._policies = None

    def alert_stored(self, seq: int) -> None:
        data = alert_summary(self.conn, seq)
        if data is not None:
            self.hub.publish("alert", seq, data)

    def decision_stored(self) -> None:
        if self.publisher is not None:
            self.publisher.kick()


def make_templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("streams.console", "templates"),
        autoescape=True,  # every page: comment text and names are hostile input
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "–" if v is None else f"{v * 100:.0f}%"
    return env


def open_console(settings: ConsoleSettings, worker: Settings, *,
                 kafka: bool = True) -> Console:
    """Everything but the network: refuses to go on without a login."""
    if not settings.has_login:
        raise ConsoleError(NO_LOGIN)
    try:
        base = load_file(settings.communities)
    except ValueError as exc:
        raise ConsoleError(f"FLAMEWATCH_CONSOLE_COMMUNITIES: {exc}") from None
    try:
        conn = db.connect(settings.db)
    except (sqlite3.Error, db.DatabaseError, OSError) as exc:
        raise ConsoleError(f"FLAMEWATCH_CONSOLE_DB={settings.db}: {exc}") from None
    console = Console(
        settings=settings, worker=worker, conn=conn, base_policies=base,
        credentials=Credentials(settings.token, settings.password_hash, settings.login_once),
        sessions=Sessions(ttl=settings.session_hours * 3600.0),
    )
    conn.execute("BEGIN IMMEDIATE")
    resuppress(conn, console.policies())  # the file may have changed since the last run
    conn.execute("COMMIT")
    if kafka:
        from streams.service.security import client_options

        client = client_options(worker)  # TLS / SASL as the worker's settings say
        console.ingest = Ingest(
            conn, bootstrap=worker.bootstrap_servers, alerts_topic=worker.alerts_topic,
            comments_topic=worker.comments_topic, group=settings.group,
            policies=console.policies, on_alert=console.alert_stored, metrics=console.metrics,
            client=client)
        console.publisher = Publisher(conn, bootstrap=worker.bootstrap_servers,
                                      topic=settings.feedback_topic, metrics=console.metrics,
                                      client=client)
    return console


async def _purge_forever(console: Console) -> None:
    while True:
        removed = db.purge(console.conn, console.settings.retention_days)
        if removed:
            log.info("retention: removed %d old alert(s)/comment(s)", removed)
        await asyncio.sleep(PURGE_INTERVAL)


def build_app(console: Console) -> web.Application:
    from streams.console.web import CONSOLE, middlewares, routes

    app = web.Application(middlewares=middlewares(),
                          client_max_size=console.settings.max_body_bytes)
    app[CONSOLE] = console
    app.add_routes(routes())
    app.router.add_static("/static", Path(__file__).parent / "static", append_version=True)

    async def background(app: web.Application) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_purge_forever(console))]
        if console.ingest is not None:
            tasks.append(asyncio.create_task(console.ingest.run()))
        if console.publisher is not None:
            tasks.append(asyncio.create_task(console.publisher.run()))
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    app.cleanup_ctx.append(background)
    return app


async def serve(console: Console, on_ready: Callable[[str], None]) -> None:
    """Run until cancelled; `on_ready(url)` once the port is bound."""
    app = build_app(console)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, console.settings.host, console.settings.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise ConsoleError(
            f"cannot listen on {console.settings.host}:{console.settings.port} "
            f"(FLAMEWATCH_CONSOLE_HOST/_PORT): {exc.strerror or exc}") from None
    host = console.settings.host
    shown = f"[{host}]" if ":" in host else host
    on_ready(f"http://{shown}:{console.settings.port}/")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        console.conn.close()
