"""The shop's own outcomes as fit-model training rows (``shepherd train fit --shop``).

One row per bought order line with a size and a known outcome (`training.shop_outcomes`): the
shopper, the product and the size bought, labelled small / fit / large.  Its inputs are the
served model's own: `commerce.shopper_advice.fit_evidence` reads what the shop knew when the
order was placed (orders, returns and fit reports created before it — never the line's own
outcome), and `commerce.sizing.fit_advice.shop_fit_columns` turns that evidence into the
`FitColumns` row the server would have scored for that size.  The shopper's measurements are
their current profile (profiles keep no history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import numpy as np

from commerce.models import FitLabel
from commerce.shopper_advice import BOUGHT, fit_evidence
from commerce.sizing import chart_for, size_system_for
from commerce.sizing.fit_advice import shop_fit_columns
from commerce.sizing.fit_inputs import CATEGORICAL_FEATURES, STAT_GROUPS, FitColumns
from training.rtr import FIT_CLASSES
from training.shop_outcomes import OutcomeSource, outcome_of

LINES_SQL = """
SELECT oi.id AS order_item_id, o.id AS order_id, o.user_id, o.created_at AS ordered_at,
       oi.product_id, oi.size_label, p.category, p.gender,
       r.id AS return_id, r.fit_feedback AS return_fit, r.reason AS return_reason,
       (SELECT f.fit FROM fit_feedback f
        WHERE f.source = 'review' AND f.user_id = o.user_id AND f.product_id = oi.product_id
          AND f.size_label = oi.size_label
          AND NOT EXISTS (SELECT 1 FROM orders o2 JOIN order_items oi2 ON oi2.order_id = o2.id
                          WHERE o2.user_id = o.user_id AND oi2.product_id = oi.product_id
                            AND oi2.size_label = oi.size_label AND o2.status = ANY($1::text[])
                            AND (o2.created_at, oi2.id) > (o.created_at, oi.id))) AS review_fit
FROM orders o
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
LEFT JOIN LATERAL (
    SELECT r.id, r.fit_feedback, r.reason FROM returns r
    WHERE r.order_id = o.id AND r.status <> 'rejected' AND (r.order_item_id IS NULL OR r.order_item_id = oi.id)
    ORDER BY r.created_at DESC, r.id DESC LIMIT 1) r ON true
WHERE o.status = ANY($1::text[]) AND oi.size_label IS NOT NULL
ORDER BY o.created_at, oi.id
"""
"""Every bought line with a size, its latest return (if any) and the review of its latest purchase."""


@dataclass(frozen=True)
class ShopOutcome:
    """One labelled order line."""

    order_item_id: int
    user_id: int
    product_id: int
    category: str
    size_label: str
    label: FitLabel
    source: OutcomeSource
    ordered_at: datetime


@dataclass(frozen=True)
class ShopFitRows:
    """The shop's training rows: what they are, their `FitColumns` and labels (index into FIT_CLASSES)."""

    outcomes: list[ShopOutcome]
    columns: FitColumns
    labels: np.ndarray
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.outcomes)


def empty_columns() -> FitColumns:
    return FitColumns(size=np.zeros(0), stats={g: np.zeros((0, 6)) for g in STAT_GROUPS})


def _field(columns: FitColumns, name: str) -> np.ndarray:
    if name == "bust_letter":
        value = columns.bust_letter
        return np.full(columns.n_rows, "", dtype=object) if value is None else np.asarray(value, dtype=object)
    return columns.numeric(name)


NUMERIC_FIELDS = ("weight_lbs", "height_in", "age", "bust_size_num", "bust_cm", "chart_size")


def concat_columns(parts: Sequence[FitColumns]) -> FitColumns:
    """Rows of several `FitColumns` one after the other (unknown fields become NaN / "")."""
    parts = [p for p in parts if p.n_rows] or [empty_columns()]

    def text(columns: FitColumns, name: str) -> np.ndarray:
        value = columns.text.get(name)
        return np.full(columns.n_rows, "", dtype=object) if value is None else np.asarray(value, dtype=object)

    return FitColumns(
        size=np.concatenate([p.numeric("size") for p in parts]),
        stats={g: np.concatenate([np.asarray(p.stats[g], dtype=np.float64) for p in parts]) for g in STAT_GROUPS},
        **{name: np.concatenate([_field(p, name) for p in parts]) for name in (*NUMERIC_FIELDS, "bust_letter")},
        text={name: np.concatenate([text(p, name) for p in parts]) for name in CATEGORICAL_FEATURES},
    )


def row_of(columns: FitColumns, index: int) -> FitColumns:
    """One row of `columns`, as `FitColumns`."""
    keep = slice(index, index + 1)
    return FitColumns(
        size=columns.numeric("size")[keep],
        stats={g: np.asarray(columns.stats[g])[keep] for g in STAT_GROUPS},
        **{name: _field(columns, name)[keep] for name in (*NUMERIC_FIELDS, "bust_letter")},
        text={name: np.asarray(v)[keep] for name, v in columns.text.items()},
    )


async def export_fit_rows(pool: asyncpg.Pool, class_prior: Sequence[float]) -> ShopFitRows:
    """The shop's labelled order lines as fit-model rows (statistics smoothed toward `class_prior`)."""
    prior = np.asarray(class_prior, dtype=np.float64)
    skipped = {"no_outcome": 0, "no_size_chart": 0, "size_not_on_chart": 0}
    outcomes: list[ShopOutcome] = []
    rows: list[FitColumns] = []
    for line in await pool.fetch(LINES_SQL, list(BOUGHT)):
        outcome = outcome_of(line["return_fit"], line["review_fit"], line["return_reason"])
        if outcome is None:
            skipped["no_outcome"] += 1
            continue
        chart = chart_for(line["category"], line["gender"])
        if chart is None or size_system_for(line["category"], line["gender"]) == "onesize":
            skipped["no_size_chart"] += 1
            continue
        evidence = await fit_evidence(pool, line["user_id"], line["product_id"], before=line["ordered_at"])
        sizes = shop_fit_columns(
            prior,
            evidence.measurements,
            chart,
            line["category"],
            evidence.shopper_history,
            evidence.item_feedback_by_size,
            evidence.item_feedback,
            evidence.similar_build_feedback,
        )
        if line["size_label"] not in sizes.labels:
            skipped["size_not_on_chart"] += 1
            continue
        rows.append(row_of(sizes.columns, sizes.labels.index(line["size_label"])))
        outcomes.append(ShopOutcome(
            order_item_id=line["order_item_id"], user_id=line["user_id"], product_id=line["product_id"],
            category=line["category"], size_label=line["size_label"], label=outcome.label,
            source=outcome.source, ordered_at=line["ordered_at"],
        ))
    labels = np.array([FIT_CLASSES.index(o.label) for o in outcomes], dtype=np.int64)
    return ShopFitRows(outcomes=outcomes, columns=concat_columns(rows), labels=labels, skipped=skipped)
