"""Return-risk benchmark on RentTheRunway, with "fit ≠ fit" as the return proxy.

RTR records whether a rental fitted, not whether it was returned; a rental reported small or
large is what would come back in a shop.  Same split rule as the fit benchmark
(``default_rng(seed).permutation(n)``, 80 / 10 / 10).  The scored model is the served one
(`commerce.return_risk.ReturnRiskModel`) with the served fit model's P(fit) for the rented size as
its size confidence — the feature function the server uses.  It is fitted on the validation
split and scored on the test split.  Baselines: the base rate, the item's past fit-problem
rate, and 1 − P(fit) of the fit model alone.

Mitigation replay: for test rentals whose item was rented in >= 2 sizes in training, the
advised size is the one with the highest served P(fit).  Reported: the mean predicted return
risk at the rented and at the advised size, and the observed (proxy) return rate of rentals
that took the advised size against those that did not.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from training.fit_data import build_fit_parts
from training.metrics import brier_score, expected_calibration_error
from training.returns_training import (
    fit_return_model,
    priors_from,
    returned,
    rtr_return_columns,
    served_fit_model,
)
from training.rtr import RtrTable, load_rtr, split_rows
from training.size_advice_replay import advise_rentals, eligible_rentals

PROXY = "fit != fit"
MAX_REPLAYED = 4000


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
    result = run_returns_benchmark_on_table(table, seed, data_path.name if max_rows is None else "subset")
    result["data"] = str(data_path)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _mitigation(
    table: RtrTable, seed: int, split: Any, parts: Any, fit_model: Any, runtime: Any
) -> dict[str, Any]:
    rows = eligible_rentals(table, split, only_fit=False)
    rows = np.sort(np.random.default_rng(seed).permutation(rows)[:MAX_REPLAYED])
    advice = advise_rentals(fit_model, table, split, parts.test, rows)
    columns = rtr_return_columns(table, split, parts, fit_model)["test"]
    picked = {k: v[rows] for k, v in columns.items()}
    at_rented = runtime.probabilities({**picked, "size_confidence": advice.p_fit_rented})
    at_advised = runtime.probabilities({**picked, "size_confidence": advice.p_fit_advised})
    outcome = returned(table)[split.test][rows]
    took = advice.advised == advice.rented
    return {
        "what": "test rentals whose item has >= 2 sizes in training; advised size ranked as served",
        "n": len(rows),
        "share_that_took_the_advised_size": round(float(took.mean()), 4),
        "predicted_return_rate_as_rented": round(float(at_rented.mean()), 4),
        "predicted_return_rate_if_advice_taken": round(float(at_advised.mean()), 4),
        "observed_return_rate_took_advice": round(float(outcome[took].mean()), 4) if took.any() else None,
        "observed_return_rate_did_not": round(float(outcome[~took].mean()), 4) if (~took).any() else None,
    }


def run_returns_benchmark_on_table(table: RtrTable, seed: int, data_name: str = "RTR") -> dict[str, Any]:
    """The benchmark on an already loaded table."""
    started = time.perf_counter()
    split = split_rows(table.n_rows, seed)
    y = returned(table)
    y_train, y_val, y_test = y[split.train], y[split.validation], y[split.test]

    parts = build_fit_parts(table, split, seed)
    fit_model = served_fit_model(table, split, parts, seed, data_name)
    columns = rtr_return_columns(table, split, parts, fit_model)
    runtime = fit_return_model(columns["validation"], y_val, priors_from(table, split.train), {})
    proba = runtime.probabilities(columns["test"])
    item_rate = columns["test"]["item_returns"] + 10 * y_train.mean()
    item_rate = item_rate / (columns["test"]["item_purchases"] + 10)
    return {
        "task": "RTR return risk",
        "proxy": PROXY,
        "model": "served return-risk logistic regression; size confidence = served fit model's P(fit) "
        "for the rented size (fitted on the validation split)",
        "fit_model_version": fit_model.version,
        "seed": seed,
        **_scores(y_test, proba),
        "test_return_rate": round(float(y_test.mean()), 4),
        "baselines": {
            "base_rate": _scores(y_test, np.full(len(y_test), float(y_train.mean()))),
            "item_fit_problem_rate": _scores(y_test, item_rate),
            "fit_model_not_fit": _scores(y_test, 1 - columns["test"]["size_confidence"]),
        },
        "mitigation": _mitigation(table, seed, split, parts, fit_model, runtime),
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
        f"{'served return model (ours)':<34} {result['auc']:>7.4f} {result['brier']:>7.4f} "
        f"{result['ece']:>7.4f} {result['accuracy']:>7.4f}",
    ]
    for name, s in result["baselines"].items():
        lines.append(f"{name:<34} {s['auc']:>7.4f} {s['brier']:>7.4f} {s['ece']:>7.4f} {s['accuracy']:>7.4f}")
    m = result["mitigation"]
    lines.append(
        f"advice replay on {m['n']} rentals: predicted return rate {m['predicted_return_rate_as_rented']:.3f} "
        f"as rented -> {m['predicted_return_rate_if_advice_taken']:.3f} with the advised size; observed "
        f"{m['observed_return_rate_took_advice']} (took the advised size, {m['share_that_took_the_advised_size']:.0%}) "
        f"vs {m['observed_return_rate_did_not']} (did not)"
    )
    lines.append(f"took {result['seconds']:.1f} s")
    return "\n".join(lines)
