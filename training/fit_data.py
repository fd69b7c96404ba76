"""RentTheRunway rentals as `FitColumns`: the rows the served fit model is trained and scored on.

Statistics of the shopper, the item and the item-in-this-size come from other rentals only:
training rows get out-of-fold values (5 folds, a row's own label never enters them), validation
and test rows values from the whole training split — the way the server computes them from
the shop's past orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commerce.sizing.charts import WOMENS_DRESS
from commerce.sizing.fit_inputs import CATEGORICAL_FEATURES, STAT_GROUPS, FitColumns
from commerce.sizing.fit_stats import full_train_stats, out_of_fold_stats
from commerce.sizing.size_scale import body_code, bust_cm
from training.rtr import RtrTable, Split

N_OUT_OF_FOLD = 5
MIN_CATEGORY_COUNT = 20


@dataclass(frozen=True)
class FitParts:
    """`FitColumns` of the train / validation / test rows, the category vocabulary and class prior."""

    train: FitColumns
    validation: FitColumns
    test: FitColumns
    vocabulary: dict[str, list[str]]
    class_prior: list[float]


def vocabulary_of(table: RtrTable, rows: np.ndarray) -> dict[str, list[str]]:
    """Categories seen at least MIN_CATEGORY_COUNT times in `rows` (rarer ones become missing)."""
    out: dict[str, list[str]] = {}
    for name in CATEGORICAL_FEATURES:
        values, counts = np.unique(np.char.lower(table.text[name][rows].astype(str)), return_counts=True)
        out[name] = sorted(
            str(v) for v, c in zip(values, counts, strict=True) if c >= MIN_CATEGORY_COUNT and v
        )
    return out


def group_keys(table: RtrTable) -> dict[str, np.ndarray]:
    users = table.text["user_id"].astype(str)
    items = table.text["item_id"].astype(str)
    size_text = np.char.mod("%g", table.numeric["size"])
    return {"user": users, "item": items, "item_size": np.char.add(np.char.add(items, "|"), size_text)}


def columns_of(table: RtrTable, rows: np.ndarray, stats: dict[str, np.ndarray]) -> FitColumns:
    """Body, size, categories of the rentals `rows`, with the given group statistics."""
    band = table.numeric["bust_size_num"][rows]
    cups = table.text["bust_size_letter"][rows]
    bust = np.array([bust_cm(b, str(c)) for b, c in zip(band, cups, strict=True)])
    chart = np.array([body_code(WOMENS_DRESS, None if np.isnan(b) else float(b)) for b in bust])
    return FitColumns(
        size=table.numeric["size"][rows],
        stats=stats,
        weight_lbs=table.numeric["weight_lbs"][rows],
        height_in=table.numeric["height_in"][rows],
        age=table.numeric["age"][rows],
        bust_size_num=band,
        bust_letter=cups.astype(str),
        bust_cm=bust,
        chart_size=chart,
        text={name: table.text[name][rows].astype(str) for name in CATEGORICAL_FEATURES},
    )


def build_fit_parts(table: RtrTable, split: Split, seed: int) -> FitParts:
    """Columns for train (out-of-fold statistics) and validation / test (full-train statistics)."""
    keys = group_keys(table)
    size = table.numeric["size"]
    labels = table.fit[split.train].astype(np.int64)
    stats: dict[str, dict[str, np.ndarray]] = {"train": {}, "validation": {}, "test": {}}
    for group in STAT_GROUPS:
        k = keys[group]
        stats["train"][group] = out_of_fold_stats(
            k[split.train], labels, size[split.train], N_OUT_OF_FOLD, seed
        )
        for part, rows in (("validation", split.validation), ("test", split.test)):
            stats[part][group] = full_train_stats(k[split.train], labels, size[split.train], k[rows])
    prior = np.bincount(labels, minlength=3) / len(labels)
    return FitParts(
        train=columns_of(table, split.train, stats["train"]),
        validation=columns_of(table, split.validation, stats["validation"]),
        test=columns_of(table, split.test, stats["test"]),
        vocabulary=vocabulary_of(table, split.train),
        class_prior=[float(p) for p in prior],
    )
