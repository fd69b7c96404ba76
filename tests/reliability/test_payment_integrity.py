"""Payment integrity end to end over REST on the real Postgres (issue #8, payments).

Everything goes through the running app: ``/api/cart/items``, ``/api/checkout`` (Idempotency-Key),
``/api/orders/{id}/cancel`` and the real ``/api/webhooks/stripe`` route with properly signed (or
forged) bodies; charges and refunds are counted at the local fake Stripe
(tests/shop/fake_stripe.py) that the app's real Stripe SDK talks to.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.reliability.conftest import LiveServer, StartServer
from tests.reliability.faults_support import eventually, guest_token, serve
from tests.shop.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, event_body, sign

RACERS = 200


@dataclass
class Shop:
    server: LiveServer
    stripe: FakeStripe

    @property
    def client(self) -> TestClient:
        return self.server.client

    @property
    def pool(self) -> Any:
        return self.server.state.pool

    async def shopper(self) -> dict[str, str]:
        _, token = await guest_token(self.pool, self.server.settings.token_key())
        return {"Authorization": f"Bearer {token}"}

    async def add(self, auth: dict[str, str], variant: Any, quantity: int = 1, **extra: Any) -> Any:
        body = {"product_id": variant["product_id"], "size": variant["size_label"], "quantity": quantity}
        return await self.client.post("/api/cart/items", json={**body, **extra}, headers=auth)

    async def checkout(self, auth: dict[str, str], key: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        resp = await self.client.post("/api/checkout", headers={**auth, "Idempotency-Key": key}, **kwargs)
        return resp.status, await resp.json()

    async def webhook(self, body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        resp = await self.client.post("/api/webhooks/stripe", data=body, headers=headers)
        return resp.status, await resp.json()

    def intents_for(self, order_id: int) -> list[dict[str, Any]]:
        return [i for i in self.stripe.intents.values() if i["metadata"].get("order_id") == str(order_id)]

    async def order_row(self, order_id: int) -> Any:
        return await self.pool.fetchrow("SELECT status, total_cents FROM orders WHERE id = $1", order_id)

    async def stock(self, variant_id: int) -> tuple[int, int]:
        row = await self.pool.fetchrow("SELECT stock, reserved FROM product_variants WHERE id = $1", variant_id)
        return row["stock"], row["reserved"]


@pytest.fixture
async def shop(start_server: StartServer) -> AsyncIterator[Shop]:
    fake = FakeStripe()
    runner, url = await serve(fake.app())
    server = await start_server(stripe_secret_key=API_KEY, stripe_webhook_secret=WEBHOOK_SECRET,
                                stripe_api_base=url, rate_limit_per_minute=1_000_000)
    yield Shop(server, fake)
    await runner.cleanup()


async def _variants(pool: Any, count: int, offset: int) -> list[Any]:
    """``count`` distinct sized variants of distinct products, away from other suites' picks."""
    return list(await pool.fetch(
        """SELECT DISTINCT ON (p.id) p.id AS product_id, p.price_cents, v.id AS variant_id, v.size_label
           FROM products p JOIN product_variants v ON v.product_id = p.id
           WHERE v.size_label <> 'Onesize' AND v.stock - v.reserved >= 1
           ORDER BY p.id DESC, v.id LIMIT $1 OFFSET $2""", count, offset))


async def _set_stock(pool: Any, variant_id: int, stock: int) -> None:
    await pool.execute("UPDATE product_variants SET stock = $2, reserved = 0 WHERE id = $1", variant_id, stock)


def _signed(event_type: str, obj: dict[str, Any], event_id: str | None = None,
            secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, str]:
    body = event_body(event_type, obj, event_id)
    return body, sign(body, secret, at)


async def _placed(shop: Shop, variant: Any, key: str, stock: int = 5) -> tuple[dict[str, str], dict[str, Any]]:
    await _set_stock(shop.pool, variant["variant_id"], stock)
    auth = await shop.shopper()
    assert (await shop.add(auth, variant)).status == 200
    status, order = await shop.checkout(auth, key)
    assert status == 201, order
    return auth, order


# -- 200 concurrent checkouts of nearly sold-out items ------------------------------------------


