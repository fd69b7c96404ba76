"""Train the runtime return-risk model on RTR, optionally with the shop's own returns (``shepherd train returns``).

python -m training.train_returns [--out commerce/return_risk/model.json] [--data ...] [--seed 0]
                                 [--max-rows N] [--shop [--shop-weight W]]

The size-confidence input is the served fit model's P(fit) for the rented size: the shipped
fit artifact when it was trained on this data and seed, else a fit model trained the same way.
The logistic regression is fitted on the validation split (the fit model never saw it).
``--shop`` adds the shop's delivered order lines (`training.shop_returns`: came back or not, with
the inputs the server computed when each order was placed, P(fit) from the same fit model),
each weighing ``--shop-weight`` RTR rentals.  A running server re-reads the JSON on its next
return-risk question (``logreg-`` version = hash of the coefficients).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import numpy as np

from commerce.return_risk.model import DEFAULT_MODEL_PATH, ReturnRiskModel
from commerce.sizing.fit_model import FitModel
from training.fit_data import build_fit_parts
from training.returns_training import (
    fit_return_model,
    priors_from,
    returned,
    rtr_return_columns,
    served_fit_model,
)
from training.rtr import load_rtr, split_rows
from training.shop_db import ShopDatabaseUnavailable, open_shop_pool
from training.shop_returns import ShopReturnRows, export_return_rows, stack
from voice_server.platform.settings import Settings, get_settings

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "renttherunway_fit.csv.gz"
DEFAULT_SHOP_WEIGHT = 5.0
"""How many RTR rentals one of the shop's delivered lines weighs (``--shop-weight``; not fitted)."""


async def shop_return_rows(settings: Settings, fit_model: FitModel) -> ShopReturnRows:
    pool = await open_shop_pool(settings)
    try:
        return await export_return_rows(pool, fit_model)
    finally:
        await pool.close()


def train_returns(
    data_path: Path,
    seed: int,
    max_rows: int | None = None,
    settings: Settings | None = None,
    shop_weight: float = DEFAULT_SHOP_WEIGHT,
) -> tuple[ReturnRiskModel, ShopReturnRows | None]:
    """Fit on the RTR validation split (plus the shop's lines when `settings` is given); proxy fit ≠ fit."""
    table = load_rtr(data_path)
    if max_rows is not None and max_rows < table.n_rows:
        table = table.take(np.arange(max_rows))
    split = split_rows(table.n_rows, seed)
    parts = build_fit_parts(table, split, seed)
    fit_model = served_fit_model(table, split, parts, seed, data_path.name)
    columns = rtr_return_columns(table, split, parts, fit_model)["validation"]
    outcomes = returned(table)[split.validation]
    command = "shepherd train returns" + (f" --seed {seed}" if seed else "") + (
        f" --max-rows {max_rows}" if max_rows else "")
    metadata: dict[str, object] = {
        "trained_on": "RentTheRunway fit data, validation split (10 %); counts from the train split",
        "return_proxy": "fit != fit",
        "seed": seed,
        "fit_model_version": fit_model.version,
        "size_confidence": "served fit model's P(fit) for the size taken",
        "command": command,
        "unused_features": "price_cents (RTR has no prices); several sizes in a cart use the (k-1)/k rule",
    }
    weights = None
    shop = None
    if settings is not None:
        shop = asyncio.run(shop_return_rows(settings, fit_model))
        metadata["command"] = f"{command} --shop --shop-weight {shop_weight:g}"
        metadata.update(shop_rows=shop.n_rows, shop_returns=int(shop.returned.sum()), shop_weight=shop_weight,
                        shop_rows_skipped=shop.skipped)
        if shop.n_rows:
            metadata["trained_on"] = str(metadata["trained_on"]) + (
                f"; plus {shop.n_rows} delivered shop order lines weighted {shop_weight:g}")
            columns = stack([columns, shop.columns])
            outcomes = np.concatenate([outcomes, shop.returned])
            weights = np.concatenate([np.ones(len(split.validation)), np.full(shop.n_rows, shop_weight)])
    model = fit_return_model(columns, outcomes, priors_from(table, split.train), metadata, weights)
    return model, shop


def shop_summary(shop: ShopReturnRows) -> str:
    if not shop.n_rows:
        return f"no shop rows (skipped: {shop.skipped}); trained on RentTheRunway only"
    return f"{shop.n_rows} shop rows ({int(shop.returned.sum())} returned; skipped: {shop.skipped})"


async def check_shop_database(settings: Settings) -> None:
    pool = await open_shop_pool(settings)
    await pool.close()


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=None, help="first RTR rows only (quick runs, tests)")
    parser.add_argument("--shop", action="store_true",
                        help="also train on the shop's delivered order lines (the server's database)")
    parser.add_argument("--shop-weight", type=float, default=DEFAULT_SHOP_WEIGHT,
                        help="RTR rentals one shop line weighs (default %(default)s)")
    args = parser.parse_args(argv)
    if args.shop_weight <= 0:
        parser.error("--shop-weight must be positive")
    shop_settings = (settings or get_settings()) if args.shop else None
    try:
        if shop_settings is not None:
            asyncio.run(check_shop_database(shop_settings))
        model, shop = train_returns(args.data, args.seed, args.max_rows, shop_settings, args.shop_weight)
    except ShopDatabaseUnavailable as exc:
        print(f"shepherd train returns: {exc}", file=sys.stderr)
        return 2
    if shop is not None:
        print(shop_summary(shop))
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
