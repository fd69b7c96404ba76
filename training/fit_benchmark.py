"""The RTR fit benchmark: predict small / fit / large for held-out rentals.

Split rule (exact): rows in file order are shuffled with
``numpy.random.default_rng(seed).permutation(n)``; the first 80 % train, the next 10 %
validation (early stopping and tuning only), the last 10 % test.  Reported: test macro
one-vs-rest AUC and accuracy for the boosted-tree model and two baselines (majority class,
latent size per shopper and per item).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from training.fit_features import build_fit_features
from training.fit_training import MODEL_NAME, train_fit_model
from training.latent_size import RentalColumns, tune_latent_size
from training.metrics import accuracy, macro_ovr_auc, per_class_auc
from training.rtr import FIT_CLASSES, RtrTable, Split, load_rtr, split_rows

EXCLUDED_COLUMNS = (
    "rating",
    "recommend",
    "review_date",
    "review_month",
    "review_day_of_month",
    "review_year",
)


def run_fit_benchmark(data_path: Path, seed: int, max_rows: int | None = None) -> dict[str, Any]:
    """Load the RTR CSV and run the benchmark; `max_rows` keeps only the first rows (for quick tests)."""
    started = time.perf_counter()
    table = load_rtr(data_path)
    if max_rows is not None and max_rows < table.n_rows:
        table = table.take(np.arange(max_rows))
    result = run_fit_benchmark_on_table(table, seed)
    result["data"] = str(data_path)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _rentals(table: RtrTable, rows: np.ndarray) -> RentalColumns:
    return RentalColumns(
        users=table.text["user_id"][rows].astype(str),
        items=table.text["item_id"][rows].astype(str),
        sizes=table.numeric["size"][rows],
        labels=table.fit[rows].astype(np.int64),
    )


def _scores(labels: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    return {
        "auc_macro": round(macro_ovr_auc(labels, proba), 4),
        "accuracy": round(accuracy(labels, proba), 4),
        "auc_per_class": dict(
            zip(FIT_CLASSES, (round(a, 4) for a in per_class_auc(labels, proba)), strict=True)
        ),
    }


def _majority_proba(labels_train: np.ndarray, n_rows: int) -> np.ndarray:
    prior = np.bincount(labels_train, minlength=3) / len(labels_train)
    return np.tile(prior, (n_rows, 1))


def run_fit_benchmark_on_table(table: RtrTable, seed: int) -> dict[str, Any]:
    """The benchmark on an already loaded table."""
    started = time.perf_counter()
    split: Split = split_rows(table.n_rows, seed)
    y = table.fit.astype(np.int64)
    y_train, y_val, y_test = y[split.train], y[split.validation], y[split.test]

    features = build_fit_features(table, split, seed)
    model = train_fit_model(features, y_train, y_val, seed)
    main = _scores(y_test, model.predict_proba(features.test))

    latent, latent_info = tune_latent_size(
        _rentals(table, split.train), _rentals(table, split.validation), macro_ovr_auc
    )
    test_rentals = _rentals(table, split.test)
    latent_proba = latent.predict_proba(test_rentals.users, test_rentals.items, test_rentals.sizes)
    baselines = {
        "majority_class": _scores(y_test, _majority_proba(y_train, len(y_test))),
        "latent_size_sembium2017": {**_scores(y_test, latent_proba), "tuned": latent_info},
    }
    return {
        "task": "RTR fit: small / fit / large",
        "model": MODEL_NAME,
        "features": features.names,
        "excluded_columns": list(EXCLUDED_COLUMNS),
        "seed": seed,
        **main,
        "boosting_rounds": int(model.n_iter_),
        "baselines": baselines,
        "n_train": len(split.train),
        "n_validation": len(split.validation),
        "n_test": len(split.test),
        "seconds": round(time.perf_counter() - started, 2),
    }


def format_fit_report(result: dict[str, Any]) -> str:
    """Human-readable table of a `run_fit_benchmark` result."""
    lines = [
        f"RTR fit benchmark (seed {result['seed']}): predict small / fit / large",
        f"split: {result['n_train']} train / {result.get('n_validation', '?')} validation / "
        f"{result['n_test']} test rentals",
        f"{'model':<34} {'macro AUC':>10} {'accuracy':>9}",
        f"{'boosted trees (ours)':<34} {result['auc_macro']:>10.4f} {result['accuracy']:>9.4f}",
    ]
    for name, scores in result["baselines"].items():
        lines.append(f"{name:<34} {scores['auc_macro']:>10.4f} {scores['accuracy']:>9.4f}")
    lines.append(f"model: {result['model']}")
    lines.append(f"not used (written after the rental): {', '.join(result['excluded_columns'])}")
    lines.append(f"took {result['seconds']:.1f} s")
    return "\n".join(lines)
