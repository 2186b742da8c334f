"""Bearer-token check for the worker's web views (aiohttp middleware).

Open without a token: /healthz, /readyz and /metrics (probes and scrapers). Everything else
(Faust's router and table views, /flamewatch/stats/) needs `Authorization: Bearer <token>`
with FLAMEWATCH_WEB_TOKEN; without a configured token those views answer 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from streams.service.settings import Settings

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def is_open(path: str) -> bool:
    return path.rstrip("/") in OPEN_PATHS


def token_middleware(settings: Settings) -> Any:
    token = settings.web_token.get_secret_value().encode() if settings.web_token else None

    @web.middleware
    async def require_token(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if is_open(request.path):
            return await handler(request)
        if token is None:
            return web.json_response(
                {"error": "this view needs FLAMEWATCH_WEB_TOKEN to be set on the worker"},
                status=403,
            )
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token):
            return web.json_response(
                {"error": "missing or wrong token (Authorization: Bearer <token>)"},
                status=401, headers={"WWW-Authenticate": "Bearer"},
            )
        return await handler(request)

    return require_token
