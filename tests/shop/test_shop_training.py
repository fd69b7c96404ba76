"""Learning from the shop: its orders, returns and fit reviews as training rows (real Postgres).

`training.shop_data` labels order lines from returns and reviews and computes their inputs with
the served feature path; ``shepherd train fit --shop`` trains on RTR plus those rows and writes
an artifact that a `FitModelStore` (what the server holds) picks up without a restart.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from commerce.cart import add_item
from commerce.fit_reviews import review_fit
from commerce.models import BodyMeasurements
from commerce.order_returns import request_return
from commerce.orders import fulfil_order, mark_paid, place_order
from commerce.profiles import update_profile
from commerce.return_risk.model import ReturnRiskModel
from commerce.sizing import chart_for
from commerce.sizing.feedback import FitCounts, ItemFitFeedback, ShopperFitHistory
from commerce.sizing.fit_advice import shop_fit_columns
from commerce.sizing.fit_inputs import feature_matrix
from commerce.sizing.fit_model import FitModelStore, load_fit_model
from tests.api.conftest import bearer, new_guest
from tests.conftest import REPO, make_settings
from tests.shop.conftest import set_stock
from training import train_fit, train_returns
from training.shop_data import ShopFitRows, concat_columns, empty_columns, export_fit_rows, row_of
from training.shop_outcomes import outcome_of, reason_label
from training.shop_returns import export_return_rows

RTR_ROWS = 3000
"""RTR rows for the quick trainings here (the first rows of the file; seconds, not a minute)."""
PRIOR = [0.14, 0.73, 0.13]


async def _top(pool: Any) -> Any:
    """A women's top (alpha chart) with sizes S, M and L, none of them reviewed or returned yet."""
    return await pool.fetchrow(
        """SELECT p.id, p.category, p.gender FROM products p
           WHERE p.category = 'tops' AND p.gender = 'women'
             AND (SELECT count(DISTINCT size_label) FROM product_variants v
                  WHERE v.product_id = p.id AND v.size_label IN ('S', 'M', 'L')) = 3
             AND NOT EXISTS (SELECT 1 FROM fit_feedback f WHERE f.product_id = p.id)
           ORDER BY p.id OFFSET 11 LIMIT 1""")


async def _buy(pool: Any, provider: Any, user: int, product_id: int, size: str) -> int:
    variant = await pool.fetchval(
        "SELECT id FROM product_variants WHERE product_id = $1 AND size_label = $2", product_id, size)
    await set_stock(pool, variant, 50)
    await add_item(pool, user, product_id, size, 1)
    order = await place_order(pool, provider, user, f"shop-train-{user}-{size}")
    async with pool.acquire() as conn, conn.transaction():
        assert await mark_paid(conn, order.id)
    await fulfil_order(pool, order.id)
    return order.id


def test_outcome_labels() -> None:
    assert outcome_of("large", "small", "too tight") == outcome_of("large", None, None)  # the return's answer first
    assert outcome_of(None, "fit", "too tight").source == "review"  # type: ignore[union-attr]
    assert outcome_of(None, None, "Too tight across the shoulders").label == "small"  # type: ignore[union-attr]
    assert reason_label("way too big") == "large" and reason_label("changed my mind") is None
    assert reason_label("too small here, too loose there") is None  # contradictory: no label
    assert outcome_of(None, None, None) is None  # kept without a word: not a training row


async def _seed(pool: Any, provider: Any, new_user: Any) -> dict[str, Any]:
    """Five shoppers buy one top: a review, two returns (fit answer / reason), a silent keep, a later review."""
    product = await _top(pool)
    users = {name: await new_user() for name in ("reviewed", "returned", "reason", "kept", "measured")}
    orders = {}
    orders["reviewed"] = await _buy(pool, provider, users["reviewed"], product["id"], "M")
    await review_fit(pool, users["reviewed"], product["id"], "small")
    orders["returned"] = await _buy(pool, provider, users["returned"], product["id"], "M")
    await request_return(pool, users["returned"], orders["returned"], product["id"], "just not right", "large")
    orders["reason"] = await _buy(pool, provider, users["reason"], product["id"], "L")
    await request_return(pool, users["reason"], orders["reason"], product["id"], "Too tight at the chest", None)
    orders["kept"] = await _buy(pool, provider, users["kept"], product["id"], "S")
    await update_profile(pool, users["measured"], BodyMeasurements(height_cm=168, weight_kg=61, chest_cm=90), None)
    orders["measured"] = await _buy(pool, provider, users["measured"], product["id"], "M")
    await review_fit(pool, users["measured"], product["id"], "fit")
    return {"product": product, "users": users, "orders": orders}


