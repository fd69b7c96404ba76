"""Train the served fit model on RentTheRunway and write its artifact (``shepherd train fit``).

python -m training.train_fit [--out commerce/sizing/models/fit-model.json] [--data ...] [--seed 0]

Trains on the train split (80 %) with early stopping on the validation split (10 %), the same
recipe and split as ``shepherd bench fit`` — so the benchmark's test scores describe this
artifact.  The manifest is replaced atomically: a server whose ``SHEPHERD_FIT_MODEL`` points at
``--out`` serves the new version on its next size question, without a restart.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from commerce.sizing.fit_model import SHIPPED_MODEL, FitModel
from training.fit_data import build_fit_parts
from training.fit_training import export_fit_model, train_trees
from training.rtr import load_rtr, split_rows

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "renttherunway_fit.csv.gz"


def train_fit_from_rtr(data_path: Path, seed: int, out: Path, max_rows: int | None = None) -> FitModel:
    table = load_rtr(data_path)
    if max_rows is not None and max_rows < table.n_rows:
        table = table.take(np.arange(max_rows))
    split = split_rows(table.n_rows, seed)
    y = table.fit.astype(np.int64)
    parts = build_fit_parts(table, split, seed)
    trees = train_trees(
        parts.train, y[split.train], parts.validation, y[split.validation], parts.vocabulary, seed
    )
    metadata = {
        "trained_on": f"{data_path.name}: RentTheRunway rentals, train split (80 %) of seed {seed}",
        "seed": seed,
        "n_train": len(split.train),
        "command": f"shepherd train fit --seed {seed}" + (f" --max-rows {max_rows}" if max_rows else ""),
    }
    return export_fit_model(trees, out, parts.vocabulary, parts.class_prior, metadata)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=None, help="first rows only (quick runs)")
    args = parser.parse_args(argv)
    model = train_fit_from_rtr(args.data, args.seed, args.out, args.max_rows)
    print(f"wrote {args.out} ({model.version}, {model.trees.n_trees} trees)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
