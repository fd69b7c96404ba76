"""DB glue for size advice (the served fit model, commerce.sizing.fit_advice) and return risk (commerce.return_risk).

Reads the shopper's measurements, their purchase/return history with fit feedback, the product's
fit feedback (overall and per size) and that of shoppers of similar build, calls the pure models,
and stores every return-risk prediction in ``return_predictions``.  The fit model is held by a
`FitModelStore`: a retrained artifact is picked up without a restart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg

from commerce.models import BodyMeasurements, NotFound, ReturnRisk, SizeAdvice
from commerce.profiles import get_profile
from commerce.return_risk import ReturnRiskFeatures, ReturnRiskModel
from commerce.return_risk.model import DEFAULT_MODEL_PATH
from commerce.sizing import (
    FitCounts,
    ItemFitFeedback,
    PastPurchase,
    ShopperFitHistory,
    SimilarBuildFeedback,
    advise_size,
    chart_for,
    size_system_for,
)
from commerce.sizing.fit_model import FitModelStore

SIMILAR_HEIGHT_CM = 5.0
SIMILAR_WEIGHT_KG = 7.0
BOUGHT = ("paid", "fulfilled", "return_requested", "returned", "refunded")


@lru_cache(maxsize=1)
def fit_models() -> FitModelStore:
    return FitModelStore()


_RISK: dict[str, Any] = {}


def risk_model() -> ReturnRiskModel:
    """The return-risk model, re-read when ``shepherd train returns`` rewrites its JSON (no restart)."""
    stat = DEFAULT_MODEL_PATH.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    if _RISK.get("stamp") != stamp:
        model = ReturnRiskModel.load(DEFAULT_MODEL_PATH)
        digest = hashlib.sha256(repr(sorted(model.to_dict().items())).encode()).hexdigest()[:12]
        _RISK.update(stamp=stamp, model=model, version=f"logreg-{digest}")
    return _RISK["model"]


def risk_model_version() -> str:
    risk_model()
    return str(_RISK["version"])


async def _product(pool: asyncpg.Pool, product_id: int) -> Any:
    row = await pool.fetchrow(
        """SELECT p.id, p.category, p.gender, p.price_cents, p.sizes_in_stock AS available
           FROM products p WHERE p.id = $1 AND p.active""",
        product_id,
    )
    if row is None:
        raise NotFound(f"No product {product_id}.", product_id=product_id)
    return row


async def shopper_history(pool: asyncpg.Pool, user_id: int, *, before: datetime | None = None) -> ShopperFitHistory:
    """Sizes the shopper bought, with their latest fit feedback and whether the item came back.

    ``before``: only what the shop knew then (orders, feedback and returns created earlier) —
    training rows for a past order (``training.shop_data``); None = now.
    """
    rows = await pool.fetch(
        """SELECT oi.size_label, p.category, p.gender,
                  (SELECT f.fit FROM fit_feedback f
                   WHERE f.user_id = o.user_id AND f.product_id = oi.product_id
                     AND ($3::timestamptz IS NULL OR f.created_at < $3)
                   ORDER BY f.created_at DESC LIMIT 1) AS fit,
                  EXISTS (SELECT 1 FROM returns r WHERE r.order_id = o.id AND r.status <> 'rejected'
                          AND (r.order_item_id IS NULL OR r.order_item_id = oi.id)
                          AND ($3::timestamptz IS NULL OR r.created_at < $3)) AS returned
           FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id
           WHERE o.user_id = $1 AND o.status = ANY($2::text[]) AND oi.size_label IS NOT NULL
             AND ($3::timestamptz IS NULL OR o.created_at < $3)
           ORDER BY o.created_at DESC LIMIT 100""",
        user_id, list(BOUGHT), before,
    )
    purchases = []
    for r in rows:
        system = size_system_for(r["category"], r["gender"])
        if system != "onesize":
            purchases.append(PastPurchase(size_system=system, size_label=r["size_label"], fit=r["fit"],
                                          returned=r["returned"], category=r["category"]))
    return ShopperFitHistory(purchases=purchases)


async def item_feedback(pool: asyncpg.Pool, product_id: int) -> ItemFitFeedback:
    """The product's fit reports, all sizes together."""
    return (await item_fit_reports(pool, product_id))[0]


