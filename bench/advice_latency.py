"""Latency of the pure size-advice and return-risk path (no database): p50 / p99 over several runs.

One shopper with measurements, 5 past orders, per-size product reports and similar-build
feedback asks for advice on a 6-size product, then the return risk of the advised size; the
served fit artifact and return model are used as shipped.  Each run times `--calls` calls of
each after a warm-up; the report gives p50 / p99 per run and over all runs (issue 15 goal:
advice + return risk p99 <= 10 ms per call).

    python -m bench.advice_latency [--runs 5] [--calls 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np

from commerce.models import BodyMeasurements
from commerce.return_risk.features import ReturnRiskFeatures
from commerce.return_risk.model import ReturnRiskModel
from commerce.shopper_advice import fit_probability
from commerce.sizing import (
    FitCounts,
    PastPurchase,
    ShopperFitHistory,
    SimilarBuildFeedback,
    advise_size,
    chart_for,
    load_fit_model,
)
from commerce.sizing.fit_model import SHIPPED_MODEL

GOAL_P99_MS = 10.0
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]


def _case() -> dict[str, Any]:
    chart = chart_for("tops", "women")
    assert chart is not None
    history = ShopperFitHistory(
        purchases=[PastPurchase(size_system="alpha", size_label=s, fit=f, category="tops")
                   for s, f in (("M", "small"), ("L", "fit"), ("L", None), ("M", "small"), ("L", "fit"))]
    )
    return {
        "measurements": BodyMeasurements(chest_cm=92, height_cm=166, weight_kg=63),
        "chart": chart,
        "available": SIZES,
        "category": "tops",
        "shopper_history": history,
        "item_feedback_by_size": {"S": FitCounts(small=4, fit=3), "M": FitCounts(small=3, fit=9, large=1),
                                  "L": FitCounts(fit=7, large=2)},
        "similar_build_feedback": SimilarBuildFeedback(by_size={"M": FitCounts(small=1, fit=2)}),
    }


def _percentiles(ms: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(ms, 50)), 3), "p99": round(float(np.percentile(ms, 99)), 3)}


def measure(runs: int, calls: int) -> dict[str, Any]:
    """Per-call milliseconds of advice, return risk and both together, per run and pooled."""
    fit_model = load_fit_model(SHIPPED_MODEL)
    risk_model = ReturnRiskModel.load()
    case = _case()
    chart = case.pop("chart")
    measurements = case.pop("measurements")
    available = case.pop("available")
    samples: dict[str, list[float]] = {"advice": [], "risk": [], "total": []}
    per_run = []
    for run in range(runs + 1):  # run 0 is the warm-up
        current: dict[str, list[float]] = {"advice": [], "risk": [], "total": []}
        for _ in range(calls):
            t0 = time.perf_counter()
            advice = advise_size(fit_model, measurements, chart, available, **case)
            t1 = time.perf_counter()
            risk_model.predict(ReturnRiskFeatures(
                size_confidence=fit_probability(advice, advice.size), shopper_returns=1, shopper_purchases=5,
                item_returns=4, item_purchases=30, item_small_reports=7, item_large_reports=3,
                category="tops", chosen_size=advice.size, advised_size=advice.size,
            ))
            t2 = time.perf_counter()
            current["advice"].append((t1 - t0) * 1000)
            current["risk"].append((t2 - t1) * 1000)
            current["total"].append((t2 - t0) * 1000)
        if run:
            per_run.append({k: _percentiles(v) for k, v in current.items()})
            for k, v in current.items():
                samples[k] += v
    pooled = {k: _percentiles(v) for k, v in samples.items()}
    return {
        "fit_model": fit_model.version,
        "trees": fit_model.trees.n_trees,
        "sizes": len(SIZES),
        "runs": runs,
        "calls_per_run": calls,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "per_run": per_run,
        "pooled": pooled,
        "goal_p99_ms": GOAL_P99_MS,
        "goal_met": pooled["total"]["p99"] <= GOAL_P99_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args(argv)
    result = measure(a.runs, a.calls)
    if a.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"fit model {result['fit_model']} ({result['trees']} trees), {result['sizes']} sizes, "
          f"load average {result['load_average']}")
    for i, r in enumerate(result["per_run"], 1):
        print(f"run {i}: " + "; ".join(f"{k} p50 {v['p50']:.2f} / p99 {v['p99']:.2f} ms" for k, v in r.items()))
    p = result["pooled"]
    print("all runs: " + "; ".join(f"{k} p50 {v['p50']:.2f} / p99 {v['p99']:.2f} ms" for k, v in p.items()))
    print(f"goal p99 <= {GOAL_P99_MS:.0f} ms (advice + return risk): {'met' if result['goal_met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
