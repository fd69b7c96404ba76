"""Shopper / item fit statistics ("target statistics"), computed without leakage.

For a grouping key (a shopper, an item, an item in one size) the statistics summarise the
fit feedback of *other* rentals: how many, the smoothed share reported small / large, the
mean size rented and the mean "implied true size" (a rental reported small implies the
renter needs about one size step more, large one step less).  Rows of the training split get
out-of-fold values (K folds: the statistics of a row never see its own label); validation
and test rows get statistics from the whole training split.
"""

from __future__ import annotations

import numpy as np

SMALL, FIT, LARGE = 0, 1, 2
IMPLIED_SIZE_STEP = 4.0
"""One real size step on the RTR code scale (code = 4 + 2 x US dress size, US sizes 0, 2, 4 ...: most
rentals sit on codes 4, 8, 12, 16 ...); a "small" report implies the renter needs this much more.
Chosen over 2.0 on the validation split (docs/sizing.md)."""

STAT_NAMES: tuple[str, ...] = ("count", "share_small", "share_large", "mean_size", "implied_size", "fit_size")


def _codes(keys_fit: np.ndarray, keys_query: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    uniq, inverse = np.unique(np.concatenate([keys_fit, keys_query]), return_inverse=True)
    return inverse[: len(keys_fit)], inverse[len(keys_fit) :], len(uniq)


def group_fit_stats(
    keys_fit: np.ndarray,
    labels_fit: np.ndarray,
    sizes_fit: np.ndarray,
    keys_query: np.ndarray,
    class_prior: np.ndarray,
    smoothing: float = 2.0,
) -> np.ndarray:
    """Statistics (columns = STAT_NAMES) of the rows `keys_fit` for each key of `keys_query`.

    Shares are shrunk toward `class_prior` with `smoothing` pseudo-rentals; size means are
    NaN when the key has no rentals.
    """
    fit_codes, query_codes, n_groups = _codes(np.asarray(keys_fit), np.asarray(keys_query))
    count = np.bincount(fit_codes, minlength=n_groups).astype(np.float64)
    n_small = np.bincount(fit_codes, weights=(labels_fit == SMALL).astype(float), minlength=n_groups)
    n_large = np.bincount(fit_codes, weights=(labels_fit == LARGE).astype(float), minlength=n_groups)
    size_ok = ~np.isnan(sizes_fit)
    sizes = np.where(size_ok, sizes_fit, 0.0)
    implied = sizes + IMPLIED_SIZE_STEP * (FIT - labels_fit.astype(float))
    n_sized = np.bincount(fit_codes, weights=size_ok.astype(float), minlength=n_groups)
    sum_size = np.bincount(fit_codes, weights=sizes, minlength=n_groups)
    sum_implied = np.bincount(fit_codes, weights=np.where(size_ok, implied, 0.0), minlength=n_groups)
    fitted = size_ok & (labels_fit == FIT)
    n_fitted = np.bincount(fit_codes, weights=fitted.astype(float), minlength=n_groups)
    sum_fitted = np.bincount(fit_codes, weights=np.where(fitted, sizes, 0.0), minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_size = np.where(n_sized > 0, sum_size / n_sized, np.nan)
        implied_size = np.where(n_sized > 0, sum_implied / n_sized, np.nan)
        fit_size = np.where(n_fitted > 0, sum_fitted / n_fitted, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_small = (n_small + smoothing * class_prior[SMALL]) / (count + smoothing)
        share_large = (n_large + smoothing * class_prior[LARGE]) / (count + smoothing)
    table = np.column_stack([count, share_small, share_large, mean_size, implied_size, fit_size])
    return table[query_codes]


def out_of_fold_stats(
    keys: np.ndarray,
    labels: np.ndarray,
    sizes: np.ndarray,
    n_folds: int,
    seed: int,
    smoothing: float = 2.0,
) -> np.ndarray:
    """Statistics for every training row computed from the other folds only."""
    prior = np.bincount(labels, minlength=3) / len(labels)
    folds = np.random.default_rng(seed).permutation(len(keys)) % n_folds
    out = np.empty((len(keys), len(STAT_NAMES)), dtype=np.float64)
    for fold in range(n_folds):
        held = folds == fold
        out[held] = group_fit_stats(keys[~held], labels[~held], sizes[~held], keys[held], prior, smoothing)
    return out


def full_train_stats(
    keys_train: np.ndarray,
    labels_train: np.ndarray,
    sizes_train: np.ndarray,
    keys_query: np.ndarray,
    smoothing: float = 2.0,
) -> np.ndarray:
    """Statistics for validation / test rows computed from the whole training split."""
    prior = np.bincount(labels_train, minlength=3) / len(labels_train)
    return group_fit_stats(keys_train, labels_train, sizes_train, keys_query, prior, smoothing)
