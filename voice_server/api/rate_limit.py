"""Per-client REST rate limit in Valkey: a fixed window counted by an atomic Lua script.

The client is the authenticated user when a valid token is sent, else the peer address.
Over the limit: 429 with ``Retry-After``. If Valkey is unreachable the request is let through
(fail open) and a warning is logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from voice_server.api.auth_middleware import API_PREFIX, optional_claims
from voice_server.api.errors import api_error
from voice_server.platform.app_state import APP_STATE
from voice_server.platform.logs import get_logger

log = get_logger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int


class FixedWindowLimiter:
    """``limit`` requests per ``window_s`` seconds per client key."""

    def __init__(self, valkey: Any, limit: int, window_s: int = 60, prefix: str = "ratelimit") -> None:
        self.limit = limit
        self.window_s = window_s
        self._prefix = prefix
        self._script = valkey.register_script(_HIT_SCRIPT)

    async def hit(self, client: str) -> RateDecision:
        count, ttl = await self._script(keys=[f"{self._prefix}:{client}"], args=[self.window_s])
        count, ttl = int(count), max(int(ttl), 1)
        return RateDecision(count <= self.limit, self.limit, max(self.limit - count, 0), ttl)


def client_key(request: web.Request) -> str:
    claims = optional_claims(request)
    return f"user:{claims.user_id}" if claims is not None else f"ip:{request.remote or 'unknown'}"


def limiter_for(request: web.Request) -> FixedWindowLimiter:
    state = request.app[APP_STATE]
    if state.services.rate_limiter is None:
        state.services.rate_limiter = FixedWindowLimiter(state.valkey, state.settings.rate_limit_per_minute)
    return state.services.rate_limiter


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API_PREFIX) or request.method == "OPTIONS":
        return await handler(request)
    try:
        decision = await limiter_for(request).hit(client_key(request))
    except RedisError as exc:
        log.warning("ratelimit.unavailable", error=type(exc).__name__)
        return await handler(request)
    limit_headers = {"X-RateLimit-Limit": str(decision.limit),
                     "X-RateLimit-Remaining": str(decision.remaining)}
    if not decision.allowed:
        return api_error("rate_limited", "too many requests, slow down", 429,
                         headers={**limit_headers, "Retry-After": str(decision.retry_after_s)})
    response = await handler(request)
    response.headers.update(limit_headers)
    return response