async def item_fit_reports(pool: asyncpg.Pool, product_id: int, *, before: datetime | None = None
                           ) -> tuple[ItemFitFeedback, dict[str, FitCounts]]:
    """The product's fit reports (made before ``before`` when given): overall, and per size label."""
    rows = await pool.fetch("""SELECT size_label, fit, count(*) AS n FROM fit_feedback WHERE product_id = $1
                                 AND ($2::timestamptz IS NULL OR created_at < $2)
                               GROUP BY size_label, fit""", product_id, before)
    total = ItemFitFeedback()
    by_size: dict[str, FitCounts] = {}
    for r in rows:
        total = total.add(r["fit"], r["n"])
        by_size[r["size_label"]] = by_size.get(r["size_label"], FitCounts()).add(r["fit"], r["n"])
    return total, by_size


async def similar_build_feedback(pool: asyncpg.Pool, user_id: int, product_id: int, height: float | None,
                                 weight: float | None, *, before: datetime | None = None
                                 ) -> SimilarBuildFeedback | None:
    if height is None or weight is None:
        return None
    rows = await pool.fetch(
        """SELECT f.size_label, f.fit, count(*) AS n FROM fit_feedback f
           JOIN user_profiles u ON u.user_id = f.user_id
           WHERE f.product_id = $1 AND f.user_id <> $2
             AND abs(u.height_cm - $3) <= $5 AND abs(u.weight_kg - $4) <= $6
             AND ($7::timestamptz IS NULL OR f.created_at < $7)
           GROUP BY f.size_label, f.fit""",
        product_id, user_id, height, weight, SIMILAR_HEIGHT_CM, SIMILAR_WEIGHT_KG, before,
    )
    by_size: dict[str, FitCounts] = {}
    for r in rows:
        by_size[r["size_label"]] = by_size.get(r["size_label"], FitCounts()).add(r["fit"], r["n"])
    return SimilarBuildFeedback(by_size=by_size) if by_size else None


@dataclass(frozen=True)
class FitEvidence:
    """What the shop knows about a shopper and a product that the fit model reads."""

    measurements: BodyMeasurements | None
    shopper_history: ShopperFitHistory | None
    item_feedback: ItemFitFeedback
    item_feedback_by_size: dict[str, FitCounts]
    similar_build_feedback: SimilarBuildFeedback | None


async def fit_evidence(pool: asyncpg.Pool, user_id: int | None, product_id: int, *,
                       before: datetime | None = None) -> FitEvidence:
    """The evidence for size advice now, or as the shop knew it at ``before`` (training on past orders).

    The shopper's measurements are their current profile: profiles keep no history.
    """
    total, by_size = await item_fit_reports(pool, product_id, before=before)
    if user_id is None:
        return FitEvidence(None, None, total, by_size, None)
    body = (await get_profile(pool, user_id)).measurements
    return FitEvidence(
        measurements=body,
        shopper_history=await shopper_history(pool, user_id, before=before),
        item_feedback=total,
        item_feedback_by_size=by_size,
        similar_build_feedback=await similar_build_feedback(pool, user_id, product_id, body.height_cm,
                                                            body.weight_kg, before=before),
    )


async def size_advice(pool: asyncpg.Pool, user_id: int | None, product_id: int) -> SizeAdvice | None:
    """The size to buy for this shopper, or None for one-size products and products with no chart."""
    product = await _product(pool, product_id)
    chart = chart_for(product["category"], product["gender"])
    if chart is None or size_system_for(product["category"], product["gender"]) == "onesize":
        return None
    available = list(product["available"])
    if not available:
        return None
    evidence = await fit_evidence(pool, user_id, product_id)
    return advise_size(
        fit_models().get(), evidence.measurements, chart, available,
        category=product["category"],
        shopper_history=evidence.shopper_history,
        item_feedback=evidence.item_feedback,
        item_feedback_by_size=evidence.item_feedback_by_size,
        similar_build_feedback=evidence.similar_build_feedback,
    )


