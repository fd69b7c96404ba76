"""Fit reviews: a shopper says how something they bought fits; size advice learns from it.

Returns carry fit feedback too (``commerce.order_returns``); a review is the feedback of the
items that were kept. Only a product the shopper bought can be reviewed, in the size bought
(their latest purchase of it); one review per product and size, a new answer replacing the old,
so the counts size advice reads (``commerce.shopper_advice.item_feedback``, similar builds, the
shopper's own history) never count a shopper twice.
"""

from __future__ import annotations

import asyncpg

from commerce.models import FitLabel, FitReview, NotFound
from commerce.shopper_advice import BOUGHT


async def review_fit(pool: asyncpg.Pool, user_id: int, product_id: int | None, fit: FitLabel, *,
                     category: str | None = None) -> FitReview:
    """Record (or replace) the shopper's fit review of a product they bought.

    Without ``product_id`` (a spoken "the jeans I bought run small") it is the latest bought
    product, in ``category`` when given. NotFound when the shopper bought no such thing.
    """
    bought = await pool.fetchrow(
        """SELECT oi.product_id, oi.product_name, coalesce(oi.size_label, 'onesize') AS size
           FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id
           WHERE o.user_id = $1 AND o.status = ANY($2::text[])
             AND ($3::bigint IS NULL OR oi.product_id = $3) AND ($4::text IS NULL OR p.category = $4)
           ORDER BY o.created_at DESC, oi.id DESC LIMIT 1""",
        user_id, list(BOUGHT), product_id, category)
    if bought is None:
        raise NotFound("You can review the fit of something you bought.", product_id=product_id)
    await pool.execute(
        """INSERT INTO fit_feedback (user_id, product_id, size_label, fit, source) VALUES ($1, $2, $3, $4, 'review')
           ON CONFLICT (user_id, product_id, size_label) WHERE source = 'review'
           DO UPDATE SET fit = EXCLUDED.fit, created_at = now()""",
        user_id, bought["product_id"], bought["size"], fit)
    return FitReview(product_id=bought["product_id"], name=bought["product_name"], size=bought["size"], fit=fit)