async def test_concurrent_checkouts_never_oversell(shop: Shop) -> None:
    rng = random.Random(8)
    variants = await _variants(shop.pool, 6, 40)
    initial = {v["variant_id"]: rng.randint(1, 3) for v in variants}
    for v in variants:
        await _set_stock(shop.pool, v["variant_id"], initial[v["variant_id"]])
    shoppers = [await shop.shopper() for _ in range(RACERS)]
    wants = [rng.choice(variants) for _ in shoppers]
    added = await asyncio.gather(*(shop.add(a, v) for a, v in zip(shoppers, wants, strict=True)))
    assert all(r.status == 200 for r in added)  # every cart is valid: checkout is the race

    results = await asyncio.gather(
        *(shop.checkout(a, f"race-{i:04d}") for i, a in enumerate(shoppers)))
    won: dict[int, list[int]] = {}
    for (status, body), variant in zip(results, wants, strict=True):
        if status == 201:
            intents = shop.intents_for(body["id"])
            assert body["status"] == "awaiting_payment" and len(intents) == 1
            assert intents[0]["amount"] == body["total_cents"]
            won.setdefault(variant["variant_id"], []).append(body["id"])
        else:  # every loser is told clearly which item ran out
            assert status == 409 and body["error"]["code"] == "out_of_stock", body
            item = body["error"]["details"]["items"][0]
            assert item["variant_id"] == variant["variant_id"] and item["available"] == 0
            assert "sold out" in body["error"]["message"]
    for variant_id, units in initial.items():
        assert len(won.get(variant_id, [])) == units, "oversold or undersold"
        assert await shop.stock(variant_id) == (units, units)
    assert sum(s == 409 for s, _ in results) == RACERS - sum(initial.values())

    # every winner pays (webhooks concurrently, through the route): sold == initial, stock never < 0
    orders = [order_id for ids in won.values() for order_id in ids]
    signed = [_signed("payment_intent.succeeded", {**shop.intents_for(o)[0], "status": "succeeded"})
              for o in orders]
    acks = await asyncio.gather(*(shop.webhook(body, sig) for body, sig in signed))
    assert all(status == 200 and not ack["duplicate"] for status, ack in acks), acks
    for variant_id in initial:
        assert await shop.stock(variant_id) == (0, 0)
    assert {(await shop.order_row(o))["status"] for o in orders} == {"paid"}


# -- webhooks: duplicates, out of order, forged, stale ---------------------------------------------


async def test_duplicate_and_out_of_order_webhooks_change_state_once(shop: Shop) -> None:
    (variant,) = await _variants(shop.pool, 1, 10)
    _, order = await _placed(shop, variant, "hooks-0001", stock=4)
    intent = shop.intents_for(order["id"])[0]
    succeeded = _signed("payment_intent.succeeded", {**intent, "status": "succeeded"})
    failed_earlier = _signed("payment_intent.payment_failed",
                             {**intent, "last_payment_error": {"message": "Your card was declined."}})

    acks = await asyncio.gather(*(shop.webhook(*succeeded) for _ in range(10)))
    assert all(status == 200 for status, _ in acks)
    assert sorted(ack["duplicate"] for _, ack in acks) == [False] + [True] * 9
    assert await shop.stock(variant["variant_id"]) == (3, 0)  # sold exactly once
    # the same outcome again under a new event id, then an older failure arriving late
    status, ack = await shop.webhook(*_signed("payment_intent.succeeded", {**intent, "status": "succeeded"}))
    assert status == 200 and not ack["duplicate"]
    status, ack = await shop.webhook(*failed_earlier)
    assert status == 200
    assert (await shop.order_row(order["id"]))["status"] == "paid"
    assert await shop.pool.fetchval("SELECT status FROM payments WHERE order_id = $1", order["id"]) == "succeeded"
    assert await shop.stock(variant["variant_id"]) == (3, 0)


async def test_forged_and_stale_webhooks_are_rejected(shop: Shop) -> None:
    (variant,) = await _variants(shop.pool, 1, 20)
    _, order = await _placed(shop, variant, "forged-0001")
    intent = {**shop.intents_for(order["id"])[0], "status": "succeeded"}
    body, good = _signed("payment_intent.succeeded", intent, "evt_forgery_test_1")
    forged_secret = _signed("payment_intent.succeeded", intent, "evt_forgery_test_1", secret="whsec_attacker")
    stale = _signed("payment_intent.succeeded", intent, "evt_forgery_test_1", at=int(time.time()) - 600)
    tampered = body.replace(b'"status": "succeeded"', b'"status": "succeeded", "x": 1')
    assert tampered != body
    for attempt_body, signature in [forged_secret, stale, (tampered, good), (body, None), (body, "t=1,v1=00")]:
        status, error = await shop.webhook(attempt_body, signature)
        assert status == 400 and error["error"]["code"] == "invalid_webhook", (status, error)
    assert await shop.pool.fetchval("SELECT count(*) FROM webhook_events WHERE id = 'evt_forgery_test_1'") == 0
    assert (await shop.order_row(order["id"]))["status"] == "awaiting_payment"
    status, ack = await shop.webhook(body, good)  # the genuine one still works
    assert status == 200 and not ack["duplicate"]
    assert (await shop.order_row(order["id"]))["status"] == "paid"


# -- idempotent retries and server-side prices ---------------------------------------------------------


