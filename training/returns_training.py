"""Return-model inputs derived from RentTheRunway rentals ("fit ≠ fit" stands in for a return).

For every rental: the size confidence (the latent-size model's probability that the rented
size fits), the shopper's and the item's earlier rentals and fit problems, the item's small /
large reports and the garment group.  Training rows get out-of-fold values (their own label
is never used), validation / test rows values from the whole training split.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from commerce.returns.features import DESIGN_COLUMNS, category_group, design_matrix
from commerce.returns.model import ReturnRiskModel
from commerce.sizing.fit_stats import STAT_NAMES, full_train_stats, out_of_fold_stats
from training.latent_size import LatentSizeModel
from training.rtr import RtrTable, Split

N_FOLDS = 2
LATENT_L2 = 0.3
LATENT_STEPS = 200
SHOPPER_STRENGTH = 3.0
ITEM_STRENGTH = 10.0


def returned(table: RtrTable) -> np.ndarray:
    """The return proxy: 1 when the rental did not fit (small or large)."""
    return (table.fit != 1).astype(np.int64)


def _latent_fit_probability(table: RtrTable, fit_rows: np.ndarray, query_rows: np.ndarray) -> np.ndarray:
    def col(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            table.text["user_id"][rows].astype(str),
            table.text["item_id"][rows].astype(str),
            table.numeric["size"][rows],
        )

    model = LatentSizeModel(l2=LATENT_L2).fit(
        *col(fit_rows), table.fit[fit_rows].astype(np.int64), LATENT_STEPS
    )
    return model.predict_proba(*col(query_rows))[:, 1]


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


def rtr_return_columns(table: RtrTable, split: Split, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """Raw return-model columns for the train (out-of-fold), validation and test rows."""
    labels = table.fit[split.train].astype(np.int64)
    sizes = table.numeric["size"][split.train]
    keys = {"user": table.text["user_id"].astype(str), "item": table.text["item_id"].astype(str)}
    folds = np.random.default_rng(seed + 1).permutation(len(split.train)) % N_FOLDS
    train_conf = np.empty(len(split.train))
    for fold in range(N_FOLDS):
        held = folds == fold
        train_conf[held] = _latent_fit_probability(table, split.train[~held], split.train[held])
    out: dict[str, dict[str, np.ndarray]] = {}
    train_stats = {
        g: out_of_fold_stats(k[split.train], labels, sizes, 5, seed, smoothing=0.0) for g, k in keys.items()
    }
    out["train"] = _columns(table, split.train, train_stats, train_conf)
    held_rows = np.concatenate([split.validation, split.test])
    held_conf = _latent_fit_probability(table, split.train, held_rows)
    for part, rows, conf in (
        ("validation", split.validation, held_conf[: len(split.validation)]),
        ("test", split.test, held_conf[len(split.validation) :]),
    ):
        stats = {
            g: full_train_stats(k[split.train], labels, sizes, k[rows], smoothing=0.0)
            for g, k in keys.items()
        }
        out[part] = _columns(table, rows, stats, conf)
    return out


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
    columns: dict[str, np.ndarray], outcomes: np.ndarray, priors: dict[str, float], metadata: dict
) -> ReturnRiskModel:
    """Logistic regression (lightly L2-regularised) on the design matrix."""
    x = design_matrix(columns, priors)
    regression = LogisticRegression(C=1.0, max_iter=1000).fit(x, outcomes)
    return ReturnRiskModel(
        intercept=float(regression.intercept_[0]),
        coefficients={
            c: round(float(w), 6) for c, w in zip(DESIGN_COLUMNS, regression.coef_[0], strict=True)
        },
        priors=priors,
        metadata=metadata,
    )