async def _risk_counts(pool: asyncpg.Pool, user_id: int, product_id: int, size: str | None,
                       before: datetime | None = None, order_id: int | None = None) -> Any:
    """Counts of the shopper's and the product's purchases, returns and reports (made before ``before``);
    other sizes of the product in the open cart, or in order ``order_id`` (the cart it was checked out from)."""
    return await pool.fetchrow(
        """SELECT
             (SELECT count(*) FROM order_items oi JOIN orders o ON o.id = oi.order_id
              WHERE o.user_id = $1 AND o.status = ANY($3::text[])
                AND ($5::timestamptz IS NULL OR o.created_at < $5)) AS shopper_purchases,
             (SELECT count(*) FROM returns WHERE user_id = $1
                AND ($5::timestamptz IS NULL OR created_at < $5)) AS shopper_returns,
             (SELECT count(*) FROM order_items oi JOIN orders o ON o.id = oi.order_id
              WHERE oi.product_id = $2 AND o.status = ANY($3::text[])
                AND ($5::timestamptz IS NULL OR o.created_at < $5)) AS item_purchases,
             (SELECT count(*) FROM returns r JOIN order_items oi ON oi.order_id = r.order_id
              WHERE oi.product_id = $2 AND (r.order_item_id IS NULL OR r.order_item_id = oi.id)
                AND ($5::timestamptz IS NULL OR r.created_at < $5)) AS item_returns,
             (SELECT count(*) FROM fit_feedback WHERE product_id = $2 AND fit = 'small'
                AND ($5::timestamptz IS NULL OR created_at < $5)) AS small_reports,
             (SELECT count(*) FROM fit_feedback WHERE product_id = $2 AND fit = 'large'
                AND ($5::timestamptz IS NULL OR created_at < $5)) AS large_reports,
             CASE WHEN $6::bigint IS NULL THEN
               (SELECT count(DISTINCT v.size_label) FROM carts c JOIN cart_items ci ON ci.cart_id = c.id
                JOIN product_variants v ON v.id = ci.variant_id
                WHERE c.user_id = $1 AND c.status = 'open' AND v.product_id = $2 AND v.size_label <> $4)
             ELSE
               (SELECT count(DISTINCT oi.size_label) FROM order_items oi
                WHERE oi.order_id = $6 AND oi.product_id = $2 AND oi.size_label <> $4)
             END AS other_sizes_in_cart""",
        user_id, product_id, list(BOUGHT), size or "", before, order_id,
    )


def fit_probability(advice: SizeAdvice | None, size: str | None) -> float | None:
    """The fit model's P(fit) for the size in the cart (the advised size's when none is chosen).

    The quantity the return model is trained on (`training.returns_training`): P(fit) of the
    size taken, not the confidence in the best size.
    """
    if advice is None:
        return None
    if size is not None and size in advice.fit_probabilities:
        return advice.fit_probabilities[size]
    return advice.confidence


async def return_risk(pool: asyncpg.Pool, user_id: int, product_id: int, size: str | None,
                      *, advice: SizeAdvice | None = None, record: bool = True) -> ReturnRisk:
    """Probability that this line comes back, with a mitigation; stored in ``return_predictions``."""
    product = await _product(pool, product_id)
    if advice is None:
        advice = await size_advice(pool, user_id, product_id)
    features = await return_risk_features(pool, user_id, product_id, product["category"], product["price_cents"],
                                          size, advice)
    risk = risk_model().predict(features)
    versions = risk_model_version() + (f"+{advice.model_version}" if advice and advice.model_version else "")
    risk = risk.model_copy(update={"model_version": versions})
    if record:
        await pool.execute(
            """INSERT INTO return_predictions (user_id, product_id, size_label, probability, features,
                                               model_version) VALUES ($1, $2, $3, $4, $5, $6)""",
            user_id, product_id, size, risk.probability, features.model_dump(mode="json"),
            versions,
        )
    return risk


async def return_risk_features(pool: asyncpg.Pool, user_id: int, product_id: int, category: str,
                               price_cents: int | None, size: str | None, advice: SizeAdvice | None, *,
                               before: datetime | None = None, order_id: int | None = None) -> ReturnRiskFeatures:
    """The return model's inputs for a line: now (a cart line), or as the shop knew them when order
    ``order_id`` was placed at ``before`` (training on the shop's past orders, ``training.shop_returns``)."""
    counts = await _risk_counts(pool, user_id, product_id, size, before, order_id)
    return ReturnRiskFeatures(
        size_confidence=fit_probability(advice, size),
        shopper_returns=counts["shopper_returns"],
        shopper_purchases=max(counts["shopper_purchases"], counts["shopper_returns"]),
        item_returns=counts["item_returns"],
        item_purchases=max(counts["item_purchases"], counts["item_returns"]),
        item_small_reports=counts["small_reports"],
        item_large_reports=counts["large_reports"],
        category=category,
        price_cents=price_cents,
        same_item_sizes_in_cart=1 + counts["other_sizes_in_cart"],
        chosen_size=size,
        advised_size=advice.size if advice else None,
    )
