"""Train the served fit model on RentTheRunway, optionally with the shop's own outcomes (``shepherd train fit``).

python -m training.train_fit [--out commerce/sizing/models/fit-model.json] [--data ...] [--seed 0]
                             [--max-rows N] [--shop [--shop-weight W]]

Trains on the train split (80 %) with early stopping on the validation split (10 %), the same
recipe and split as ``shepherd bench fit`` — so the benchmark's test scores describe this
artifact.  ``--shop`` adds the shop's labelled order lines (`training.shop_data`: returns and fit
reviews, read from the server's database) to the training rows, each weighing ``--shop-weight``
RTR rentals; RTR stays the prior and the validation split stays RTR's.  The manifest is replaced
atomically: a server whose ``SHEPHERD_FIT_MODEL`` points at ``--out`` (by default the shipped
path it serves) serves the new version on its next size question, without a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from commerce.sizing.fit_inputs import feature_matrix
from commerce.sizing.fit_model import SHIPPED_MODEL, FitModel
from training.fit_data import FitParts, build_fit_parts
from training.fit_training import export_fit_model, train_trees
from training.rtr import FIT_CLASSES, RtrTable, load_rtr, split_rows
from training.shop_data import ShopFitRows, concat_columns, export_fit_rows
from training.shop_db import ShopDatabaseUnavailable, open_shop_pool
from voice_server.platform.settings import Settings, get_settings

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "renttherunway_fit.csv.gz"
DEFAULT_SHOP_WEIGHT = 5.0
"""How many RTR rentals one of the shop's own outcomes weighs (``--shop-weight``).  Not fitted: the
shop's rows are the population the model serves, RTR's are a borrowed prior; with few shop rows
the prior still dominates (154,035 RTR training rentals)."""


@dataclass(frozen=True)
class RtrPrior:
    table: RtrTable
    parts: FitParts
    labels_train: np.ndarray
    labels_validation: np.ndarray
    n_train: int


def load_prior(data_path: Path, seed: int, max_rows: int | None) -> RtrPrior:
    table = load_rtr(data_path)
    if max_rows is not None and max_rows < table.n_rows:
        table = table.take(np.arange(max_rows))
    split = split_rows(table.n_rows, seed)
    y = table.fit.astype(np.int64)
    parts = build_fit_parts(table, split, seed)
    return RtrPrior(table, parts, y[split.train], y[split.validation], len(split.train))


def shop_fingerprint(shop: ShopFitRows, vocabulary: dict[str, list[str]]) -> str:
    """sha256 of the shop rows' feature matrix and labels: which shop data an artifact learned from."""
    digest = hashlib.sha256(np.ascontiguousarray(feature_matrix(shop.columns, vocabulary)).tobytes())
    digest.update(shop.labels.astype(np.int64).tobytes())
    return digest.hexdigest()


def train_fit(
    data_path: Path,
    seed: int,
    out: Path,
    max_rows: int | None = None,
    shop: ShopFitRows | None = None,
    shop_weight: float = DEFAULT_SHOP_WEIGHT,
    prior: RtrPrior | None = None,
) -> FitModel:
    """RTR's train split (plus the shop's rows, weighted) → trees → the versioned artifact at `out`."""
    prior = prior or load_prior(data_path, seed, max_rows)
    parts = prior.parts
    train, labels, weights = parts.train, prior.labels_train, None
    command = f"shepherd train fit --seed {seed}" + (f" --max-rows {max_rows}" if max_rows else "")
    trained_on = f"{data_path.name}: RentTheRunway rentals, train split (80 %) of seed {seed}"
    metadata: dict[str, object] = {}
    if shop is not None:
        command += f" --shop --shop-weight {shop_weight:g}"
        metadata.update(
            shop_rows=shop.n_rows,
            shop_weight=shop_weight,
            shop_rows_by_label={c: int(n) for c, n in zip(FIT_CLASSES, np.bincount(shop.labels, minlength=3),
                                                         strict=True)},
            shop_rows_by_source=dict(sorted(Counter(o.source for o in shop.outcomes).items())),
            shop_rows_skipped=shop.skipped,
        )
        if shop.n_rows:
            trained_on += f", plus {shop.n_rows} shop order lines weighted {shop_weight:g}"
            metadata["shop_data_sha256"] = shop_fingerprint(shop, parts.vocabulary)
            train = concat_columns([parts.train, shop.columns])
            labels = np.concatenate([labels, shop.labels])
            weights = np.concatenate([np.ones(prior.n_train), np.full(shop.n_rows, shop_weight)])
    trees = train_trees(
        train, labels, parts.validation, prior.labels_validation, parts.vocabulary, seed, sample_weight=weights
    )
    metadata.update(trained_on=trained_on, seed=seed, n_train=prior.n_train, command=command)
    return export_fit_model(trees, out, parts.vocabulary, parts.class_prior, metadata)


async def shop_rows(settings: Settings, class_prior: list[float]) -> ShopFitRows:
    """The shop's training rows from the server's database (ShopDatabaseUnavailable when unreachable)."""
    pool = await open_shop_pool(settings)
    try:
        return await export_fit_rows(pool, class_prior)
    finally:
        await pool.close()


async def check_shop_database(settings: Settings) -> None:
    """Refuse before any training when the shop's database cannot be reached."""
    pool = await open_shop_pool(settings)
    await pool.close()


def shop_summary(shop: ShopFitRows) -> str:
    if not shop.n_rows:
        return f"no shop rows (skipped: {shop.skipped}); trained on RentTheRunway only"
    counts = dict(zip(FIT_CLASSES, (int(n) for n in np.bincount(shop.labels, minlength=3)), strict=True))
    return f"{shop.n_rows} shop rows {counts} (skipped: {shop.skipped})"


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=None, help="first RTR rows only (quick runs, tests)")
    parser.add_argument("--shop", action="store_true",
                        help="also train on the shop's returns and fit reviews (the server's database)")
    parser.add_argument("--shop-weight", type=float, default=DEFAULT_SHOP_WEIGHT,
                        help="RTR rentals one shop outcome weighs (default %(default)s)")
    args = parser.parse_args(argv)
    if args.shop_weight <= 0:
        parser.error("--shop-weight must be positive")
    shop = None
    if args.shop:
        settings = settings or get_settings()
        try:
            asyncio.run(check_shop_database(settings))
            prior = load_prior(args.data, args.seed, args.max_rows)
            shop = asyncio.run(shop_rows(settings, prior.parts.class_prior))
        except ShopDatabaseUnavailable as exc:
            print(f"shepherd train fit: {exc}", file=sys.stderr)
            return 2
        print(shop_summary(shop))
        model = train_fit(args.data, args.seed, args.out, args.max_rows, shop, args.shop_weight, prior)
    else:
        model = train_fit(args.data, args.seed, args.out, args.max_rows)
    print(f"wrote {args.out} ({model.version}, {model.trees.n_trees} trees)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
