"""Cart rules on the real catalog: sizes, stock, totals from DB prices."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.cart import add_item, get_cart, remove_item, set_quantity
from commerce.charges import FREE_SHIPPING_FROM_CENTS, SHIPPING_CENTS, shipping_for
from commerce.models import InvalidQuantity, InvalidSize, NotFound, OutOfStock
from tests.shop.conftest import multi_size_product, set_stock


def test_shipping_rule() -> None:
    assert shipping_for(0) == 0
    assert shipping_for(FREE_SHIPPING_FROM_CENTS - 1) == SHIPPING_CENTS
    assert shipping_for(FREE_SHIPPING_FROM_CENTS) == 0


async def test_unknown_product(pool: Any, new_user: Any) -> None:
    with pytest.raises(NotFound):
        await add_item(pool, await new_user(), 10**12, "M")


async def test_size_required_and_validated(pool: Any, new_user: Any) -> None:
    user = await new_user()
    product = await multi_size_product(pool, offset=3)
    with pytest.raises(InvalidSize) as missing:
        await add_item(pool, user, product["id"], None)
    assert product["size_label"] in missing.value.message
    with pytest.raises(InvalidSize) as wrong:
        await add_item(pool, user, product["id"], "XXXXL")
    assert product["size_label"] in wrong.value.message and wrong.value.details["sizes"]
    cart = await add_item(pool, user, product["id"], product["size_label"].lower())
    assert cart.lines[0].size == product["size_label"]


async def test_one_size_product_needs_no_size(pool: Any, new_user: Any) -> None:
    row = await pool.fetchrow(
        """SELECT product_id FROM product_variants GROUP BY product_id
           HAVING count(*) = 1 AND min(stock - reserved) > 0 ORDER BY product_id LIMIT 1""")
    cart = await add_item(pool, await new_user(), row["product_id"], None)
    assert cart.lines[0].quantity == 1


async def test_out_of_stock_counts_units_already_in_cart(pool: Any, new_user: Any) -> None:
    user = await new_user()
    product = await multi_size_product(pool, offset=5)
    await set_stock(pool, product["variant_id"], 2)
    with pytest.raises(OutOfStock):
        await add_item(pool, user, product["id"], product["size_label"], 3)
    await add_item(pool, user, product["id"], product["size_label"], 2)
    with pytest.raises(OutOfStock) as exc:
        await add_item(pool, user, product["id"], product["size_label"], 1)
    assert "only 2 left" in exc.value.message
    with pytest.raises(InvalidQuantity):
        await add_item(pool, user, product["id"], product["size_label"], 0)


async def test_totals_from_db_prices_and_quantity_changes(pool: Any, new_user: Any) -> None:
    user = await new_user()
    a = await multi_size_product(pool, offset=10)
    b = await multi_size_product(pool, offset=40)
    await add_item(pool, user, a["id"], a["size_label"], 2)
    cart = await add_item(pool, user, b["id"], b["size_label"], 1)
    prices = {r["id"]: r["price_cents"] for r in await pool.fetch(
        "SELECT id, price_cents FROM products WHERE id = ANY($1::bigint[])", [a["id"], b["id"]])}
    subtotal = 2 * prices[a["id"]] + prices[b["id"]]
    assert cart.subtotal_cents == subtotal
    assert cart.shipping_cents == shipping_for(subtotal)
    assert cart.tax_cents == 0 and cart.total_cents == subtotal + cart.shipping_cents
    cart = await set_quantity(pool, user, a["id"], a["size_label"], 1)
    assert cart.subtotal_cents == prices[a["id"]] + prices[b["id"]]
    cart = await set_quantity(pool, user, a["id"], a["size_label"], 0)
    assert [line.product_id for line in cart.lines] == [b["id"]]
    cart = await remove_item(pool, user, b["id"])
    assert cart.lines == [] and cart.total_cents == 0
    with pytest.raises(NotFound):
        await remove_item(pool, user, b["id"])
    assert (await get_cart(pool, user)).lines == []