async def test_client_retries_with_one_key_charge_once(shop: Shop) -> None:
    (variant,) = await _variants(shop.pool, 1, 30)
    await _set_stock(shop.pool, variant["variant_id"], 5)
    auth = await shop.shopper()
    assert (await shop.add(auth, variant, 2)).status == 200
    concurrent = await asyncio.gather(*(shop.checkout(auth, "retry-key-001") for _ in range(10)))
    sequential = [await shop.checkout(auth, "retry-key-001") for _ in range(3)]
    ids = {body["id"] for status, body in concurrent + sequential if status == 201}
    assert all(status == 201 for status, _ in concurrent + sequential) and len(ids) == 1
    order_id = ids.pop()
    assert len(shop.intents_for(order_id)) == 1, "charged more than once"
    assert await shop.pool.fetchval("SELECT count(*) FROM payments WHERE order_id = $1", order_id) == 1
    assert await shop.stock(variant["variant_id"]) == (5, 2)
    keys = {key for method, path, key in shop.stripe.requests if path == "/v1/payment_intents"
            and key and key.endswith("-retry-key-001")}
    assert len(keys) == 1  # every provider call carried the same idempotency key


async def test_totals_come_only_from_server_prices(shop: Shop) -> None:
    (variant,) = await _variants(shop.pool, 1, 50)
    await _set_stock(shop.pool, variant["variant_id"], 5)
    auth = await shop.shopper()
    for extra in ({"unit_price_cents": 1}, {"price": 0.01}, {"total_cents": 1}):
        resp = await shop.add(auth, variant, 1, **extra)
        assert resp.status == 422, await resp.text()  # a client-sent price is rejected, not used
    assert (await shop.add(auth, variant, 2)).status == 200
    cart = await (await shop.client.get("/api/cart", headers=auth)).json()
    # the price changes between the cart and the checkout: the order uses the server's price now
    original = variant["price_cents"]
    new_price = original + 1234
    await shop.pool.execute("UPDATE products SET price_cents = $2 WHERE id = $1", variant["product_id"], new_price)
    try:
        status, order = await shop.checkout(auth, "server-price-1",
                                            json={"total_cents": 1, "amount": 1, "unit_price_cents": 1})
    finally:
        await shop.pool.execute("UPDATE products SET price_cents = $2 WHERE id = $1",
                                variant["product_id"], original)
    assert status == 201, order
    assert order["lines"][0]["unit_price_cents"] == new_price
    assert cart["lines"][0]["unit_price_cents"] == original and order["total_cents"] > cart["total_cents"]
    (intent,) = shop.intents_for(order["id"])
    assert intent["amount"] == order["total_cents"]
    stored = await shop.pool.fetchrow(
        "SELECT subtotal_cents, shipping_cents, tax_cents, total_cents FROM orders WHERE id = $1", order["id"])
    assert stored["subtotal_cents"] == 2 * new_price
    assert stored["total_cents"] == stored["subtotal_cents"] + stored["shipping_cents"] + stored["tax_cents"]
    assert stored["total_cents"] == order["total_cents"]
    paid = await shop.pool.fetchval("SELECT amount_cents FROM payments WHERE order_id = $1", order["id"])
    assert paid == order["total_cents"]


# -- a payment that succeeds after its order was cancelled is refunded ------------------------------


async def test_payment_succeeding_after_cancel_is_refunded_once(shop: Shop) -> None:
    (variant,) = await _variants(shop.pool, 1, 60)
    auth, order = await _placed(shop, variant, "cancel-race-1", stock=3)
    intent = shop.intents_for(order["id"])[0]
    resp = await shop.client.post(f"/api/orders/{order['id']}/cancel", headers=auth)
    assert resp.status == 200 and (await resp.json())["status"] == "cancelled"
    assert await shop.stock(variant["variant_id"]) == (3, 0)

    succeeded = _signed("payment_intent.succeeded", {**intent, "status": "succeeded"})
    for _ in range(2):  # a duplicate delivery must not refund twice
        status, _ack = await shop.webhook(*succeeded)
        assert status == 200
    status, _ack = await shop.webhook(*_signed("payment_intent.succeeded", {**intent, "status": "succeeded"}))
    assert status == 200

    def refunds() -> list[dict[str, Any]]:
        return [r for r in shop.stripe.refunds.values() if r["payment_intent"] == intent["id"]]

    await eventually(lambda: bool(refunds()), 30, "the automatic refund")
    await asyncio.sleep(0.5)
    assert len(refunds()) == 1 and refunds()[0]["amount"] == order["total_cents"]
    assert (await shop.order_row(order["id"]))["status"] in ("cancelled", "refunded")
    assert await shop.stock(variant["variant_id"]) == (3, 0)  # nothing was sold
    payment = await shop.pool.fetchval("SELECT status FROM payments WHERE order_id = $1", order["id"])
    assert payment in ("refunded", "succeeded"), payment
