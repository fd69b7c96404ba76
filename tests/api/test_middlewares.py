"""Rate limit, CORS, security headers and typed validation errors on the real app."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from tests.api.conftest import StartApp, bearer, new_guest
from voice_server.api.rate_limit import FixedWindowLimiter
from voice_server.platform.app_state import APP_STATE

# -- rate limit --------------------------------------------------------------------------------


async def test_rate_limit_429_then_recovers(start_app: StartApp) -> None:
    client = await start_app(rate_limit_per_minute=1000)
    token, user_id = await new_guest(client)
    state = client.app[APP_STATE]  # type: ignore[index]
    await state.valkey.delete(f"rl-test:user:{user_id}")
    state.services.rate_limiter = FixedWindowLimiter(state.valkey, limit=3, window_s=1, prefix="rl-test")
    statuses = [(await client.get("/api/cart", headers=bearer(token))).status for _ in range(3)]
    assert statuses == [200, 200, 200]
    blocked = await client.get("/api/cart", headers=bearer(token))
    assert blocked.status == 429
    assert (await blocked.json())["error"]["code"] == "rate_limited"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 1
    other_token, _ = await new_guest(client)  # another shopper has their own budget
    assert (await client.get("/api/cart", headers=bearer(other_token))).status == 200
    await asyncio.sleep(1.2)
    assert (await client.get("/api/cart", headers=bearer(token))).status == 200


async def test_rate_limit_by_ip_for_anonymous_and_headers(start_app: StartApp) -> None:
    client = await start_app(rate_limit_per_minute=2)
    state = client.app[APP_STATE]  # type: ignore[index]
    await state.valkey.delete("ratelimit:ip:127.0.0.1")
    first = await client.post("/api/auth/guest")
    assert first.status == 201 and first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    await client.post("/api/auth/guest")
    third = await client.post("/api/auth/guest")
    assert third.status == 429 and int(third.headers["Retry-After"]) >= 1
    health = await client.get("/healthz")  # only /api/ is limited
    assert health.status == 200
    await state.valkey.delete("ratelimit:ip:127.0.0.1")


async def test_limiter_counts_atomically(valkey: object) -> None:
    limiter = FixedWindowLimiter(valkey, limit=10, window_s=30, prefix="rl-atomic")
    await valkey.delete("rl-atomic:c")  # type: ignore[attr-defined]
    decisions = await asyncio.gather(*(limiter.hit("c") for _ in range(25)))
    assert sum(d.allowed for d in decisions) == 10
    assert sorted(d.remaining for d in decisions)[-1] == 9
    assert 1 <= await valkey.ttl("rl-atomic:c") <= 30  # type: ignore[attr-defined]


# -- CORS --------------------------------------------------------------------------------------

ALLOWED = "https://shop.example.com"


async def test_cors_allowed_origin(start_app: StartApp) -> None:
    client = await start_app(cors_origins=[ALLOWED])
    pre = await client.options("/api/cart", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    })
    assert pre.status == 204
    assert pre.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    resp = await client.post("/api/auth/guest", headers={"Origin": ALLOWED})
    assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Retry-After" in resp.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in resp.headers
    unauth = await client.get("/api/cart", headers={"Origin": ALLOWED})  # errors carry CORS too
    assert unauth.status == 401 and unauth.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_cors_disallowed_origin_gets_no_headers(start_app: StartApp) -> None:
    client = await start_app(cors_origins=[ALLOWED])
    evil = "https://evil.example.net"
    pre = await client.options("/api/cart", headers={"Origin": evil, "Access-Control-Request-Method": "GET"})
    assert pre.status == 403
    assert not any(h.startswith("Access-Control-") for h in pre.headers)
    resp = await client.post("/api/auth/guest", headers={"Origin": evil})
    assert not any(h.startswith("Access-Control-") for h in resp.headers)


async def test_cors_off_by_default(app_client: TestClient) -> None:
    resp = await app_client.post("/api/auth/guest", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in resp.headers


# -- security headers and typed errors ---------------------------------------------------------


async def test_security_headers_on_api_and_errors(app_client: TestClient, guest: tuple[str, int]) -> None:
    responses = [await app_client.get("/api/cart", headers=bearer(guest[0])),
                 await app_client.get("/api/cart"), await app_client.get("/openapi.json")]
    for resp in responses:
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Request-Id"]


async def test_validation_errors_are_typed(app_client: TestClient, guest: tuple[str, int]) -> None:
    auth = bearer(guest[0])
    cases = [
        app_client.post("/api/cart/items", headers=auth, json={"product_id": "abc", "quantity": 99}),
        app_client.post("/api/cart/items", headers=auth, data=b"{not json", ),
        app_client.post("/api/cart/items", headers=auth, json=[1, 2]),
        app_client.get("/api/products/search", headers=auth, params={"limit": "1000"}),
        app_client.get("/api/products/search", headers=auth, params={"unknown": "x"}),
        # above the shop's price bound but inside int32: once a 500 (found by schemathesis)
        app_client.get("/api/recommendations", headers=auth, params={"price_max_cents": "263290624"}),
        app_client.get("/api/products/not-a-number", headers=auth),
        app_client.put("/api/profile", headers=auth, json={"measurements": {"height_cm": 9000}}),
        # a hair above the bound, stored as a Postgres real it is the bound: once a 500 (schemathesis)
        app_client.put("/api/profile", headers=auth, json={"measurements": {"waist_cm": 40.00000000000001}}),
        app_client.post("/api/checkout", headers=auth),
    ]
    for pending in cases:
        resp = await pending
        body = await resp.json()
        assert resp.status == 422, body
        error = body["error"]
        assert error["code"] == "validation_error" and error["status"] == 422
        assert isinstance(error["details"], list) and error["details"]
        assert all({"loc", "msg", "type"} <= set(d) for d in error["details"])
        assert all("input" not in d for d in error["details"])  # submitted values are never echoed
    resp = await app_client.put("/api/profile", headers=auth, json={"measurements": {"height_cm": 9000}})
    assert (await resp.json())["error"]["details"][0]["loc"] == ["body", "measurements", "height_cm"]


async def test_shop_errors_map_to_statuses(app_client: TestClient, guest: tuple[str, int]) -> None:
    auth = bearer(guest[0])
    missing = await app_client.get("/api/products/999999999", headers=auth)
    assert (missing.status, (await missing.json())["error"]["code"]) == (404, "not_found")
    empty = await app_client.post("/api/checkout", headers={**auth, "Idempotency-Key": "empty-cart-0001"})
    assert (empty.status, (await empty.json())["error"]["code"]) == (409, "empty_cart")
