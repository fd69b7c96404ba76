"""Postgres stopped for real during checkout (issue #8, faults).

A private embedded Postgres (own data dir, a small catalog) serves an app whose payments go to the
local fake Stripe. The server is stopped before a checkout, in the middle of the checkout
transaction, and between the order commit and the payment update. Each time the shopper gets the
typed, retryable ``503 store_unavailable``; after a restart, retrying with the same
Idempotency-Key yields exactly one order and one payment (one PaymentIntent at Stripe), nothing
half-written, stock reserved exactly once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from commerce.db import store_available
from commerce.models import StoreUnavailable
from tests.conftest import make_settings
from tests.reliability.faults_support import eventually, guest_token, serve
from tests.shop.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe
from voice_server.app import create_app
from voice_server.platform.app_state import APP_STATE
from voice_server.platform.embedded import EmbeddedValkey, start_postgres, stop_postgres

pytestmark = pytest.mark.integration  # each test runs on a private Postgres it starts and stops

CATALOG = [
    {"external_id": f"fault-{i}", "name": f"Fault Test Dress {i}", "brand": "Roadster", "gender": "women",
     "category": "dresses", "colour": "black", "price_usd": f"{39 + i}.50", "sizes": {"S": 5, "M": 5, "L": 5}}
    for i in range(4)
]


class StoppingStripe(FakeStripe):
    """The fake Stripe, able to run an action (stop Postgres) when a PaymentIntent is created."""

    on_create: Any = None

    async def _create_intent(self, request: web.Request) -> web.Response:
        action, self.on_create = self.on_create, None
        if action is not None:
            await action()
        return await super()._create_intent(request)


@dataclass
class PrivateShop:
    client: TestClient
    state_dir: Path
    dsn: str
    stripe: StoppingStripe

    @property
    def pool(self) -> Any:
        return self.client.server.app[APP_STATE].pool

    async def stop_db(self) -> None:
        await asyncio.to_thread(stop_postgres, self.state_dir)

    async def start_db(self) -> None:
        await asyncio.to_thread(start_postgres, self.state_dir, "shepherd")

    async def shopper(self, product: int, size: str, quantity: int) -> tuple[int, dict[str, str]]:
        key = self.client.server.app[APP_STATE].settings.token_key()
        user, token = await guest_token(self.pool, key)
        auth = {"Authorization": f"Bearer {token}"}
        resp = await self.client.post("/api/cart/items", json={"product_id": product, "size": size,
                                                                "quantity": quantity}, headers=auth)
        assert resp.status == 200, await resp.text()
        return user, auth

    async def checkout(self, auth: dict[str, str], key: str) -> tuple[int, dict[str, Any]]:
        resp = await self.client.post("/api/checkout", headers={**auth, "Idempotency-Key": key})
        body = await resp.json()
        if resp.status == 503:
            assert resp.headers.get("Retry-After"), "a 503 must say when to retry"
        return resp.status, body


@pytest.fixture(scope="module")
async def shop(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrivateShop]:
    state_dir = tmp_path_factory.mktemp("pg-fault")
    catalog = state_dir / "catalog.jsonl"
    catalog.write_text("\n".join(json.dumps(row) for row in CATALOG) + "\n")
    fake = StoppingStripe()
    runner, stripe_url = await serve(fake.app())
    settings = make_settings(state_dir, catalog_file=catalog, stripe_secret_key=API_KEY,
                             stripe_webhook_secret=WEBHOOK_SECRET, stripe_api_base=stripe_url)
    client = TestClient(TestServer(create_app(settings, speech=False), host="127.0.0.1"))
    await client.start_server()
    dsn = client.server.app[APP_STATE].backends.database_dsn
    try:
        yield PrivateShop(client, state_dir, dsn, fake)
    finally:
        await client.close()
        await runner.cleanup()
        EmbeddedValkey(state_dir).stop()
        await asyncio.to_thread(stop_postgres, state_dir)


async def _variant(shop: PrivateShop, index: int) -> Any:
    return await shop.pool.fetchrow(
        """SELECT p.id AS product_id, v.id AS variant_id, v.size_label, v.stock, v.reserved
           FROM products p JOIN product_variants v ON v.product_id = p.id
           WHERE p.external_id = $1 AND v.size_label = 'M'""", f"fault-{index}")


async def _assert_one_order(shop: PrivateShop, user: int, body: dict[str, Any], variant: Any,
                            quantity: int) -> None:
    pool = shop.pool
    assert await pool.fetchval("SELECT count(*) FROM orders WHERE user_id = $1", user) == 1
    assert await pool.fetchval("SELECT count(*) FROM payments WHERE order_id = $1", body["id"]) == 1
    assert await pool.fetchval("SELECT count(*) FROM order_items WHERE order_id = $1", body["id"]) == 1
    intents = [i for i in shop.stripe.intents.values() if i["metadata"]["order_id"] == str(body["id"])]
    assert len(intents) == 1, "charged more than once"
    assert body["status"] == "awaiting_payment" and body["client_secret"] == intents[0]["client_secret"]
    row = await pool.fetchrow("SELECT stock, reserved FROM product_variants WHERE id = $1", variant["variant_id"])
    assert dict(row) == {"stock": variant["stock"], "reserved": variant["reserved"] + quantity}


async def test_postgres_down_before_checkout(shop: PrivateShop) -> None:
    variant = await _variant(shop, 0)
    user, auth = await shop.shopper(variant["product_id"], "M", 2)
    await shop.stop_db()
    try:
        status, body = await shop.checkout(auth, "pg-down-0001")
        assert status == 503 and body["error"]["code"] == "store_unavailable", body
        assert body["error"]["details"]["retryable"] is True
    finally:
        await shop.start_db()
    status, body = await shop.checkout(auth, "pg-down-0001")
    assert status == 201, body
    await _assert_one_order(shop, user, body, variant, 2)
    status, again = await shop.checkout(auth, "pg-down-0001")
    assert status == 201 and again["id"] == body["id"]
    await _assert_one_order(shop, user, body, variant, 2)


async def test_postgres_stopped_inside_the_checkout_transaction(shop: PrivateShop) -> None:
    variant = await _variant(shop, 1)
    user, auth = await shop.shopper(variant["product_id"], "M", 1)
    # hold the shopper's row: checkout opens its transaction, locks stock rows later, and waits here
    blocker = await asyncpg.connect(shop.dsn)
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user)
    attempt = asyncio.ensure_future(shop.checkout(auth, "pg-mid-tx-01"))
    try:
        await eventually(lambda: _waiting_on_lock(blocker), 60, "checkout waiting inside its transaction")
        await shop.stop_db()
        status, body = await asyncio.wait_for(attempt, 60)
        assert status == 503 and body["error"]["code"] == "store_unavailable", body
    finally:
        blocker.terminate()
        await shop.start_db()
    assert await shop.pool.fetchval("SELECT count(*) FROM orders WHERE user_id = $1", user) == 0
    after = await _variant(shop, 1)
    assert (after["stock"], after["reserved"]) == (variant["stock"], variant["reserved"]), "half-written"
    status, body = await shop.checkout(auth, "pg-mid-tx-01")
    assert status == 201, body
    await _assert_one_order(shop, user, body, variant, 1)


async def test_a_connection_closed_under_a_protocol_error_is_unavailability() -> None:
    """The race the test above can hit: the server stops between two statements, asyncpg reports a
    protocol state error first, then the transaction finds its connection closed on exit."""
    closed = asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the underlying connection is closed")
    closed.__context__ = asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress")
    with pytest.raises(StoreUnavailable) as caught:
        async with store_available():
            raise closed
    assert caught.value.details == {"retryable": True, "cause": "InterfaceError"}
    with pytest.raises(asyncpg.InterfaceError):  # a connection used after release is a bug, not an outage
        async with store_available():
            raise asyncpg.InterfaceError("cannot call Connection.fetch(): connection has been released back to the pool")


async def test_postgres_stopped_between_order_and_payment(shop: PrivateShop) -> None:
    variant = await _variant(shop, 2)
    user, auth = await shop.shopper(variant["product_id"], "M", 1)
    shop.stripe.on_create = shop.stop_db  # the order is committed; Stripe is being asked to charge
    try:
        status, body = await shop.checkout(auth, "pg-mid-pay-1")
        assert status == 503 and body["error"]["code"] == "store_unavailable", body
    finally:
        await shop.start_db()
    order = await shop.pool.fetchrow("SELECT id, status FROM orders WHERE user_id = $1", user)
    assert order is not None and order["status"] == "created"  # kept, awaiting the retry
    status, body = await shop.checkout(auth, "pg-mid-pay-1")
    assert status == 201 and body["id"] == order["id"], body
    await _assert_one_order(shop, user, body, variant, 1)
    calls = [key for method, path, key in shop.stripe.requests if path == "/v1/payment_intents"
             and key == f"shepherd-order-{user}-pg-mid-pay-1"]
    assert len(calls) == 2  # asked twice with one idempotency key: Stripe replayed, one charge


async def _waiting_on_lock(blocker: asyncpg.Connection) -> bool:
    """Whether another backend waits for a lock ``blocker`` holds.

    Inside a transaction Postgres reads pg_stat_activity once and keeps that snapshot, so each
    poll clears it (without that, a first poll made before the checkout arrived, as happens on a
    busy machine, was repeated for the whole wait); the lock graph itself is read live.
    """
    await blocker.execute("SELECT pg_stat_clear_snapshot()")
    waiting = await blocker.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
    return bool(waiting)
