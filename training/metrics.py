"""Classification metrics shared by the fit and return benchmarks."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score


def macro_ovr_auc(labels: np.ndarray, proba: np.ndarray) -> float:
    """Mean over classes of the one-vs-rest ROC AUC (classes = columns of `proba`)."""
    aucs = per_class_auc(labels, proba)
    return float(np.mean(aucs))


def per_class_auc(labels: np.ndarray, proba: np.ndarray) -> list[float]:
    """One-vs-rest ROC AUC per class; 0.5 for a class absent from `labels`."""
    out = []
    for k in range(proba.shape[1]):
        positives = labels == k
        if positives.all() or not positives.any():
            out.append(0.5)
        else:
            out.append(float(roc_auc_score(positives, proba[:, k])))
    return out


def accuracy(labels: np.ndarray, proba: np.ndarray) -> float:
    """Share of rows whose most probable class is the true one."""
    return float(np.mean(np.argmax(proba, axis=1) == labels))


def expected_calibration_error(outcomes: np.ndarray, proba: np.ndarray, n_bins: int = 10) -> float:
    """ECE of binary probabilities: bin-weighted |mean prediction - observed rate|, equal-width bins."""
    outcomes = np.asarray(outcomes, dtype=np.float64)
    proba = np.asarray(proba, dtype=np.float64)
    bins = np.clip((proba * n_bins).astype(int), 0, n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            total += in_bin.mean() * abs(proba[in_bin].mean() - outcomes[in_bin].mean())
    return float(total)


def brier_score(outcomes: np.ndarray, proba: np.ndarray) -> float:
    """Mean squared error of binary probabilities."""
    return float(np.mean((np.asarray(proba, dtype=np.float64) - np.asarray(outcomes, dtype=np.float64)) ** 2))
