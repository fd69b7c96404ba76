"""Profiles merge, size advice / return risk DB glue, and the PostgresShop adapter."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.models import BodyMeasurements, Conflict, EmptyCart, SearchFilters
from commerce.profiles import get_profile, update_profile
from commerce.shopper_advice import return_risk, size_advice
from tests.shop.conftest import multi_size_product
from voice_server.conversation.postgres_shop import PostgresShop


async def test_profile_merges(pool: Any, new_user: Any) -> None:
    user = await new_user()
    assert (await get_profile(pool, user)).preferences == {}
    await update_profile(pool, user, BodyMeasurements(height_cm=180, chest_cm=100), {"brands": ["Roadster"]})
    profile = await update_profile(pool, user, BodyMeasurements(waist_cm=84), {"colours": ["black"]})
    assert profile.measurements.height_cm == 180 and profile.measurements.waist_cm == 84
    assert profile.preferences == {"brands": ["Roadster"], "colours": ["black"]}
    assert await get_profile(pool, user) == profile


async def _mens_tshirt(pool: Any) -> int:
    return await pool.fetchval(
        """SELECT p.id FROM products p WHERE p.category = 'tshirts' AND p.gender = 'men'
           AND (SELECT count(*) FROM product_variants v
                WHERE v.product_id = p.id AND v.stock > v.reserved) >= 5
           ORDER BY p.id LIMIT 1""")


async def test_size_advice_uses_measurements(pool: Any, new_user: Any) -> None:
    product = await _mens_tshirt(pool)
    small, big = await new_user(), await new_user()
    await update_profile(pool, small, BodyMeasurements(chest_cm=86, height_cm=165), None)
    await update_profile(pool, big, BodyMeasurements(chest_cm=118, height_cm=190), None)
    a, b = await size_advice(pool, small, product), await size_advice(pool, big, product)
    assert a is not None and b is not None
    order = ["XS", "S", "M", "L", "XL", "XXL"]
    assert order.index(a.size) < order.index(b.size)
    bag = await pool.fetchval("SELECT id FROM products WHERE category = 'bags' LIMIT 1")
    assert await size_advice(pool, small, bag) is None


async def test_return_risk_is_stored(pool: Any, new_user: Any) -> None:
    product = await _mens_tshirt(pool)
    user = await new_user()
    await update_profile(pool, user, BodyMeasurements(chest_cm=96), None)
    advice = await size_advice(pool, user, product)
    assert advice is not None
    wrong = "XS" if advice.size != "XS" else "XXL"
    good_risk = await return_risk(pool, user, product, advice.size)
    bad_risk = await return_risk(pool, user, product, wrong)
    assert 0 <= good_risk.probability <= 1 and bad_risk.safer_size == advice.size
    rows = await pool.fetch(
        "SELECT size_label, model_version FROM return_predictions WHERE user_id = $1", user)
    assert sorted(r["size_label"] for r in rows) == sorted([advice.size, wrong])


async def test_adapter_enriches_top_three_and_guards(pool: Any, new_user: Any, offline: Any) -> None:
    shop = PostgresShop(pool, offline)
    user = await new_user()
    tshirts = SearchFilters(category="tshirts", gender="men")
    plain = await shop.search(tshirts, user_id=user, limit=5, offset=0)
    assert len(plain.products) == 5 and all(c.recommended_size is None for c in plain.products)
    await shop.update_profile(user, BodyMeasurements(chest_cm=100, height_cm=178), None)
    result = await shop.search(tshirts, user_id=user, limit=5, offset=0)
    assert len(result.products) == 5
    assert all(c.recommended_size and c.return_risk for c in result.products[:3])
    assert all(c.recommended_size is None for c in result.products[3:])
    with pytest.raises(EmptyCart):
        await shop.quote_checkout(user)
    with pytest.raises(Conflict):
        await shop.add_to_cart(None, result.products[0].id, "M", 1)
    assert (await shop.get_cart(None)).lines == []
    item = await multi_size_product(pool, offset=700)
    await shop.add_to_cart(user, item["id"], item["size_label"], 1)
    quote = await shop.quote_checkout(user)
    order = await shop.place_order(user, "adapter-1")
    assert order.total_cents == quote.total_cents
    assert [o.id for o in await shop.order_status(user, None)] == [order.id]
    assert (await shop.order_status(user, order.id))[0].status == "awaiting_payment"
