"""Bearer-token authentication for every ``/api/`` route except the explicitly public ones.

Default deny: a matched route under ``/api/`` needs a valid access token unless its
``ApiRoute`` is declared ``public``. Verified claims are cached on the request so the rate
limiter and the handler reuse them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from commerce.auth import AuthError, Claims, verify_token
from voice_server.api.errors import auth_error_response
from voice_server.api.routing import CLAIMS_KEY, api_route_of
from voice_server.platform.app_state import APP_STATE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_PREFIX = "/api/"
_FAILURE_KEY: web.RequestKey[AuthError] = web.RequestKey("shepherd_auth_failure", AuthError)


def token_key(request: web.Request) -> bytes:
    """The HMAC key, read once per app."""
    return request.app[APP_STATE].token_key()


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def authenticate(request: web.Request) -> Claims:
    """Verify the request's bearer token once (cached on the request); raise ``AuthError``."""
    if CLAIMS_KEY in request:
        return request[CLAIMS_KEY]
    if _FAILURE_KEY in request:
        raise request[_FAILURE_KEY]
    try:
        claims = verify_token(token_key(request), bearer_token(request), "access")
    except AuthError as exc:
        request[_FAILURE_KEY] = exc
        raise
    request[CLAIMS_KEY] = claims
    return claims


def optional_claims(request: web.Request) -> Claims | None:
    """Claims when a valid token was sent, else None (never raises)."""
    try:
        return authenticate(request)
    except AuthError:
        return None


def requires_auth(request: web.Request) -> bool:
    if not request.path.startswith(API_PREFIX) or request.method == "OPTIONS":
        return False
    if request.match_info.http_exception is not None:
        return False  # unknown path or method: let the router answer 404/405
    route = api_route_of(request)
    return route is None or not route.public


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if requires_auth(request):
        try:
            authenticate(request)
        except AuthError as exc:
            return auth_error_response(exc)
    return await handler(request)
