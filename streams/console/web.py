"""HTTP routes and middlewares of the console."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.console import auth, queries, stats
from streams.console.analysis import overlay_alert_scores, score_thread
from streams.console.app import Console
from streams.console.decisions import DecisionError, UnknownAlert, decide
from streams.console.graph import heat_chart, layout
from streams.console.policy import DEFAULT, Policy, PolicyError, apply, preview
from streams.console.sse import HEARTBEAT_SECONDS, frame

log = logging.getLogger("flamewatch.console")
CONSOLE = web.AppKey("console", Console)
SESSION = web.RequestKey("session", auth.Session)
FORM = web.RequestKey("form", dict)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def session_of(request: web.Request) -> auth.Session:
    return request[SESSION]


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    console = console_of(request)
    session = request.get(SESSION)
    html = console.templates.get_template(name).render(
        session=session, csrf=session.csrf if session else "", path=request.path, **context)
    return web.Response(text=html, content_type="text/html", status=status)


# --- middlewares ----------------------------------------------------------------------------
@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


def _wants_html(request: web.Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("Accept", "")


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    console = console_of(request)
    session = console.sessions.get(request.cookies.get(auth.COOKIE))
    if session is not None:
        request[SESSION] = session
    if auth.is_public(request.path):
        return await handler(request)
    if session is None:
        if _wants_html(request):
            target = request.path_qs
            raise web.HTTPFound("/login?" + urlencode({"next": target}))
        raise web.HTTPUnauthorized(text="login required\n",
                                   headers={"WWW-Authenticate": 'Cookie realm="flamewatch"'})
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        _check_csrf_and_origin(request, session)
    return await handler(request)


def _check_csrf_and_origin(request: web.Request, session: auth.Session) -> None:
    origin = request.headers.get("Origin")
    # Host only: behind a TLS-terminating proxy the scheme seen here is http.
    if origin and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text="cross-origin request refused\n")
    supplied = request.headers.get("X-CSRF-Token")
    if supplied is None:
        supplied = request.get(FORM, {}).get("csrf")
    if not auth.csrf_ok(session, supplied):
        raise web.HTTPForbidden(text="missing or wrong CSRF token\n")


@web.middleware
async def read_form(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Parse a POSTed form once (bounded by client_max_size) so the CSRF check can see it."""
    if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            request[FORM] = dict(await request.post())
        except ValueError:
            raise web.HTTPBadRequest(text="bad form\n") from None
    return await handler(request)


def middlewares() -> list[Any]:
    return [security_headers, read_form, require_login]


def form(request: web.Request) -> dict[str, str]:
    data = request.get(FORM, {})
    return {k: v for k, v in data.items() if isinstance(v, str)}


# --- open endpoints ---------------------------------------------------------------------
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    console = console_of(request)
    problems = []
    try:
        console.conn.execute("SELECT 1").fetchone()
    except sqlite3.Error as exc:
        problems.append(f"database: {exc}")
    if console.ingest is not None and not console.ingest.ready.is_set():
        problems.append("ingest: no partitions assigned yet"
                        + (f" ({console.ingest.last_error})" if console.ingest.last_error else ""))
    status = 503 if problems else 200
    return web.json_response({"ready": not problems, "problems": problems}, status=status)


