"""Who may do what, on the live server: tokens, ownership of every per-shopper route, rate limits,
security headers, and the websocket's own authentication.

Builds on tests/api (test_auth_required.py: every protected route × missing/expired/tampered/alg=none/
wrong-type tokens; test_ownership.py: another shopper's ids answer 404; test_middlewares.py: rate limit,
CORS, headers). Here: the token kinds those miss (wrong key, wrong audience, foreign issuer) on every
route and on the websocket; the websocket's full bad-token matrix; a route table enumerated from the live
OpenAPI document so that a new route without an ownership probe fails; a concurrent flood.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import pytest
from aiohttp import ClientResponse
from cryptography.hazmat.primitives.asymmetric import rsa

from commerce.auth import sign_state
from commerce.orders import mark_paid
from tests.reliability.conftest import LiveServer, Mint, OpenVoice, Shopper, StartServer, sign_up
from voice_server.api import api_routes
from voice_server.api.middleware import SECURITY_HEADERS
from voice_server.api.rate_limit import FixedWindowLimiter
from voice_server.conversation.context_store import TurnHistory
from voice_server.platform.app_state import APP_STATE

# ---------------------------------------------------------------------------- bad tokens


def claims(user_id: int = 1, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": str(user_id), "kind": "guest", "sid": "s", "iat": now, "exp": now + 600, "typ": "access",
            **over}


def bad_token(kind: str, key: bytes, mint: Mint, user_id: int) -> str | None:
    """A token that must be refused, of the given kind (None: no token at all)."""
    match kind:
        case "missing":
            return None
        case "garbage":
            return "not-a-token"
        case "expired":
            return mint(user_id, ttl_s=5, now=time.time() - 60)
        case "tampered":
            header, _, signature = mint(user_id).split(".")
            other = jwt.encode(claims(user_id + 1), key, algorithm="HS256").split(".")[1]
            return f"{header}.{other}.{signature}"
        case "alg_none":
            return jwt.encode(claims(user_id), None, algorithm="none")
        case "wrong_type":
            return mint(user_id, typ="resume")
        case "other_key":
            return jwt.encode(claims(user_id), b"x" * 48, algorithm="HS256")
        case "wrong_audience":  # our key, but meant for someone else
            return jwt.encode(claims(user_id, aud="https://other.example"), key, algorithm="HS256")
        case "login_state":  # the WorkOS sign-in `state`: our key, its own audience
            return sign_state(key, "nonce")
        case "foreign_issuer":  # e.g. an identity provider's own RS256 access token
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return jwt.encode(claims(user_id, iss="https://api.workos.com"), private, algorithm="RS256")
        case "non_numeric_subject":  # our key, but not one of our user ids
            return jwt.encode({**claims(user_id), "sub": "admin"}, key, algorithm="HS256")
    raise AssertionError(kind)


BAD_KINDS = ["missing", "garbage", "expired", "tampered", "alg_none", "wrong_type", "other_key",
             "wrong_audience", "login_state", "foreign_issuer", "non_numeric_subject"]
NEW_KINDS = ["other_key", "wrong_audience", "login_state", "foreign_issuer", "non_numeric_subject"]
PROTECTED = [r for r in api_routes() if not r.public]
SAMPLE_PATH = {"conversation_id": str(uuid.uuid4())}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH.get(m.group(1), "1"), path)


async def test_rest_refuses_tokens_of_other_keys_audiences_and_issuers(live: LiveServer, mint: Mint,
                                                                       shopper: Shopper) -> None:
    """The kinds tests/api/test_auth_required.py does not cover, on every protected route."""
    key = live.token_key()
    tokens = {kind: bad_token(kind, key, mint, shopper.user_id) for kind in NEW_KINDS}
    for route in PROTECTED:
        for kind, token in tokens.items():
            resp = await live.client.request(route.method, concrete(route.path),
                                             headers={"Authorization": f"Bearer {token}"},
                                             json={} if route.method in {"POST", "PUT", "PATCH"} else None)
            body = await resp.json()
            assert resp.status == 401, (route.path, kind, body)
            assert body["error"]["code"] == "invalid_token", (route.path, kind)


@pytest.mark.parametrize("kind", BAD_KINDS)
@pytest.mark.parametrize("where", ["hello", "header"])
async def test_websocket_refuses_bad_tokens_4401(live: LiveServer, mint: Mint, voice: OpenVoice,
                                                 shopper: Shopper, kind: str, where: str) -> None:
    token = bad_token(kind, live.token_key(), mint, shopper.user_id)
    if where == "header":
        client = await voice(headers={"Authorization": f"Bearer {token}"} if token else {})
        await client.send(type="hello")
    else:
        client = await voice()
        await client.send(type="hello", token=token)
    error = await client.wait_for("error")
    assert (error["code"], error["fatal"], error["close_code"]) == ("unauthorized", True, 4401)
    assert await client.wait_closed() == 4401
    assert not client.messages("ready")


async def test_websocket_resume_tokens_cannot_cross_users(live: LiveServer, mint: Mint, voice: OpenVoice,
                                                          shopper: Shopper, other_shopper: Shopper) -> None:
    a = await voice()
    ready = await a.hello(shopper.token)
    await a.send(type="bye")
    await a.wait_closed()
    conversation = ready["conversation_id"]

    attempts = [
        # A's resume token with B's access token
        {"resume_token": ready["resume_token"], "token": other_shopper.token},
        # a validly signed resume token for B naming A's conversation: ownership is checked, not just the signature
        {"resume_token": mint(other_shopper.user_id, typ="resume", conversation_id=conversation)},
        # an access token offered as a resume token
        {"resume_token": other_shopper.token},
    ]
    for fields in attempts:
        client = await voice()
        await client.send(type="hello", **fields)
        error = await client.wait_for("error")
        assert (error["code"], error["close_code"]) == ("unauthorized", 4401), fields
        assert await client.wait_closed() == 4401
    # A's own resume token still works
    again = await voice()
    await again.send(type="hello", resume_token=ready["resume_token"])
    assert (await again.wait_for("ready"))["conversation_id"] == conversation


async def test_cross_origin_websocket_gets_nothing_without_a_token(voice: OpenVoice, shopper: Shopper) -> None:
    """No Origin check is promised: the socket authenticates by the token in `hello`, never by cookies,
    so a page on another origin can open the socket but cannot act as a shopper without their token."""
    evil = {"Origin": "https://evil.example.net"}
    stranger = await voice(headers=evil)
    await stranger.send(type="text", text="show me my cart")
    assert (await stranger.wait_for("error"))["code"] == "message_before_hello"
    assert await stranger.wait_closed() == 4400  # anything but hello first closes the socket
    stranger = await voice(headers=evil)
    await stranger.send(type="hello")
    assert (await stranger.wait_for("error", code="unauthorized"))["close_code"] == 4401
    assert await stranger.wait_closed() == 4401
    embedded = await voice(headers=evil)  # the widget embedded on a shop's site, with its token
    assert (await embedded.hello(shopper.token))["type"] == "ready"


# ---------------------------------------------------------------------------- ownership, every route

Probe = Callable[[LiveServer, Shopper, dict[str, Any]], Awaitable[ClientResponse]]


def _req(method: str, path: str, **kw: Any) -> Probe:
    """B calls `path` (formatted with A's ids) with B's token."""
    async def probe(live: LiveServer, b: Shopper, a_world: dict[str, Any]) -> ClientResponse:
        extra = dict(kw)
        if callable(extra.get("json")):
            extra["json"] = extra["json"](a_world)
        headers = {**b.auth, **extra.pop("headers", {})}
        if callable(headers.get("Idempotency-Key")):
            headers["Idempotency-Key"] = headers["Idempotency-Key"](a_world)
        return await live.client.request(method, path.format(**a_world), headers=headers, **extra)
    return probe


# Every route of the API, classified. `owned`: B names A's object → 404. `self`: acts on the caller's own
# data only. `catalog`: the same for everyone. `public`: no token (tested elsewhere).
ROUTE_PROBES: dict[tuple[str, str], tuple[str, Probe | None]] = {
    ("POST", "/api/auth/guest"): ("public", None),
    ("GET", "/api/auth/authorize"): ("public", None),
    ("GET", "/api/auth/callback"): ("public", None),
    ("POST", "/api/webhooks/stripe"): ("public", None),
    ("GET", "/api/products/{product_id}"): ("catalog", _req("GET", "/api/products/{product_id}")),
    ("GET", "/api/products/{product_id}/similar"): ("catalog", _req("GET", "/api/products/{product_id}/similar")),
    ("GET", "/api/auth/me"): ("self", _req("GET", "/api/auth/me")),
    ("GET", "/api/products/search"): ("self", _req("GET", "/api/products/search", params={"category": "tshirts"})),
    ("GET", "/api/recommendations"): ("self", _req("GET", "/api/recommendations")),
    ("POST", "/api/size/predict"): ("self", _req("POST", "/api/size/predict",
                                                 json=lambda w: {"product_id": w["product_id"]})),
    ("POST", "/api/returns/risk"): ("self", _req("POST", "/api/returns/risk",
                                                 json=lambda w: {"product_id": w["product_id"], "size": w["size"]})),
    ("POST", "/api/reviews/fit"): ("self", _req("POST", "/api/reviews/fit",  # B never bought it: 404
                                                json=lambda w: {"product_id": w["product_id"], "fit": "large"})),
    ("GET", "/api/profile"): ("self", _req("GET", "/api/profile")),
    ("PUT", "/api/profile"): ("self", _req("PUT", "/api/profile", json={"measurements": {"height_cm": 150}})),
    ("GET", "/api/cart"): ("self", _req("GET", "/api/cart")),
    ("POST", "/api/checkout"): ("self", _req("POST", "/api/checkout",  # A's idempotency key: B's own order
                                             headers={"Idempotency-Key": lambda w: w["idempotency_key"]})),
    ("POST", "/api/cart/items"): ("self", _req("POST", "/api/cart/items", json=lambda w: {
        "product_id": w["product_id"], "size": w["size"], "quantity": 1})),
    ("PATCH", "/api/cart/items"): ("self", _req("PATCH", "/api/cart/items", json=lambda w: {
        "product_id": w["product_id"], "size": w["size"], "quantity": 0})),
    ("DELETE", "/api/cart/items/{product_id}"): ("self", _req("DELETE", "/api/cart/items/{product_id}")),
    ("GET", "/api/orders"): ("self", _req("GET", "/api/orders")),
    ("POST", "/api/returns"): ("self", _req("POST", "/api/returns", json={"reason": "changed my mind"})),
    ("GET", "/api/orders/{order_id}"): ("owned", _req("GET", "/api/orders/{order_id}")),
    ("POST", "/api/orders/{order_id}/cancel"): ("owned", _req("POST", "/api/orders/{order_id}/cancel")),
    ("GET", "/api/returns"): ("self", _req("GET", "/api/returns")),
    ("GET", "/api/returns/{return_id}"): ("owned", _req("GET", "/api/returns/{return_id}")),
    ("GET", "/api/voice/conversations/{conversation_id}/history"): (
        "owned", _req("GET", "/api/voice/conversations/{conversation_id}/history")),
}


async def test_every_documented_route_is_classified(live: LiveServer) -> None:
    """Enumerated from the live OpenAPI document: a new route fails here until it gets a probe."""
    doc = await (await live.client.get("/openapi.json")).json()
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops
                  if path.startswith("/api/")}
    assert documented == set(ROUTE_PROBES), documented ^ set(ROUTE_PROBES)
    public = {k for k, (cls, _) in ROUTE_PROBES.items() if cls == "public"}
    assert public == {(r.method, r.path) for r in api_routes() if r.public}


def _mentions(value: Any, key: str, forbidden: Any) -> bool:
    if isinstance(value, dict):
        return value.get(key) == forbidden or any(_mentions(v, key, forbidden) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, key, forbidden) for v in value)
    return False


async def a_world(live: LiveServer, a: Shopper, pool: Any) -> dict[str, Any]:
    """A's profile, paid order, return, conversation and a line left in the cart."""
    c = live.client
    assert (await c.put("/api/profile", headers=a.auth, json={"measurements": {"height_cm": 171}})).status == 200
    search = await (await c.get("/api/products/search", headers=a.auth,
                                params={"category": "tshirts", "limit": "10"})).json()
    card = next(p for p in search["products"] if p["sizes_available"])
    item = {"product_id": card["id"], "size": card["sizes_available"][0], "quantity": 1}
    # other tests of the session share this catalog and may have sold it down: A, then B, need units
    await pool.execute("UPDATE product_variants SET stock = reserved + 10 WHERE product_id = $1 AND size_label = $2",
                       card["id"], item["size"])
    assert (await c.post("/api/cart/items", headers=a.auth, json=item)).status == 200
    key = f"shared-key-{uuid.uuid4().hex[:12]}"
    placed = await c.post("/api/checkout", headers={**a.auth, "Idempotency-Key": key})
    assert placed.status == 201, await placed.text()
    order = await placed.json()
    async with pool.acquire() as conn:
        await mark_paid(conn, order["id"])
    ret = await c.post("/api/returns", headers=a.auth, json={"order_id": order["id"], "reason": "too big"})
    assert ret.status == 201, await ret.text()
    conversation_id = str(uuid.uuid4())
    await TurnHistory(pool).record(conversation_id, a.user_id, 0, "hi", "greeting", {}, "hello")
    assert (await c.post("/api/cart/items", headers=a.auth, json=item)).status == 200
    return {"product_id": card["id"], "size": item["size"], "order_id": order["id"],
            "return_id": (await ret.json())["id"], "conversation_id": conversation_id,
            "idempotency_key": key}


async def snapshot(live: LiveServer, a: Shopper, world: dict[str, Any]) -> dict[str, Any]:
    c = live.client
    return {
        "profile": (await (await c.get("/api/profile", headers=a.auth)).json())["measurements"],
        "cart": [(ln["product_id"], ln["size"], ln["quantity"])
                 for ln in (await (await c.get("/api/cart", headers=a.auth)).json())["lines"]],
        "order": (await (await c.get(f"/api/orders/{world['order_id']}", headers=a.auth)).json())["status"],
        "orders": [o["id"] for o in await (await c.get("/api/orders", headers=a.auth)).json()],
        "returns": [(r["id"], r["status"]) for r in await (await c.get("/api/returns", headers=a.auth)).json()],
        "history": await (await c.get(f"/api/voice/conversations/{world['conversation_id']}/history",
                                      headers=a.auth)).json(),
    }


async def test_no_route_lets_b_read_or_change_a(live: LiveServer, pool: Any, shopper: Shopper,
                                                other_shopper: Shopper) -> None:
    a, b = shopper, other_shopper
    world = await a_world(live, a, pool)
    before = await snapshot(live, a, world)
    # B also has something in the cart, so B's checkout with A's idempotency key creates B's own order
    assert (await live.client.post("/api/cart/items", headers=b.auth, json={
        "product_id": world["product_id"], "size": world["size"], "quantity": 1})).status == 200
    for route, (cls, probe) in ROUTE_PROBES.items():
        if probe is None:
            continue
        resp = await probe(live, b, world)
        body = await resp.json()
        assert resp.status < 500, (route, body)
        assert not _mentions(body, "user_id", a.user_id), (route, body)
        if cls == "owned":
            assert resp.status == 404 and body["error"]["code"] == "not_found", (route, body)
        else:
            assert not (route[1].startswith("/api/orders") or route == ("POST", "/api/checkout")) or \
                not _mentions(body, "id", world["order_id"]), (route, body)
    assert await snapshot(live, a, world) == before
    b_orders = await (await live.client.get("/api/orders", headers=b.auth)).json()
    assert world["order_id"] not in [o["id"] for o in b_orders] and all(o["user_id"] == b.user_id
                                                                         for o in b_orders if "user_id" in o)


# ---------------------------------------------------------------------------- rate limits, headers


async def test_concurrent_flood_gets_429_and_spares_others(start_server: StartServer) -> None:
    server = await start_server(rate_limit_per_minute=1000)
    flooder, other = await sign_up(server.client), await sign_up(server.client)
    state = server.app[APP_STATE]
    prefix = f"rl-flood-{uuid.uuid4().hex[:8]}"
    state.services.rate_limiter = FixedWindowLimiter(state.valkey, limit=20, window_s=30, prefix=prefix)
    flood = await asyncio.gather(*(server.client.get("/api/cart", headers=flooder.auth) for _ in range(60)))
    statuses = sorted(r.status for r in flood)
    assert statuses.count(200) == 20 and statuses.count(429) == 40, statuses
    for resp in flood:
        if resp.status == 429:
            assert 1 <= int(resp.headers["Retry-After"]) <= 30
            assert (await resp.json())["error"]["code"] == "rate_limited"
    spared = await asyncio.gather(*(server.client.get("/api/cart", headers=other.auth) for _ in range(10)))
    assert [r.status for r in spared] == [200] * 10


async def test_security_headers_on_every_route(live: LiveServer, shopper: Shopper) -> None:
    """Every GET resource of the app router (REST, health, metrics, widget), plus errors and refusals."""
    paths = set()
    for resource in live.app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter") or (str(info.get("prefix", "")) + "/")
        if any(r.method in ("GET", "*") for r in resource):
            paths.add(concrete(path))
    assert {"/healthz", "/api/cart", "/openapi.json"} <= paths
    responses = [await live.client.get(path, headers=shopper.auth) for path in sorted(paths)]
    responses += [
        await live.client.get("/api/cart"),  # 401
        await live.client.get("/no/such/page"),  # 404
        await live.client.post("/healthz"),  # 405
        await live.client.post("/api/cart/items", headers=shopper.auth, data=b"{nope"),  # 422
        await live.client.get("/ws/voice"),  # not an upgrade
    ]
    for resp in responses:
        for name, value in SECURITY_HEADERS.items():
            assert resp.headers.get(name) == value, (resp.url.path, resp.status, name)
        assert resp.headers.get("X-Request-Id"), resp.url.path
