"""Validation-split comparison of fit-model variants (never the test split): how constants were chosen.

    python -m training.fit_validation [--seed 0] [--implied-step 2 4]

For each implied-size step (`commerce.sizing.fit_stats.IMPLIED_SIZE_STEP`: how far one "small" /
"large" report moves the implied size, in RTR codes) it builds the fit statistics, trains the trees
exactly as ``shepherd train fit`` does (early stopping on the validation split) and prints the
validation macro AUC and the boosting rounds.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from unittest import mock

import numpy as np

from commerce.sizing import fit_stats
from commerce.sizing.fit_inputs import feature_matrix
from training.fit_data import build_fit_parts
from training.fit_training import train_trees
from training.metrics import macro_ovr_auc
from training.rtr import RtrTable, load_rtr, split_rows
from training.train_fit import DEFAULT_DATA


def validation_auc(table: RtrTable, seed: int, implied_step: float) -> tuple[float, int]:
    """Validation macro AUC and boosting rounds of the fit model built with this implied-size step."""
    split = split_rows(table.n_rows, seed)
    y = table.fit.astype(np.int64)
    with mock.patch.object(fit_stats, "IMPLIED_SIZE_STEP", implied_step):
        parts = build_fit_parts(table, split, seed)
    trees = train_trees(parts.train, y[split.train], parts.validation, y[split.validation], parts.vocabulary, seed)
    proba = trees.predict_proba(feature_matrix(parts.validation, parts.vocabulary))
    return macro_ovr_auc(y[split.validation], proba), int(trees.n_iter_)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--implied-step", type=float, nargs="+", default=[2.0, 4.0])
    args = parser.parse_args(argv)
    table = load_rtr(args.data)
    for step in args.implied_step:
        auc, rounds = validation_auc(table, args.seed, step)
        print(f"implied step {step:g}: validation macro AUC {auc:.4f} ({rounds} rounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