async def metrics(request: web.Request) -> web.Response:
    console = console_of(request)
    console.metrics.sse_clients.set(len(console.hub.clients))
    body = generate_latest(console.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


# --- login ------------------------------------------------------------------------------
def _set_session_cookie(request: web.Request, response: web.StreamResponse, sid: str) -> None:
    console = console_of(request)
    response.set_cookie(auth.COOKIE, sid, httponly=True, samesite="Strict", path="/",
                        secure=console.settings.secure_cookie,
                        max_age=int(console.settings.session_hours * 3600))


async def login_page(request: web.Request) -> web.StreamResponse:
    if request.get(SESSION):
        raise web.HTTPFound(auth.safe_next(request.query.get("next")))
    return render(request, "login.html", next=auth.safe_next(request.query.get("next")),
                  error=None, moderator="")


async def login_submit(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    data = form(request)
    client = request.remote or "?"
    target = auth.safe_next(data.get("next"))
    moderator = (data.get("moderator") or "").strip()[:64] or "moderator"
    if console.sessions.locked_out(client):
        console.metrics.logins.labels("locked").inc()
        return render(request, "login.html", status=429, next=target, moderator=moderator,
                      error="Too many failed attempts; wait a few minutes.")
    if not console.credentials.check(data.get("secret", "")):
        console.sessions.failed(client)
        console.metrics.logins.labels("failed").inc()
        await asyncio.sleep(0.3)
        return render(request, "login.html", status=401, next=target, moderator=moderator,
                      error="Wrong token or password.")
    console.metrics.logins.labels("ok").inc()
    sid, _ = console.sessions.create(moderator)
    response = web.HTTPSeeOther(target)
    _set_session_cookie(request, response, sid)
    raise response


async def login_once(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    if not console.credentials.use_once(request.match_info["secret"]):
        console.metrics.logins.labels("failed").inc()
        raise web.HTTPFound("/login")
    console.metrics.logins.labels("ok").inc()
    sid, _ = console.sessions.create("demo")
    response = web.HTTPSeeOther("/")
    _set_session_cookie(request, response, sid)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    console_of(request).sessions.drop(request.cookies.get(auth.COOKIE))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(auth.COOKIE, path="/")
    raise response


# --- pages ------------------------------------------------------------------------------
async def queue_page(request: web.Request) -> web.Response:
    console = console_of(request)
    filters = queries.Filters.parse(request.query)
    rows = queries.queue(console.conn, filters)
    latest = console.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM alerts").fetchone()[0]
    return render(request, "queue.html", rows=rows, filters=filters,
                  counts=queries.counts(console.conn, filters),
                  communities=queries.communities(console.conn), latest=latest,
                  severities=queries.SEVERITIES, statuses=queries.STATUSES,
                  filter_json=json.dumps(filters.as_dict()))


async def api_alerts(request: web.Request) -> web.Response:
    console = console_of(request)
    filters = queries.Filters.parse(request.query)
    return web.json_response({"alerts": queries.queue(console.conn, filters),
                              "counts": queries.counts(console.conn, filters)})


async def events(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    try:
        after = int(request.headers.get("Last-Event-ID") or request.query.get("after") or 0)
    except ValueError:
        after = 0
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        "X-Accel-Buffering": "no"})
    await response.prepare(request)
    queue = console.hub.subscribe()
    console.metrics.sse_clients.set(len(console.hub.clients))
    try:
        await response.write(b"retry: 1000\n\n")
        for data in queries.alerts_after(console.conn, after):  # missed while away
            await response.write(frame("alert", data["seq"], json.dumps(data)))
            after = data["seq"]
        while True:
            try:
                event, seq, payload = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if event == "alert" and seq <= after:
                continue
            await response.write(frame(event, seq, payload))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        console.hub.unsubscribe(queue)
        console.metrics.sse_clients.set(len(console.hub.clients))
    return response


async def alert_page(request: web.Request) -> web.Response:
    console = console_of(request)
    detail = queries.alert_detail(console.conn, request.match_info["alert_id"])
    if detail is None:
        raise web.HTTPNotFound(text="no such alert\n")
    return render(request, "alert.html", d=detail, error=request.query.get("error"))


async def decision_submit(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    alert_id = request.match_info["alert_id"]
    data = form(request)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        outcome = decide(console.conn, alert_id, data.get("decision", ""),
                         session_of(request).moderator, data.get("note"))
    except UnknownAlert:
        raise web.HTTPNotFound(text="no such alert\n") from None
    except DecisionError as exc:
        if wants_json:
            return web.json_response({"error": str(exc)}, status=400)
        raise web.HTTPSeeOther(f"/alerts/{alert_id}?" + urlencode({"error": str(exc)})) from None
    if outcome.created:
        console.metrics.decisions.labels(outcome.feedback.decision).inc()
        console.decision_stored()
        seq = console.conn.execute("SELECT seq FROM alerts WHERE alert_id = ?",
                                   (alert_id,)).fetchone()[0]
        console.hub.publish("status", seq, {"alert_id": alert_id, "status": outcome.status})
    if wants_json:
        return web.json_response({"status": outcome.status, "created": outcome.created,
                                  "feedback_id": outcome.feedback.feedback_id})
    raise web.HTTPSeeOther(f"/alerts/{alert_id}")


async def thread_page(request: web.Request) -> web.Response:
    console = console_of(request)
    thread_id = request.match_info["thread_id"]
    thread, comments, alerts = queries.thread_rows(console.conn, thread_id)
    if thread is None and not alerts:
        raise web.HTTPNotFound(text="no such thread\n")
    scores = score_thread(comments, console.scorer())
    overlay_alert_scores(scores, [json.loads(a["raw"]) for a in alerts])
    names = queries.names(console.conn, {c["author_id"] for c in comments})
    graph = layout(comments, scores, alerts, names)
    chart = heat_chart(comments, scores, alerts, width=max(720, min(graph.width, 1400)))
    listing = [{"index": i, "row": c, "score": scores.get(c["comment_id"]),
                "author": names.get(c["author_id"], c["author_id"]),
                "time": queries.iso(c["created_at"])} for i, c in enumerate(comments)]
    return render(request, "thread.html", thread_id=thread_id, thread=thread, graph=graph,
                  chart=chart, comments=listing, alerts=[queries.summary(a) for a in alerts])


async def stats_page(request: web.Request) -> web.Response:
    return render(request, "stats.html", s=stats.page(console_of(request).conn))


def _proposed(data: dict[str, str]) -> tuple[str, Policy]:
    community = (data.get("community") or DEFAULT).strip()[:256] or DEFAULT
    exempt = [a.strip() for a in (data.get("exempt_authors") or "").replace("\n", ",").split(",")]
    policy = Policy.parse({"min_score": data.get("min_score") or 0,
                           "min_severity": data.get("min_severity") or "heated",
                           "exempt_authors": [a for a in exempt if a]})
    return community, policy


async def communities_page(request: web.Request) -> web.Response:
    console = console_of(request)
    policies = console.policies()
    return render(request, "communities.html", policies=policies, default_key=DEFAULT,
                  known=queries.communities(console.conn), preview=None, error=None,
                  severities=queries.SEVERITIES, proposed=None, community=None)


async def communities_preview(request: web.Request) -> web.Response:
    console = console_of(request)
    policies = console.policies()
    data = form(request)
    try:
        community, proposed = _proposed(data)
    except PolicyError as exc:
        return render(request, "communities.html", status=400, policies=policies,
                      default_key=DEFAULT, known=queries.communities(console.conn),
                      preview=None, error=str(exc), severities=queries.SEVERITIES,
                      proposed=None, community=None)
    result = preview(console.conn, policies, community, proposed)
    if data.get("apply") == "1":
        changed = apply(console.conn, console.base_policies, community, proposed,
                        session_of(request).moderator)
        console.policies_changed()
        log.info("policy for %s changed by %s (%d alert(s) re-marked)", community,
                 session_of(request).moderator, changed)
        raise web.HTTPSeeOther("/communities")
    return render(request, "communities.html", policies=policies, default_key=DEFAULT,
                  known=queries.communities(console.conn), preview=result, error=None,
                  severities=queries.SEVERITIES, proposed=proposed, community=community)


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/healthz", healthz),
        web.get("/readyz", readyz),
        web.get("/metrics", metrics),
        web.get("/login", login_page),
        web.post("/login", login_submit),
        web.get("/login/once/{secret}", login_once),
        web.post("/logout", logout),
        web.get("/", queue_page),
        web.get("/api/alerts", api_alerts),
        web.get("/events", events),
        web.get("/alerts/{alert_id}", alert_page),
        web.post("/alerts/{alert_id}/decision", decision_submit),
        web.get("/threads/{thread_id:.+}", thread_page),
        web.get("/stats", stats_page),
        web.get("/communities", communities_page),
        web.post("/communities", communities_preview),
    ]
