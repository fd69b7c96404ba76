"""Return-model inputs derived from RentTheRunway rentals ("fit ≠ fit" stands in for a return).

For every rental: the size confidence (the served fit model's P(fit) for the rented size —
the same quantity the server passes for the size in the cart), the shopper's and the item's
earlier rentals and fit problems, the item's small / large reports and the garment group.
The fit model is trained on the train split, so the logistic return model is fitted on the
validation split (honest P(fit)) and scored on the test split; counts come from the train split.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from commerce.return_risk.features import DESIGN_COLUMNS, category_group, design_matrix
from commerce.return_risk.model import ReturnRiskModel
from commerce.sizing.fit_model import SHIPPED_MODEL, FitModel, load_fit_model
from commerce.sizing.fit_stats import STAT_NAMES, full_train_stats
from training.fit_data import FitParts
from training.fit_training import export_fit_model, train_trees
from training.rtr import RtrTable, Split

SHOPPER_STRENGTH = 3.0
ITEM_STRENGTH = 10.0
FIT = 1


def returned(table: RtrTable) -> np.ndarray:
    """The return proxy: 1 when the rental did not fit (small or large)."""
    return (table.fit != FIT).astype(np.int64)


def _columns(table: RtrTable, rows: np.ndarray, stats: dict[str, np.ndarray], confidence: np.ndarray) -> dict:
    count, small, large = (STAT_NAMES.index(n) for n in ("count", "share_small", "share_large"))
    user, item = stats["user"], stats["item"]
    return {
        "size_confidence": confidence,
        "shopper_purchases": user[:, count],
        "shopper_returns": np.nan_to_num(user[:, count] * (user[:, small] + user[:, large])),
        "item_purchases": item[:, count],
        "item_returns": np.nan_to_num(item[:, count] * (item[:, small] + item[:, large])),
        "item_small_reports": np.nan_to_num(item[:, count] * item[:, small]),
        "item_large_reports": np.nan_to_num(item[:, count] * item[:, large]),
        "category_group": np.array([category_group(c) for c in table.text["category"][rows]]),
    }


def rtr_return_columns(
    table: RtrTable, split: Split, parts: FitParts, fit_model: FitModel
) -> dict[str, dict[str, np.ndarray]]:
    """Raw return-model columns of the validation and test rentals.

    The size confidence is the served fit model's P(fit) for the rented size — what the server
    passes for the size in the cart (`commerce.shopper_advice.fit_probability`).  Counts come from the
    training rentals, as the server counts the shop's past orders.
    """
    labels = table.fit[split.train].astype(np.int64)
    sizes = table.numeric["size"][split.train]
    keys = {"user": table.text["user_id"].astype(str), "item": table.text["item_id"].astype(str)}
    out: dict[str, dict[str, np.ndarray]] = {}
    for part, rows in (("validation", split.validation), ("test", split.test)):
        stats = {
            g: full_train_stats(k[split.train], labels, sizes, k[rows], smoothing=0.0)
            for g, k in keys.items()
        }
        confidence = fit_model.predict(getattr(parts, part))[:, FIT]
        out[part] = _columns(table, rows, stats, confidence)
    return out


def served_fit_model(table: RtrTable, split: Split, parts: FitParts, seed: int, data_name: str) -> FitModel:
    """The shipped fit model when it was trained on this data and split, else one trained the same way."""
    if SHIPPED_MODEL.exists():
        shipped = load_fit_model(SHIPPED_MODEL)
        m = shipped.manifest
        if (
            m.get("seed") == seed
            and m.get("n_train") == len(split.train)
            and str(m.get("trained_on", "")).startswith(data_name)
        ):
            return shipped
    y = table.fit.astype(np.int64)
    trees = train_trees(
        parts.train, y[split.train], parts.validation, y[split.validation], parts.vocabulary, seed
    )
    with tempfile.TemporaryDirectory() as tmp:
        metadata = {"trained_on": f"{data_name}: train split of seed {seed}", "seed": seed}
        return export_fit_model(
            trees, Path(tmp) / "fit-model.json", parts.vocabulary, parts.class_prior, metadata
        )


def priors_from(table: RtrTable, rows: np.ndarray) -> dict[str, float]:
    """Return rate and small / large shares of the training rentals, plus shrinkage strengths."""
    fit = table.fit[rows]
    return {
        "return_rate": float(np.mean(fit != 1)),
        "small_share": float(np.mean(fit == 0)),
        "large_share": float(np.mean(fit == 2)),
        "shopper_strength": SHOPPER_STRENGTH,
        "item_strength": ITEM_STRENGTH,
    }


def fit_return_model(
    columns: dict[str, np.ndarray],
    outcomes: np.ndarray,
    priors: dict[str, float],
    metadata: dict,
    sample_weight: np.ndarray | None = None,
) -> ReturnRiskModel:
    """Logistic regression (lightly L2-regularised) on the design matrix (rows weighted by `sample_weight`)."""
    x = design_matrix(columns, priors)
    regression = LogisticRegression(C=1.0, max_iter=1000).fit(x, outcomes, sample_weight=sample_weight)
    return ReturnRiskModel(
        intercept=float(regression.intercept_[0]),
        coefficients={
            c: round(float(w), 6) for c, w in zip(DESIGN_COLUMNS, regression.coef_[0], strict=True)
        },
        priors=priors,
        metadata=metadata,
    )
