"""Loading and splitting the RentTheRunway fit data (Misra, Wan, McAuley, RecSys 2018).

The CSV columns are: fit, user_id, item_id, weight_lbs, rating, rented_for, body_type,
category, size, age, review_date, bust_size_num, bust_size_letter, height_in, review_month,
review_day_of_month, review_year, recommend.  Numbers are read as float (NaN when empty),
everything else as strings.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FIT_CLASSES: tuple[str, str, str] = ("small", "fit", "large")
"""Class order used everywhere: index 0 = small, 1 = fit, 2 = large."""

NUMERIC_COLUMNS: tuple[str, ...] = (
    "weight_lbs",
    "rating",
    "size",
    "age",
    "bust_size_num",
    "height_in",
    "review_month",
    "review_year",
    "recommend",
)
TEXT_COLUMNS: tuple[str, ...] = (
    "user_id",
    "item_id",
    "rented_for",
    "body_type",
    "category",
    "bust_size_letter",
)


@dataclass(frozen=True)
class RtrTable:
    """Column arrays of the RTR file, rows in file order."""

    fit: np.ndarray  # int8 class index into FIT_CLASSES
    numeric: dict[str, np.ndarray]  # float64, NaN when missing
    text: dict[str, np.ndarray]  # object arrays of str ("" when missing)

    @property
    def n_rows(self) -> int:
        return int(self.fit.shape[0])

    def take(self, rows: np.ndarray) -> RtrTable:
        """The table restricted to `rows` (in that order)."""
        return RtrTable(
            fit=self.fit[rows],
            numeric={k: v[rows] for k, v in self.numeric.items()},
            text={k: v[rows] for k, v in self.text.items()},
        )


@dataclass(frozen=True)
class Split:
    """Row indices of the train / validation / test parts."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def _to_float(value: str) -> float:
    return float(value) if value else float("nan")


def load_rtr(path: Path) -> RtrTable:
    """Read the (optionally gzipped) RTR CSV into column arrays."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    class_index = {label: i for i, label in enumerate(FIT_CLASSES)}
    fit = np.fromiter((class_index[r["fit"]] for r in rows), dtype=np.int8, count=len(rows))
    numeric = {
        col: np.fromiter((_to_float(r[col]) for r in rows), dtype=np.float64, count=len(rows))
        for col in NUMERIC_COLUMNS
    }
    text = {col: np.array([r[col] for r in rows], dtype=object) for col in TEXT_COLUMNS}
    return RtrTable(fit=fit, numeric=numeric, text=text)


def split_rows(n_rows: int, seed: int) -> Split:
    """Shuffle with ``default_rng(seed).permutation(n)``; 80 % train, 10 % validation, 10 % test."""
    order = np.random.default_rng(seed).permutation(n_rows)
    n_train = int(n_rows * 0.8)
    n_val = int(n_rows * 0.1)
    return Split(
        train=order[:n_train],
        validation=order[n_train : n_train + n_val],
        test=order[n_train + n_val :],
    )


def encode_ids(values: np.ndarray) -> np.ndarray:
    """Dense integer codes (0..k-1) for an array of ids, stable for a given input."""
    _, codes = np.unique(values.astype(str), return_inverse=True)
    return codes.astype(np.int64)
