"""HTTP middlewares: request ids, typed JSON errors, security headers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, MutableMapping

import structlog
from aiohttp import web

from voice_server.platform.logs import get_logger

log = get_logger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; media-src 'self' blob:; worker-src 'self' blob:; frame-ancestors 'none'"
    ),
}


def error_body(code: str, message: str, status: int, **details: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "status": status, **({"details": details} if details else {})}}


def json_error(code: str, message: str, status: int, **details: object) -> web.Response:
    return web.json_response(error_body(code, message, status, **details), status=status)


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            code = exc.reason.lower().replace(" ", "_")
            response = json_error(code, exc.text or exc.reason, exc.status)
            for key in ("Allow", "Retry-After", "WWW-Authenticate"):
                if key in exc.headers:
                    response.headers[key] = exc.headers[key]
        else:
            exc.headers["X-Request-Id"] = request_id
            add_security_headers(request, exc.headers)
            raise
    except Exception:
        log.exception("http.unhandled", path=request.path, method=request.method)
        response = json_error("internal_error", "internal server error", 500)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    response.headers["X-Request-Id"] = request_id
    add_security_headers(request, response.headers)  # errors made here never pass `security_headers`
    return response


def add_security_headers(request: web.Request, headers: MutableMapping[str, str]) -> None:
    for key, value in SECURITY_HEADERS.items():
        headers.setdefault(key, value)
    if request.secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    add_security_headers(request, response.headers)
    return response
