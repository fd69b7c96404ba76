"""Fit reviews of kept items feed size advice (real Postgres, REST through the app)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from commerce.cart import add_item
from commerce.fit_reviews import review_fit
from commerce.models import NotFound
from commerce.orders import mark_paid, place_order
from commerce.shopper_advice import item_feedback, shopper_history, size_advice
from tests.api.conftest import bearer, new_guest
from tests.shop.conftest import set_stock


async def _top(pool: Any) -> Any:
    """A women's top in size M with several sizes (its advice uses the alpha size chart)."""
    return await pool.fetchrow(
        """SELECT p.id, v.id AS variant_id, v.size_label FROM products p
           JOIN product_variants v ON v.product_id = p.id AND v.size_label = 'M'
           WHERE p.category = 'tops' AND p.gender = 'women' AND cardinality(p.sizes_in_stock) >= 4
           ORDER BY p.id OFFSET 3 LIMIT 1""")


async def _buy(pool: Any, provider: Any, user: int, product: Any, key: str) -> None:
    await add_item(pool, user, product["id"], product["size_label"], 1)
    order = await place_order(pool, provider, user, key)
    async with pool.acquire() as conn, conn.transaction():
        assert await mark_paid(conn, order.id)


async def test_reviews_of_bought_items_teach_size_advice(pool: Any, new_user: Any, offline: Any) -> None:
    product = await _top(pool)
    await set_stock(pool, product["variant_id"], 50)
    before_counts = await item_feedback(pool, product["id"])
    before = await size_advice(pool, None, product["id"])
    with pytest.raises(NotFound):  # only what you bought
        await review_fit(pool, await new_user(), product["id"], "small")

    first = await new_user()
    await _buy(pool, offline, first, product, "review-0")
    review = await review_fit(pool, first, None, "small", category="tops")  # "the top I bought runs small"
    assert (review.product_id, review.size, review.fit) == (product["id"], "M", "small")
    with pytest.raises(NotFound):
        await review_fit(pool, first, None, "small", category="jeans")
    assert [p.fit for p in (await shopper_history(pool, first)).purchases] == ["small"]  # own history
    await review_fit(pool, first, product["id"], "fit")  # a new answer replaces the old one
    counts = await item_feedback(pool, product["id"])
    assert (counts.small, counts.fit) == (before_counts.small, before_counts.fit + 1)
    await review_fit(pool, first, product["id"], "small")

    for n in range(1, 15):
        user = await new_user()
        await _buy(pool, offline, user, product, f"review-{n}")
        await review_fit(pool, user, product["id"], "small")
    counts = await item_feedback(pool, product["id"])
    assert counts.small == before_counts.small + 15 and counts.fit == before_counts.fit
    after = await size_advice(pool, None, product["id"])
    assert before is not None and after is not None
    assert "item_feedback" in after.basis and "runs small" in after.reason
    assert after.size != before.size


async def test_fit_review_route(app_client: TestClient, pool: Any) -> None:
    token, user = await new_guest(app_client)
    product = await _top(pool)
    auth = bearer(token)
    body = {"product_id": product["id"], "fit": "large"}
    refused = await app_client.post("/api/reviews/fit", headers=auth, json=body)
    assert refused.status == 404 and (await refused.json())["error"]["code"] == "not_found"
    await set_stock(pool, product["variant_id"], 50)
    assert (await app_client.post("/api/cart/items", headers=auth, json={
        "product_id": product["id"], "size": "M", "quantity": 1})).status == 200
    placed = await app_client.post("/api/checkout", headers={**auth, "Idempotency-Key": f"fit-review-{user}"})
    async with pool.acquire() as conn, conn.transaction():
        await mark_paid(conn, (await placed.json())["id"])
    made = await app_client.post("/api/reviews/fit", headers=auth, json=body)
    made_body = await made.json()
    assert made.status == 201 and made_body["product_id"] == product["id"]
    assert (made_body["size"], made_body["fit"]) == ("M", "large")
    bad = await app_client.post("/api/reviews/fit", headers=auth, json={**body, "fit": "tight"})
    assert bad.status == 422
