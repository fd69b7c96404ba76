"""The shop's delivered order lines as return-model training rows (``shepherd train returns --shop``).

One row per bought line with a size whose order was shipped (or that came back): outcome 1 when
a return of it was requested and not rejected.  Inputs are the server's own
(`commerce.shopper_advice.return_risk_features`), as the shop knew them when the order was placed:
counts of earlier purchases, returns and fit reports, the other sizes of the product in that
order (the cart it was checked out from), and the fit model's P(fit) of the size bought, from
the size advice the served fit model gives on the evidence of that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
import numpy as np

from commerce.return_risk.features import columns_of
from commerce.shopper_advice import BOUGHT, fit_evidence, return_risk_features
from commerce.sizing import advise_size, chart_for, size_system_for
from commerce.sizing.fit_model import FitModel

LINES_SQL = """
SELECT oi.id AS order_item_id, o.id AS order_id, o.user_id, o.created_at AS ordered_at,
       oi.product_id, oi.size_label, p.category, p.gender, p.price_cents,
       EXISTS (SELECT 1 FROM returns r WHERE r.order_id = o.id AND r.status <> 'rejected'
               AND (r.order_item_id IS NULL OR r.order_item_id = oi.id)) AS returned
FROM orders o
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
WHERE o.status = ANY($1::text[]) AND oi.size_label IS NOT NULL
  AND (o.fulfilled_at IS NOT NULL OR o.status IN ('return_requested', 'returned', 'refunded'))
ORDER BY o.created_at, oi.id
"""
"""Bought lines with a size that reached the shopper (shipped, or on its way back)."""


@dataclass(frozen=True)
class ShopReturnRows:
    """Return-model columns (`commerce.return_risk.features.columns_of`, stacked) and outcomes."""

    order_item_ids: list[int]
    columns: dict[str, np.ndarray]
    returned: np.ndarray
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.order_item_ids)


def stack(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Column dicts one after the other."""
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]} if parts else {}


async def export_return_rows(pool: asyncpg.Pool, fit_model: FitModel) -> ShopReturnRows:
    """The shop's delivered sized lines: the inputs the server computed then, and whether each came back."""
    skipped = {"no_size_chart": 0}
    ids: list[int] = []
    parts: list[dict[str, np.ndarray]] = []
    outcomes: list[int] = []
    for line in await pool.fetch(LINES_SQL, list(BOUGHT)):
        chart = chart_for(line["category"], line["gender"])
        if chart is None or size_system_for(line["category"], line["gender"]) == "onesize":
            skipped["no_size_chart"] += 1
            continue
        evidence = await fit_evidence(pool, line["user_id"], line["product_id"], before=line["ordered_at"])
        advice = advise_size(
            fit_model, evidence.measurements, chart, chart.labels,
            category=line["category"],
            shopper_history=evidence.shopper_history,
            item_feedback=evidence.item_feedback,
            item_feedback_by_size=evidence.item_feedback_by_size,
            similar_build_feedback=evidence.similar_build_feedback,
        )
        features = await return_risk_features(
            pool, line["user_id"], line["product_id"], line["category"], line["price_cents"], line["size_label"],
            advice, before=line["ordered_at"], order_id=line["order_id"],
        )
        ids.append(line["order_item_id"])
        parts.append(columns_of(features))
        outcomes.append(int(line["returned"]))
    return ShopReturnRows(ids, stack(parts), np.array(outcomes, dtype=np.int64), skipped)
