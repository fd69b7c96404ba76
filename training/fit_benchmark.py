"""The RTR fit benchmark, scored through the served model: predict small / fit / large for held-out rentals.

Split rule (exact): rows in file order are shuffled with
``numpy.random.default_rng(seed).permutation(n)``; the first 80 % train, the next 10 %
validation (early stopping only), the last 10 % test.  The trees are trained with
scikit-learn, exported to a versioned artifact, loaded back with the server's loader and the
test rentals are scored by `commerce.sizing.fit_model.FitModel.predict` — the object that
answers ``POST /api/size/predict``.  Reported: test macro and per-class one-vs-rest AUC,
accuracy, ECE per class, size-advice top-1 accuracy, and two baselines (majority class,
latent size per shopper and per item).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from commerce.sizing.fit_inputs import feature_names
from commerce.sizing.fit_model import FitModelStore
from training.fit_data import build_fit_parts
from training.fit_training import MODEL_NAME, export_fit_model, train_trees
from training.latent_size import RentalColumns, tune_latent_size
from training.metrics import accuracy, expected_calibration_error, macro_ovr_auc, per_class_auc
from training.rtr import FIT_CLASSES, RtrTable, load_rtr, split_rows
from training.size_advice_replay import replay_size_advice

EXCLUDED_COLUMNS = (
    "rating",
    "recommend",
    "review_date",
    "review_month",
    "review_day_of_month",
    "review_year",
)


def run_fit_benchmark(
    data_path: Path, seed: int, max_rows: int | None = None, model_out: Path | None = None
) -> dict[str, Any]:
    """Load the RTR CSV and run the benchmark; `max_rows` keeps only the first rows (quick tests).

    `model_out`: where to write the artifact (default: a temporary directory).
    """
    started = time.perf_counter()
    table = load_rtr(data_path)
    if max_rows is not None and max_rows < table.n_rows:
        table = table.take(np.arange(max_rows))
    result = run_fit_benchmark_on_table(table, seed, model_out, data_name=data_path.name)
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


def _per_class(values: list[float]) -> dict[str, float]:
    return dict(zip(FIT_CLASSES, (round(v, 4) for v in values), strict=True))


def _scores(labels: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    return {
        "auc_macro": round(macro_ovr_auc(labels, proba), 4),
        "accuracy": round(accuracy(labels, proba), 4),
        "auc_per_class": _per_class(per_class_auc(labels, proba)),
        "ece_per_class": _per_class(
            [expected_calibration_error(labels == k, proba[:, k]) for k in range(proba.shape[1])]
        ),
    }


def _majority_proba(labels_train: np.ndarray, n_rows: int) -> np.ndarray:
    prior = np.bincount(labels_train, minlength=3) / len(labels_train)
    return np.tile(prior, (n_rows, 1))


def run_fit_benchmark_on_table(
    table: RtrTable, seed: int, model_out: Path | None = None, data_name: str = "RTR"
) -> dict[str, Any]:
    """The benchmark on an already loaded table."""
    started = time.perf_counter()
    split = split_rows(table.n_rows, seed)
    y = table.fit.astype(np.int64)
    y_train, y_val, y_test = y[split.train], y[split.validation], y[split.test]

    parts = build_fit_parts(table, split, seed)
    trees = train_trees(parts.train, y_train, parts.validation, y_val, parts.vocabulary, seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = model_out or Path(tmp) / "fit-model.json"
        metadata = {
            "trained_on": f"{data_name}: RentTheRunway rentals, train split (80 %) of seed {seed}",
            "seed": seed,
            "n_train": len(split.train),
            "command": f"shepherd train fit --seed {seed}",
        }
        export_fit_model(trees, path, parts.vocabulary, parts.class_prior, metadata)
        served = FitModelStore(path).get()  # the server's loader: hash and feature checks
    scored_at = time.perf_counter()
    main = _scores(y_test, served.predict(parts.test))
    predict_seconds = time.perf_counter() - scored_at
    advice = replay_size_advice(served, table, split, parts.test, seed)

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
        "served_path": "commerce.sizing.fit_model.FitModel.predict (artifact loaded by FitModelStore)",
        "model_version": served.version,
        "features": feature_names(),
        "excluded_columns": list(EXCLUDED_COLUMNS),
        "seed": seed,
        **main,
        "boosting_rounds": int(trees.n_iter_),
        "served_predict_seconds": round(predict_seconds, 2),
        "size_advice": advice,
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
        f"{'model':<34} {'macro AUC':>10} {'accuracy':>9}  AUC small / fit / large",
    ]
    rows = [("boosted trees, served (ours)", result), *result["baselines"].items()]
    for name, s in rows:
        per = " / ".join(f"{v:.3f}" for v in s["auc_per_class"].values())
        lines.append(f"{name:<34} {s['auc_macro']:>10.4f} {s['accuracy']:>9.4f}  {per}")
    ece = " / ".join(f"{v:.4f}" for v in result["ece_per_class"].values())
    lines.append(f"ECE small / fit / large (served model): {ece}")
    advice = result.get("size_advice")
    if advice:
        base = advice["baselines"]
        lines.append(
            f"size advice top-1 on {advice['n']} kept-and-fits rentals: {advice['top1_accuracy']:.3f} "
            f"(trees alone {advice['top1_accuracy_trees_only']:.3f}; "
            f"item's most rented size {base['item_most_rented_size']:.3f}, nearest to the shopper's "
            f"fit size {base['nearest_to_shopper_fit_size']:.3f})"
        )
    lines.append(f"model: {result['model']} [{result.get('model_version', '?')}]")
    lines.append(f"not used (written after the rental): {', '.join(result['excluded_columns'])}")
    lines.append(f"took {result['seconds']:.1f} s")
    return "\n".join(lines)
