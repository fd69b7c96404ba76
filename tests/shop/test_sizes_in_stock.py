"""products.sizes_in_stock (migration 0006) stays exactly what product_variants says, through every
stock movement, and the size filter and cards follow it."""

from __future__ import annotations

import asyncio
from typing import Any

from commerce import inventory
from commerce.cart import add_item
from commerce.inventory import StockLine
from commerce.models import SearchFilters
from commerce.orders import place_order
from commerce.search import get_product, search_products
from tests.shop.conftest import create_user, multi_size_product, set_stock


async def _expected(pool: Any, product_id: int) -> list[str]:
    rows = await pool.fetch(
        """SELECT size_label FROM product_variants WHERE product_id = $1 AND stock > reserved
           ORDER BY sort_order, id""", product_id)
    return [r["size_label"] for r in rows]


async def _stored(pool: Any, product_id: int) -> list[str]:
    return list(await pool.fetchval("SELECT sizes_in_stock FROM products WHERE id = $1", product_id))


async def _assert_in_sync(pool: Any, product_id: int) -> list[str]:
    stored = await _stored(pool, product_id)
    assert stored == await _expected(pool, product_id)
    return stored


async def test_every_stock_movement_keeps_sizes_in_stock_exact(pool: Any) -> None:
    row = await multi_size_product(pool, offset=900)
    pid, vid, label = row["id"], row["variant_id"], row["size_label"]
    await set_stock(pool, vid, 1)
    assert label in await _assert_in_sync(pool, pid)
    line = [StockLine(vid, 1)]

    async def move(step: Any) -> list[str]:
        async with pool.acquire() as conn, conn.transaction():
            await inventory.lock_available(conn, [vid])
            await step(conn, line)
        return await _assert_in_sync(pool, pid)

    assert label not in await move(inventory.reserve)  # the last unit is held by an order
    assert label in await move(inventory.release)  # the order was cancelled
    await move(inventory.reserve)
    assert label not in await move(inventory.commit_sale)  # paid: sold out
    assert label in await move(inventory.restock)  # a refunded return put it back
    assert (await get_product(pool, pid)).sizes_available == await _expected(pool, pid)


async def test_inserted_deleted_and_reordered_variants(pool: Any) -> None:
    row = await multi_size_product(pool, offset=920)
    pid = row["id"]
    await pool.execute(
        """INSERT INTO product_variants (product_id, size_label, sku, stock, sort_order)
           VALUES ($1, 'XXXS-T', $2, 4, -1)""", pid, f"test-sizes-{pid}")
    assert (await _assert_in_sync(pool, pid))[0] == "XXXS-T"  # sort_order -1 comes first
    await pool.execute("UPDATE product_variants SET sort_order = 99 WHERE product_id = $1 AND size_label = 'XXXS-T'",
                       pid)
    assert (await _assert_in_sync(pool, pid))[-1] == "XXXS-T"
    await pool.execute("DELETE FROM product_variants WHERE product_id = $1 AND size_label = 'XXXS-T'", pid)
    assert "XXXS-T" not in await _assert_in_sync(pool, pid)


async def test_size_filter_follows_a_sell_out(pool: Any) -> None:
    row = await multi_size_product(pool, offset=940)
    card = await get_product(pool, row["id"])
    filters = SearchFilters(query=card.name, category=card.category, size=row["size_label"])
    await set_stock(pool, row["variant_id"], 2)
    assert row["id"] in {c.id for c in (await search_products(pool, filters, limit=50)).products}
    await set_stock(pool, row["variant_id"], 0)
    after = await search_products(pool, filters, limit=50)
    assert row["id"] not in {c.id for c in after.products} or "size" in after.relaxed
    await set_stock(pool, row["variant_id"], 2)


async def test_crossed_orders_flipping_the_same_products_do_not_deadlock(pool: Any, offline: Any) -> None:
    """Two shoppers each take the last unit of a different size of the same two products: both
    orders flip both products' sizes at once, so both take the product row locks."""
    for round_ in range(5):
        a = await multi_size_product(pool, offset=1000 + 60 * round_)
        b = await multi_size_product(pool, offset=1030 + 60 * round_)
        sizes = {}
        for product in (a, b):
            rows = await pool.fetch(
                "SELECT id, size_label FROM product_variants WHERE product_id = $1 ORDER BY id LIMIT 2", product["id"])
            for r in rows:
                await set_stock(pool, r["id"], 1)
            sizes[product["id"]] = [r["size_label"] for r in rows]
        first, second = await create_user(pool), await create_user(pool)
        await add_item(pool, first, a["id"], sizes[a["id"]][0], 1)
        await add_item(pool, first, b["id"], sizes[b["id"]][1], 1)
        await add_item(pool, second, b["id"], sizes[b["id"]][0], 1)
        await add_item(pool, second, a["id"], sizes[a["id"]][1], 1)
        orders = await asyncio.wait_for(asyncio.gather(
            place_order(pool, offline, first, f"cross-{round_}-1"),
            place_order(pool, offline, second, f"cross-{round_}-2"),
        ), timeout=30)
        assert all(o.id for o in orders)
        for product in (a, b):
            stored = await _assert_in_sync(pool, product["id"])
            assert not set(sizes[product["id"]]) & set(stored)
