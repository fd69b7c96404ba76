"""Return-risk benchmark on RentTheRunway, with "fit ≠ fit" as the return proxy.

RTR records whether a rental fitted, not whether it was returned; a rental reported small or
large is what would come back in a shop.  Same split rule as the fit benchmark
(``default_rng(seed).permutation(n)``, 80 / 10 / 10).  Models: boosted trees on the fit
features with isotonic calibration on the validation split; the runtime logistic model on the
features a shop has; baselines: the base rate and the item's past fit-problem rate.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score

from training.fit_features import build_fit_features
from training.fit_training import train_fit_model
from training.metrics import brier_score, expected_calibration_error
from training.returns_training import fit_return_model, priors_from, returned, rtr_return_columns
from training.rtr import RtrTable, load_rtr, split_rows

PROXY = "fit != fit"


def _scores(outcomes: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    auc = 0.5 if np.all(proba == proba[0]) else float(roc_auc_score(outcomes, proba))
    return {
        "auc": round(auc, 4),
        "brier": round(brier_score(outcomes, proba), 4),
        "ece": round(expected_calibration_error(outcomes, proba), 4),
        "accuracy": round(float(np.mean((proba >= 0.5) == outcomes)), 4),
    }


def run_returns_benchmark(data_path: Path, seed: int, max_rows: int | None = None) -> dict[str, Any]:
    """Load the RTR CSV and run the benchmark; `max_rows` keeps only the first rows (for quick tests)."""
    started = time.perf_counter()
    table = load_rtr(data_path)
    if max_rows is not None and max_rows < table.n_rows:
        table = table.take(np.arange(max_rows))
    result = run_returns_benchmark_on_table(table, seed)
    result["data"] = str(data_path)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def run_returns_benchmark_on_table(table: RtrTable, seed: int) -> dict[str, Any]:
    """The benchmark on an already loaded table."""
    started = time.perf_counter()
    split = split_rows(table.n_rows, seed)
    y = returned(table)
    y_train, y_val, y_test = y[split.train], y[split.validation], y[split.test]

    features = build_fit_features(table, split, seed)
    trees = train_fit_model(features, y_train, y_val, seed)  # the fit model's recipe, on return labels
    raw = trees.predict_proba(features.test)[:, 1]
    calibrated = CalibratedClassifierCV(FrozenEstimator(trees), method="isotonic")
    calibrated.fit(features.validation, y_val)
    proba = calibrated.predict_proba(features.test)[:, 1]

    columns = rtr_return_columns(table, split, seed)
    runtime = fit_return_model(columns["train"], y_train, priors_from(table, split.train), {})
    item_rate = columns["test"]["item_returns"] + 10 * y_train.mean()
    item_rate = item_rate / (columns["test"]["item_purchases"] + 10)
    return {
        "task": "RTR return risk",
        "proxy": PROXY,
        "model": "HistGradientBoostingClassifier on fit features + isotonic calibration (validation split)",
        "seed": seed,
        **_scores(y_test, proba),
        "ece_before_calibration": round(expected_calibration_error(y_test, raw), 4),
        "test_return_rate": round(float(y_test.mean()), 4),
        "baselines": {
            "base_rate": _scores(y_test, np.full(len(y_test), float(y_train.mean()))),
            "item_fit_problem_rate": _scores(y_test, item_rate),
            "runtime_logistic_shop_features": _scores(y_test, runtime.probabilities(columns["test"])),
        },
        "n_train": len(split.train),
        "n_validation": len(split.validation),
        "n_test": len(split.test),
        "seconds": round(time.perf_counter() - started, 2),
    }


def format_returns_report(result: dict[str, Any]) -> str:
    """Human-readable table of a `run_returns_benchmark` result."""
    lines = [
        f"RTR return-risk benchmark (seed {result['seed']})",
        f"RETURN PROXY: a rental counts as returned when its fit was not 'fit' ({result['proxy']}); "
        "RTR has no return records",
        f"split: {result['n_train']} train / {result['n_validation']} validation / {result['n_test']} test; "
        f"test return rate {result['test_return_rate']:.3f}",
        f"{'model':<34} {'AUC':>7} {'Brier':>7} {'ECE':>7} {'acc':>7}",
        f"{'boosted trees + isotonic (ours)':<34} {result['auc']:>7.4f} {result['brier']:>7.4f} "
        f"{result['ece']:>7.4f} {result['accuracy']:>7.4f}",
    ]
    for name, s in result["baselines"].items():
        lines.append(f"{name:<34} {s['auc']:>7.4f} {s['brier']:>7.4f} {s['ece']:>7.4f} {s['accuracy']:>7.4f}")
    lines.append(f"ECE before calibration: {result['ece_before_calibration']:.4f}")
    lines.append(f"took {result['seconds']:.1f} s")
    return "\n".join(lines)