def _mine(rows: ShopFitRows, users: dict[str, int]) -> dict[str, int]:
    """Index of each seeded shopper's row among all the shop's rows."""
    index = {o.user_id: i for i, o in enumerate(rows.outcomes)}
    return {name: index[user] for name, user in users.items() if user in index}


async def test_exporter_labels_lines_and_computes_the_served_features(pool: Any, new_user: Any,
                                                                    offline: Any) -> None:
    seeded = await _seed(pool, offline, new_user)
    product, users = seeded["product"], seeded["users"]
    rows = await export_fit_rows(pool, PRIOR)
    mine = _mine(rows, users)
    assert set(mine) == {"reviewed", "returned", "reason", "measured"}  # the silent keep has no label
    got = {name: (rows.outcomes[i].size_label, rows.outcomes[i].label, rows.outcomes[i].source)
           for name, i in mine.items()}
    assert got == {
        "reviewed": ("M", "small", "review"),
        "returned": ("M", "large", "return"),
        "reason": ("L", "small", "return_reason"),
        "measured": ("M", "fit", "review"),
    }
    assert [int(rows.labels[mine[n]]) for n in ("reviewed", "returned", "reason", "measured")] == [0, 2, 0, 1]
    assert rows.skipped["no_outcome"] >= 1

    chart = chart_for(product["category"], product["gender"])
    assert chart is not None
    vocabulary = {"category": ["top"], "body_type": [], "rented_for": []}

    def expected(size: str, body: BodyMeasurements | None, by_size: dict[str, FitCounts]) -> np.ndarray:
        total = ItemFitFeedback(**{k: sum(getattr(c, k) for c in by_size.values()) for k in ("small", "fit", "large")})
        sizes = shop_fit_columns(np.array(PRIOR), body, chart, "tops", ShopperFitHistory(), by_size, total, None)
        return feature_matrix(row_of(sizes.columns, sizes.labels.index(size)), vocabulary)

    def actual(name: str) -> np.ndarray:
        return feature_matrix(row_of(rows.columns, mine[name]), vocabulary)

    # The first buyer: nothing known then (their own review came later and is not an input).
    np.testing.assert_array_equal(actual("reviewed"), expected("M", BodyMeasurements(), {}))
    # The measured shopper bought after the review (small, M) and the return (large, M): the product's
    # reports at that time, her current measurements; never her own later review.
    body = BodyMeasurements(height_cm=168, weight_kg=61, chest_cm=90)
    np.testing.assert_array_equal(actual("measured"), expected("M", body, {"M": FitCounts(small=1, large=1)}))
    assert not np.array_equal(actual("measured"), expected("M", body, {"M": FitCounts(small=1, fit=1, large=1)}))


def test_zero_shop_rows_trains_on_rtr_only(tmp_path: Path) -> None:
    prior = train_fit.load_prior(train_fit.DEFAULT_DATA, 0, RTR_ROWS)
    none = ShopFitRows(outcomes=[], columns=empty_columns(), labels=np.zeros(0, np.int64), skipped={"no_outcome": 0})
    assert "no shop rows" in train_fit.shop_summary(none) and "RentTheRunway only" in train_fit.shop_summary(none)
    rtr = train_fit.train_fit(train_fit.DEFAULT_DATA, 0, tmp_path / "rtr.json", RTR_ROWS, prior=prior)
    empty = train_fit.train_fit(train_fit.DEFAULT_DATA, 0, tmp_path / "empty.json", RTR_ROWS, none, prior=prior)
    assert empty.version == rtr.version and empty.manifest["shop_rows"] == 0


