"""Checkout, reservations under concurrency, idempotency, cancel, state machine (offline provider)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from commerce.cart import add_item, get_cart
from commerce.models import Conflict, EmptyCart, NotFound, OrderStatus, OutOfStock
from commerce.orders import TRANSITIONS, cancel_order, check_transition, get_order, list_orders, place_order
from tests.shop.conftest import create_user, multi_size_product, set_stock


def test_state_machine_table() -> None:
    check_transition("created", "awaiting_payment")
    check_transition("awaiting_payment", "paid")
    check_transition("return_requested", "returned")
    for bad in [("paid", "cancelled"), ("refunded", "paid"), ("cancelled", "paid"), ("created", "refunded")]:
        with pytest.raises(Conflict):
            check_transition(*bad)
    assert set(TRANSITIONS) == set(OrderStatus)


async def _variant(pool: Any, variant_id: int) -> Any:
    return await pool.fetchrow("SELECT stock, reserved FROM product_variants WHERE id = $1", variant_id)


async def test_checkout_happy_path_offline(pool: Any, new_user: Any, offline: Any) -> None:
    user = await new_user()
    a = await multi_size_product(pool, offset=100)
    await set_stock(pool, a["variant_id"], 5)
    cart = await add_item(pool, user, a["id"], a["size_label"], 2)
    order = await place_order(pool, offline, user, "checkout-1")
    assert order.status == OrderStatus.awaiting_payment and order.payment_provider == "offline"
    price = await pool.fetchval("SELECT price_cents FROM products WHERE id = $1", a["id"])
    assert order.lines[0].unit_price_cents == price and order.total_cents == cart.total_cents
    assert order.total_cents == 2 * price + cart.shipping_cents
    assert dict(await _variant(pool, a["variant_id"])) == {"stock": 5, "reserved": 2}
    assert (await get_cart(pool, user)).lines == []
    again = await place_order(pool, offline, user, "checkout-1")
    assert again.id == order.id
    assert (await _variant(pool, a["variant_id"]))["reserved"] == 2
    assert [o.id for o in await list_orders(pool, user)] == [order.id]
    with pytest.raises(NotFound):
        await get_order(pool, await new_user(), order.id)
    with pytest.raises(EmptyCart):
        await place_order(pool, offline, user, "checkout-2")
    cancelled = await cancel_order(pool, offline, user, order.id)
    assert cancelled.status == OrderStatus.cancelled
    assert (await _variant(pool, a["variant_id"]))["reserved"] == 0
    with pytest.raises(Conflict):
        await cancel_order(pool, offline, user, order.id)


async def test_out_of_stock_at_checkout_changes_nothing(pool: Any, new_user: Any, offline: Any) -> None:
    user = await new_user()
    a = await multi_size_product(pool, offset=120)
    b = await multi_size_product(pool, offset=140)
    await add_item(pool, user, a["id"], a["size_label"], 1)
    await add_item(pool, user, b["id"], b["size_label"], 2)
    before_a = await _variant(pool, a["variant_id"])
    await set_stock(pool, b["variant_id"], 1)
    with pytest.raises(OutOfStock) as exc:
        await place_order(pool, offline, user, "k")
    assert b["name"] in exc.value.message
    assert await _variant(pool, a["variant_id"]) == before_a
    assert len((await get_cart(pool, user)).lines) == 2
    assert await pool.fetchval("SELECT count(*) FROM orders WHERE user_id = $1", user) == 0


async def test_concurrent_checkouts_never_oversell(pool: Any, offline: Any) -> None:
    rng = random.Random(7)
    variants = [await multi_size_product(pool, offset=200 + 17 * i) for i in range(6)]
    stock = {v["variant_id"]: rng.randint(1, 3) for v in variants}
    for v in variants:
        await set_stock(pool, v["variant_id"], stock[v["variant_id"]])
    users = [await create_user(pool) for _ in range(200)]
    wants = {u: rng.choice(variants) for u in users}
    for u, v in wants.items():  # every cart is valid when filled; checkout is the race
        await pool.execute("INSERT INTO carts (user_id) VALUES ($1)", u)
        await pool.execute(
            "INSERT INTO cart_items (cart_id, variant_id, quantity) "
            "SELECT id, $2, 1 FROM carts WHERE user_id = $1", u, v["variant_id"])
    results = await asyncio.gather(
        *(place_order(pool, offline, u, f"race-{u}") for u in users), return_exceptions=True)
    won: dict[int, int] = {}
    for u, result in zip(users, results, strict=True):
        if isinstance(result, BaseException):
            assert isinstance(result, OutOfStock), repr(result)
        else:
            won[wants[u]["variant_id"]] = won.get(wants[u]["variant_id"], 0) + 1
    for variant_id, units in stock.items():
        row = await _variant(pool, variant_id)
        assert row["reserved"] <= row["stock"] == units
        assert won.get(variant_id, 0) == units == row["reserved"]
    assert sum(isinstance(r, OutOfStock) for r in results) == 200 - sum(stock.values())


async def test_same_key_retried_concurrently_is_one_order(pool: Any, new_user: Any, offline: Any) -> None:
    user = await new_user()
    a = await multi_size_product(pool, offset=400)
    await add_item(pool, user, a["id"], a["size_label"], 1)
    orders = await asyncio.gather(*(place_order(pool, offline, user, "same-key") for _ in range(20)))
    assert len({o.id for o in orders}) == 1
    assert await pool.fetchval("SELECT count(*) FROM orders WHERE user_id = $1", user) == 1
    assert await pool.fetchval("SELECT count(*) FROM payments WHERE order_id = $1", orders[0].id) == 1
