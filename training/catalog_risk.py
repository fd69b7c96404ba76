"""Return risk across the shipped demo catalog for a new shopper in a new shop (no history anywhere).

python -m training.catalog_risk [--json]

Every charted product gets the anonymous size advice of the served fit model and the served
return risk of buying the advised size; one-size products are left out (no size to get wrong).
With no orders, reviews or returns, a product's risk can only depend on what the models know
about it up front: its category (through the RTR category it borrows) and its size chart.
Reported: the distribution over products and the mean per category.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

import numpy as np

from commerce.catalog.demo import demo_records
from commerce.return_risk import ReturnRiskFeatures, ReturnRiskModel
from commerce.sizing import advise_size, chart_for, size_system_for
from commerce.sizing.fit_model import FitModelStore


def catalog_risk() -> dict[str, Any]:
    fit_model = FitModelStore().get()
    risk_model = ReturnRiskModel.load()
    products = Counter(
        (r["category"], r["gender"], tuple(r["sizes"])) for r in demo_records() if len(r["sizes"]) > 1
    )
    risk_of: dict[tuple[str, str, tuple[str, ...]], float] = {}
    for category, gender, sizes in products:
        chart = chart_for(category, gender)
        if chart is None or size_system_for(category, gender) == "onesize":
            continue
        advice = advise_size(fit_model, None, chart, list(sizes), category=category)
        features = ReturnRiskFeatures(
            size_confidence=advice.confidence, category=category, chosen_size=advice.size, advised_size=advice.size
        )
        risk_of[(category, gender, sizes)] = risk_model.predict(features).probability
    weights = np.array([products[k] for k in risk_of], dtype=np.float64)
    values = np.array(list(risk_of.values()))
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()

    def quantile(q: float) -> float:
        return round(float(values[order][np.searchsorted(cumulative, q)]), 4)

    by_category: dict[str, list[float]] = {}
    for (category, _, _), risk in risk_of.items():
        by_category.setdefault(category, []).append(risk)
    return {
        "products": int(weights.sum()),
        "fit_model_version": fit_model.version,
        "distinct_values": len(set(values.round(4))),
        "min": round(float(values.min()), 4),
        "p10": quantile(0.1),
        "median": quantile(0.5),
        "p90": quantile(0.9),
        "max": round(float(values.max()), 4),
        "mean_by_category": {c: round(float(np.mean(v)), 4) for c, v in sorted(by_category.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = catalog_risk()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['products']} charted products: return risk min {result['min']} / p10 {result['p10']} / "
            f"median {result['median']} / p90 {result['p90']} / max {result['max']} "
            f"({result['distinct_values']} distinct values)"
        )
        for category, mean in result["mean_by_category"].items():
            print(f"  {category:<12} {mean:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
