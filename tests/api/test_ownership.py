"""A shopper sees and changes only their own profile, cart, orders, returns and conversations."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient

from commerce.orders import mark_paid
from tests.api.conftest import bearer, new_guest
from voice_server.api import api_routes
from voice_server.conversation.context_store import TurnHistory

OWNED_PATH_PARAMS = {"order_id", "return_id", "conversation_id"}


async def in_stock_product(client: TestClient, auth: dict[str, str]) -> tuple[int, str]:
    body = await (await client.get("/api/products/search", headers=auth, params={"category": "tshirts",
                                                                                "limit": "10"})).json()
    card = next(p for p in body["products"] if p["sizes_available"])
    return card["id"], card["sizes_available"][0]


async def test_cross_user_access_is_not_found(app_client: TestClient, pool: object) -> None:
    a_token, a_id = await new_guest(app_client)
    b_token, b_id = await new_guest(app_client)
    a, b = bearer(a_token), bearer(b_token)

    # A: profile, an order (paid), a return, a conversation, and something left in the cart
    profile = {"measurements": {"height_cm": 171}}
    assert (await app_client.put("/api/profile", headers=a, json=profile)).status == 200
    product_id, size = await in_stock_product(app_client, a)
    item = {"product_id": product_id, "size": size, "quantity": 1}
    assert (await app_client.post("/api/cart/items", headers=a, json=item)).status == 200
    placed = await app_client.post("/api/checkout", headers={**a, "Idempotency-Key": f"own-key-{a_id}-1"})
    assert placed.status == 201, await placed.text()
    order = await placed.json()
    async with pool.acquire() as conn:  # type: ignore[attr-defined]
        await mark_paid(conn, order["id"])
    ret = await app_client.post("/api/returns", headers=a, json={"order_id": order["id"], "reason": "too big",
                                                                  "fit_feedback": "large"})
    assert ret.status == 201, await ret.text()
    return_id = (await ret.json())["id"]
    conversation_id = str(uuid.uuid4())
    await TurnHistory(pool).record(conversation_id, a_id, 0, "hi", "greeting", {}, "hello")  # type: ignore[arg-type]
    assert (await app_client.post("/api/cart/items", headers=a, json=item)).status == 200

    # B tries every per-user object of A's
    attempts = {
        ("GET", "/api/orders/{order_id}"): await app_client.get(f"/api/orders/{order['id']}", headers=b),
        ("POST", "/api/orders/{order_id}/cancel"): await app_client.post(f"/api/orders/{order['id']}/cancel",
                                                                         headers=b),
        ("GET", "/api/returns/{return_id}"): await app_client.get(f"/api/returns/{return_id}", headers=b),
        ("GET", "/api/voice/conversations/{conversation_id}/history"): await app_client.get(
            f"/api/voice/conversations/{conversation_id}/history", headers=b),
    }
    for key, resp in attempts.items():
        assert resp.status == 404, key
        assert (await resp.json())["error"]["code"] == "not_found"
    owned = {(r.method, r.path) for r in api_routes() if OWNED_PATH_PARAMS & set(r.path_params.model_fields
                                                                                  if r.path_params else ())}
    assert owned <= set(attempts), f"per-user routes without a cross-user test: {owned - set(attempts)}"

    steal = await app_client.post("/api/returns", headers=b, json={"order_id": order["id"], "reason": "x"})
    assert steal.status == 404
    assert await (await app_client.get("/api/orders", headers=b)).json() == []
    assert await (await app_client.get("/api/returns", headers=b)).json() == []
    assert (await (await app_client.get("/api/cart", headers=b)).json())["lines"] == []
    profile_b = await (await app_client.get("/api/profile", headers=b)).json()
    assert profile_b["user_id"] == b_id and profile_b["measurements"]["height_cm"] is None
    await app_client.delete(f"/api/cart/items/{product_id}", headers=b)  # only B's (empty) cart

    # A still owns everything, unchanged
    assert (await app_client.get(f"/api/orders/{order['id']}", headers=a)).status == 200
    mine = await (await app_client.get("/api/returns", headers=a)).json()
    assert [(r["id"], r["status"]) for r in mine] == [(return_id, "requested")]
    history = await (await app_client.get(f"/api/voice/conversations/{conversation_id}/history",
                                          headers=a)).json()
    assert [t["user_text"] for t in history] == ["hi"]
    assert len((await (await app_client.get("/api/cart", headers=a)).json())["lines"]) == 1
    profile_a = await (await app_client.get("/api/profile", headers=a)).json()
    assert profile_a["measurements"]["height_cm"] == 171
