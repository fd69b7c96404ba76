"""Train the runtime return-risk model on RTR and write its coefficients as JSON.

python -m training.train_returns --out commerce/returns/model.json
    (options: --data bench/data/renttherunway_fit.csv.gz --seed 0)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from commerce.returns.model import DEFAULT_MODEL_PATH, ReturnRiskModel
from training.returns_training import fit_return_model, priors_from, returned, rtr_return_columns
from training.rtr import load_rtr, split_rows

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "renttherunway_fit.csv.gz"


def train_from_rtr(data_path: Path, seed: int) -> ReturnRiskModel:
    """Fit on the RTR train split (out-of-fold features); the return proxy is fit ≠ fit."""
    table = load_rtr(data_path)
    split = split_rows(table.n_rows, seed)
    columns = rtr_return_columns(table, split, seed)
    metadata = {
        "trained_on": "RentTheRunway fit data, train split (80 %)",
        "return_proxy": "fit != fit",
        "seed": seed,
        "command": "python -m training.train_returns --out commerce/returns/model.json",
        "unused_features": "price_cents (RTR has no prices); several sizes in a cart use the (k-1)/k rule",
    }
    return fit_return_model(
        columns["train"], returned(table)[split.train], priors_from(table, split.train), metadata
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = train_from_rtr(args.data, args.seed)
    args.out.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