async def test_train_fit_with_shop_data_writes_a_new_version_the_server_reloads(
        pool: Any, new_user: Any, offline: Any, settings: Any, tmp_path: Path, app_client: Any,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seeded = await _seed(pool, offline, new_user)
    out = tmp_path / "fit-model.json"
    argv = ["--out", str(out), "--max-rows", str(RTR_ROWS)]
    assert await asyncio.to_thread(train_fit.main, argv) == 0
    store = FitModelStore(out)  # what a running server holds (SHEPHERD_FIT_MODEL pointing at --out)
    monkeypatch.setattr("commerce.shopper_advice.fit_models", lambda: store)
    token, _ = await new_guest(app_client)
    ask = {"headers": bearer(token), "json": {"product_id": seeded["product"]["id"]}}

    async def served_version() -> str:
        response = await app_client.post("/api/size/predict", **ask)
        assert response.status == 200
        return (await response.json())["advice"]["model_version"]

    before = store.get()
    assert "shop_rows" not in before.manifest and await served_version() == before.version

    assert await asyncio.to_thread(train_fit.main, [*argv, "--shop", "--shop-weight", "20"], settings) == 0
    printed = capsys.readouterr().out
    n_shop = (await export_fit_rows(pool, before.manifest["class_prior"])).n_rows
    assert n_shop >= 4 and f"{n_shop} shop rows" in printed
    after = store.get()  # the next question after the rewrite: no restart
    assert after.version != before.version and after.version == load_fit_model(out).version
    manifest = json.loads(out.read_text())
    assert manifest["shop_rows"] == n_shop and manifest["shop_weight"] == 20
    assert manifest["command"].endswith("--shop --shop-weight 20") and len(manifest["shop_data_sha256"]) == 64
    assert f"wrote {out} ({after.version}" in printed
    assert await served_version() == after.version  # the running app answers with the new model


async def test_train_returns_with_shop_data(pool: Any, new_user: Any, offline: Any, settings: Any,
                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeded = await _seed(pool, offline, new_user)
    fit_model = load_fit_model(train_fit.SHIPPED_MODEL)
    rows = await export_return_rows(pool, fit_model)
    where = {item: i for i, item in enumerate(rows.order_item_ids)}
    items = {name: await pool.fetchval("SELECT id FROM order_items WHERE order_id = $1", order)
             for name, order in seeded["orders"].items()}
    came_back = {name: int(rows.returned[where[item]]) for name, item in items.items()}
    assert came_back == {"reviewed": 0, "returned": 1, "reason": 1, "kept": 0, "measured": 0}
    second = where[items["returned"]]  # bought after the first shopper's purchase and "small" review
    assert [float(rows.columns[k][second]) for k in ("shopper_purchases", "shopper_returns", "item_purchases",
                                                     "item_returns", "item_small_reports")] == [0, 0, 1, 0, 1]
    assert 0 < rows.columns["size_confidence"][second] < 1

    out = tmp_path / "model.json"
    code = await asyncio.to_thread(
        train_returns.main, ["--shop", "--out", str(out), "--max-rows", str(RTR_ROWS)], settings)
    assert code == 0
    printed = capsys.readouterr().out
    model = ReturnRiskModel.load(out)
    assert model.metadata["shop_rows"] == rows.n_rows and model.metadata["shop_returns"] == int(rows.returned.sum())
    assert f"{model.metadata['shop_rows']} shop rows ({model.metadata['shop_returns']} returned" in printed
    assert model.metadata["command"].endswith("--shop --shop-weight 5")


def test_unreachable_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path, database_url="postgresql://shepherd@127.0.0.1:1/shop")
    out = tmp_path / "fit-model.json"
    code = train_fit.main(["--shop", "--out", str(out), "--max-rows", str(RTR_ROWS)], settings)
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.count("\n") == 1 and err.startswith("shepherd train fit: cannot reach the shop database (DATABASE_URL)")


def test_concat_fills_unknown_fields() -> None:
    prior = train_fit.load_prior(train_fit.DEFAULT_DATA, 0, 500)
    joined = concat_columns([prior.parts.validation, empty_columns()])
    assert joined.n_rows == prior.parts.validation.n_rows
    np.testing.assert_array_equal(feature_matrix(joined, prior.parts.vocabulary),
                                  feature_matrix(prior.parts.validation, prior.parts.vocabulary))


@pytest.mark.parametrize("command", ["fit", "returns"])
async def test_cli_refuses_without_the_database(command: str, tmp_path: Path) -> None:
    """``shepherd train fit|returns --shop`` with an unreachable DATABASE_URL: exit 2, one line, nothing written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEPHERD_", "DATABASE_URL", "VALKEY_URL"))}
    env.update(SHEPHERD_STATE_DIR=str(tmp_path), DATABASE_URL="postgresql://shepherd@127.0.0.1:1/shop")
    out = tmp_path / "model.json"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "voice_server.tools.cli", "train", command, "--shop", "--out", str(out),
        cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    lines = err.decode().splitlines()
    assert proc.returncode == 2 and not out.exists()
    assert len(lines) == 1 and lines[0].startswith(f"shepherd train {command}: cannot reach the shop database")
