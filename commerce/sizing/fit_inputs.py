"""The fit model's inputs: one feature function for the RTR benchmark, training and the server.

`FitColumns` holds what is known about (shopper, product, size) rows — body, size on the RTR
code scale (`commerce.sizing.size_scale`), garment category and the fit statistics of the
shopper, the product and the product in that size (`commerce.sizing.fit_stats`).  The benchmark
fills it from RentTheRunway rentals, the server from the shop's tables
(`commerce.sizing.fit_advice`); `feature_matrix` turns either into the model's matrix.

Post-rental RTR columns (``rating``, ``recommend``, ``review_*``) are never inputs: a shop
cannot know them when it advises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commerce.sizing.fit_stats import STAT_NAMES

BUST_LETTERS: tuple[str, ...] = ("aa", "a", "b", "c", "d", "dd", "d+", "e", "f", "g", "h", "i", "j")
STAT_GROUPS: tuple[str, ...] = ("user", "item", "item_size")
STAT_COLUMNS: tuple[str, ...] = (*STAT_NAMES, "size_minus_mean", "size_minus_implied", "size_minus_fit_size")
NUMERIC_FEATURES: tuple[str, ...] = (
    "size",
    "weight_lbs",
    "height_in",
    "age",
    "bust_size_num",
    "bust_letter",
    "bust_cm",
    "chart_size",
    "size_minus_chart",
)
CATEGORICAL_FEATURES: tuple[str, ...] = ("category", "body_type", "rented_for")
CROSS_FEATURES: tuple[str, ...] = ("size_minus_user_implied_item_adjusted", "user_implied_minus_chart")

SHOP_TO_RTR_CATEGORY: dict[str, str] = {
    "dresses": "dress",
    "ethnic_sets": "dress",
    "tops": "top",
    "tshirts": "top",
    "activewear": "top",
    "shirts": "shirt",
    "kurtas": "tunic",
    "sweaters": "sweater",
    "jackets": "jacket",
    "skirts": "skirt",
    "trousers": "pants",
    "jeans": "jeans",
    "shorts": "shorts",
    "nightwear": "dress",
}
"""Shop category → the RTR category whose fit behaviour it borrows (unknown → missing)."""


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


@dataclass(frozen=True)
class FitColumns:
    """Column arrays of n (shopper, product, size) rows; NaN / "" where unknown."""

    size: np.ndarray
    stats: dict[str, np.ndarray]  # group in STAT_GROUPS -> (n, len(STAT_NAMES))
    weight_lbs: np.ndarray | None = None
    height_in: np.ndarray | None = None
    age: np.ndarray | None = None
    bust_size_num: np.ndarray | None = None
    bust_letter: np.ndarray | None = None
    bust_cm: np.ndarray | None = None
    chart_size: np.ndarray | None = None
    text: dict[str, np.ndarray] = field(default_factory=dict)  # CATEGORICAL_FEATURES -> str arrays

    @property
    def n_rows(self) -> int:
        return int(self.size.shape[0])

    def numeric(self, name: str) -> np.ndarray:
        value = getattr(self, name)
        return _nan(self.n_rows) if value is None else np.asarray(value, dtype=np.float64)


def feature_names() -> list[str]:
    stats = [f"{g}_{s}" for g in STAT_GROUPS for s in STAT_COLUMNS]
    return [*NUMERIC_FEATURES, *CATEGORICAL_FEATURES, *stats, *CROSS_FEATURES]


def categorical_mask() -> list[bool]:
    return [name in CATEGORICAL_FEATURES for name in feature_names()]


def _codes(values: np.ndarray | None, vocabulary: list[str], n: int) -> np.ndarray:
    if values is None:
        return _nan(n)
    index = {value: float(i) for i, value in enumerate(vocabulary)}
    return np.array([index.get(str(v).strip().lower(), np.nan) for v in values], dtype=np.float64)


def feature_matrix(columns: FitColumns, vocabulary: dict[str, list[str]]) -> np.ndarray:
    """The model matrix (columns = `feature_names()`); categories coded by `vocabulary` (unknown → NaN)."""
    n = columns.n_rows
    size = columns.numeric("size")
    letters = {letter: float(i) for i, letter in enumerate(BUST_LETTERS)}
    bust_letter = (
        _nan(n)
        if columns.bust_letter is None
        else np.array([letters.get(str(v), np.nan) for v in columns.bust_letter], dtype=np.float64)
    )
    chart_size = columns.numeric("chart_size")
    parts = [
        size,
        columns.numeric("weight_lbs"),
        columns.numeric("height_in"),
        columns.numeric("age"),
        columns.numeric("bust_size_num"),
        bust_letter,
        columns.numeric("bust_cm"),
        chart_size,
        size - chart_size,
    ]
    parts += [_codes(columns.text.get(name), vocabulary.get(name, []), n) for name in CATEGORICAL_FEATURES]
    implied: dict[str, np.ndarray] = {}
    for group in STAT_GROUPS:
        stats = np.asarray(columns.stats[group], dtype=np.float64).reshape(n, len(STAT_NAMES))
        mean_size = stats[:, STAT_NAMES.index("mean_size")]
        implied[group] = stats[:, STAT_NAMES.index("implied_size")]
        fit_size = stats[:, STAT_NAMES.index("fit_size")]
        parts += [*stats.T, size - mean_size, size - implied[group], size - fit_size]
        if group == "item":
            item_offset = implied[group] - mean_size
    parts.append(size - implied["user"] - item_offset)
    parts.append(implied["user"] - chart_size)
    return np.column_stack(parts)
