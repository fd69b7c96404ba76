"""Train the runtime return-risk model on RTR and write its coefficients as JSON (``shepherd train returns``).

python -m training.train_returns [--out commerce/return_risk/model.json] [--data ...] [--seed 0]

The size-confidence input is the served fit model's P(fit) for the rented size: the shipped
fit artifact when it was trained on this data and seed, else a fit model trained the same way.
The logistic regression is fitted on the validation split (the fit model never saw it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from commerce.return_risk.model import DEFAULT_MODEL_PATH, ReturnRiskModel
from training.fit_data import build_fit_parts
from training.returns_training import (
    fit_return_model,
    priors_from,
    returned,
    rtr_return_columns,
    served_fit_model,
)
from training.rtr import load_rtr, split_rows

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "renttherunway_fit.csv.gz"


def train_from_rtr(data_path: Path, seed: int) -> ReturnRiskModel:
    """Fit on the RTR validation split with the served fit model's P(fit); the return proxy is fit ≠ fit."""
    table = load_rtr(data_path)
    split = split_rows(table.n_rows, seed)
    parts = build_fit_parts(table, split, seed)
    fit_model = served_fit_model(table, split, parts, seed, data_path.name)
    columns = rtr_return_columns(table, split, parts, fit_model)
    metadata = {
        "trained_on": "RentTheRunway fit data, validation split (10 %); counts from the train split",
        "return_proxy": "fit != fit",
        "seed": seed,
        "fit_model_version": fit_model.version,
        "size_confidence": "served fit model's P(fit) for the size taken",
        "command": "shepherd train returns",
        "unused_features": "price_cents (RTR has no prices); several sizes in a cart use the (k-1)/k rule",
    }
    return fit_return_model(
        columns["validation"], returned(table)[split.validation], priors_from(table, split.train), metadata
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = train_from_rtr(args.data, args.seed)
    args.out.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
