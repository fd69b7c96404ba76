"""Feature matrix for the RTR fit model: measurements, sizes, categories and fit statistics.

Post-rental columns (``rating``, ``recommend``, ``review_*``) are deliberately left out: they
are written after the shopper has tried the garment, so a shop cannot know them when it
advises a size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commerce.sizing.fit_stats import STAT_NAMES, full_train_stats, out_of_fold_stats
from training.rtr import RtrTable, Split

BUST_LETTERS: tuple[str, ...] = ("aa", "a", "b", "c", "d", "dd", "d+", "e", "f", "g", "h", "i", "j")
N_OUT_OF_FOLD = 5

MEASUREMENT_FEATURES: tuple[str, ...] = ("size", "weight_lbs", "height_in", "age", "bust_size_num")
CATEGORICAL_FEATURES: tuple[str, ...] = ("category", "body_type", "rented_for")
STAT_GROUPS: tuple[str, ...] = ("user", "item", "item_size")


@dataclass(frozen=True)
class FitFeatures:
    """Feature matrices for the three parts of a split, with column names."""

    names: list[str]
    categorical: list[bool]
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def _category_codes(values: np.ndarray, train_rows: np.ndarray, min_count: int = 20) -> np.ndarray:
    """Integer codes for a text column; rare (< min_count in train) or empty values → NaN."""
    uniq, counts = np.unique(values[train_rows].astype(str), return_counts=True)
    kept = sorted(u for u, c in zip(uniq, counts, strict=True) if c >= min_count and u)
    index = {value: float(i) for i, value in enumerate(kept)}
    return np.array([index.get(v, np.nan) for v in values.astype(str)], dtype=np.float64)


def _group_keys(table: RtrTable) -> dict[str, np.ndarray]:
    size_text = np.char.mod("%g", table.numeric["size"])
    return {
        "user": table.text["user_id"].astype(str),
        "item": table.text["item_id"].astype(str),
        "item_size": np.char.add(np.char.add(table.text["item_id"].astype(str), "|"), size_text),
    }


def _base_columns(table: RtrTable, train_rows: np.ndarray) -> tuple[list[str], list[bool], np.ndarray]:
    letters = {letter: float(i) for i, letter in enumerate(BUST_LETTERS)}
    bust_letter = np.array([letters.get(v, np.nan) for v in table.text["bust_size_letter"]], dtype=np.float64)
    columns = [table.numeric[name] for name in MEASUREMENT_FEATURES] + [bust_letter]
    names = [*MEASUREMENT_FEATURES, "bust_letter"]
    categorical = [False] * len(names)
    for name in CATEGORICAL_FEATURES:
        columns.append(_category_codes(table.text[name], train_rows))
        names.append(name)
        categorical.append(True)
    return names, categorical, np.column_stack(columns)


def _stat_columns(stats: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Raw statistics plus the rented size relative to the group's mean and implied size."""
    mean_size = stats[:, STAT_NAMES.index("mean_size")]
    implied = stats[:, STAT_NAMES.index("implied_size")]
    return np.column_stack([stats, size - mean_size, size - implied])


def build_fit_features(table: RtrTable, split: Split, seed: int) -> FitFeatures:
    """Features for train (out-of-fold statistics) and validation / test (full-train statistics)."""
    names, categorical, base = _base_columns(table, split.train)
    keys = _group_keys(table)
    size = table.numeric["size"]
    labels_train = table.fit[split.train].astype(np.int64)
    parts: dict[str, list[np.ndarray]] = {"train": [base[split.train]], "validation": [], "test": []}
    parts["validation"].append(base[split.validation])
    parts["test"].append(base[split.test])
    for group in STAT_GROUPS:
        group_keys = keys[group]
        oof = out_of_fold_stats(group_keys[split.train], labels_train, size[split.train], N_OUT_OF_FOLD, seed)
        parts["train"].append(_stat_columns(oof, size[split.train]))
        for part, rows in (("validation", split.validation), ("test", split.test)):
            stats = full_train_stats(
                group_keys[split.train], labels_train, size[split.train], group_keys[rows]
            )
            parts[part].append(_stat_columns(stats, size[rows]))
        stat_names = [*STAT_NAMES, "size_minus_mean", "size_minus_implied"]
        names += [f"{group}_{stat}" for stat in stat_names]
        categorical += [False] * len(stat_names)
    return FitFeatures(
        names=names,
        categorical=categorical,
        train=np.hstack(parts["train"]),
        validation=np.hstack(parts["validation"]),
        test=np.hstack(parts["test"]),
    )
