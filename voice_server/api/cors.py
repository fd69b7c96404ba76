"""CORS with an allowlist (``Settings.cors_origins``; ``*`` allows any origin).

Allowed origins get ``Access-Control-Allow-Origin`` echoed (no credentials: the API uses bearer
tokens, not cookies); preflights are answered here. Disallowed origins get no CORS headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from voice_server.api.errors import api_error
from voice_server.platform.app_state import APP_STATE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-Id"
EXPOSE_HEADERS = "Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining"
MAX_AGE_S = 600


def origin_allowed(origin: str | None, allowlist: Sequence[str]) -> bool:
    if not origin:
        return False
    return "*" in allowlist or origin.rstrip("/") in {o.rstrip("/") for o in allowlist}


def cors_headers(origin: str, *, preflight: bool) -> dict[str, str]:
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        headers |= {"Access-Control-Allow-Methods": ALLOW_METHODS,
                    "Access-Control-Allow-Headers": ALLOW_HEADERS,
                    "Access-Control-Max-Age": str(MAX_AGE_S)}
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return headers


def is_preflight(request: web.Request) -> bool:
    return (request.method == "OPTIONS" and "Origin" in request.headers
            and "Access-Control-Request-Method" in request.headers)


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    allowed = origin_allowed(origin, request.app[APP_STATE].settings.cors_origins)
    if is_preflight(request):
        if not allowed:
            return api_error("cors_forbidden", "origin not allowed", 403)
        assert origin is not None
        return web.Response(status=204, headers=cors_headers(origin, preflight=True))
    response = await handler(request)
    if response.prepared:  # websocket upgrades and streams are already on the wire
        return response
    if allowed:
        assert origin is not None
        response.headers.update(cors_headers(origin, preflight=False))
    elif origin:
        response.headers.setdefault("Vary", "Origin")
    return response
