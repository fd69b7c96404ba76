"""Return-risk model: shipped coefficients, monotone effects, the multi-size rule and mitigation text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from commerce.return_risk.features import DESIGN_COLUMNS, ReturnRiskFeatures, category_group
from commerce.return_risk.model import DEFAULT_MODEL_PATH, ReturnRiskModel, risk_level
from training.returns_benchmark import format_returns_report, run_returns_benchmark
from training.train_returns import main as train_main

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "renttherunway_fit.csv.gz"
MODEL = ReturnRiskModel.load()


def test_shipped_model_is_plain_json_with_every_coefficient() -> None:
    data = json.loads(DEFAULT_MODEL_PATH.read_text())
    assert set(data["coefficients"]) == set(DESIGN_COLUMNS)
    assert 0.15 < data["priors"]["return_rate"] < 0.4
    assert data["metadata"]["return_proxy"] == "fit != fit"


def test_new_shop_starts_near_the_prior() -> None:
    typical_fit = 1 - MODEL.priors["return_rate"]  # the fit model's P(fit) for an average rental
    risk = MODEL.predict(ReturnRiskFeatures(size_confidence=typical_fit))
    assert abs(risk.probability - MODEL.priors["return_rate"]) < 0.1
    unsure = MODEL.predict(ReturnRiskFeatures(size_confidence=0.4))
    assert unsure.probability > risk.probability + 0.1  # a size unlikely to fit comes back more


def test_history_moves_the_risk_and_more_history_moves_it_further() -> None:
    base = ReturnRiskFeatures(size_confidence=0.6, category="dresses")
    few = base.model_copy(update={"item_returns": 2, "item_purchases": 3})
    many = base.model_copy(update={"item_returns": 60, "item_purchases": 90})
    good = base.model_copy(update={"item_returns": 3, "item_purchases": 90})
    p = {
        name: MODEL.predict(f).probability
        for name, f in {"base": base, "few": few, "many": many, "good": good}.items()
    }
    assert p["good"] < p["base"] < p["few"] < p["many"]
    serial = base.model_copy(update={"shopper_returns": 8, "shopper_purchases": 10})
    assert MODEL.predict(serial).probability > p["base"]


def test_several_sizes_of_one_item_mean_at_least_one_comes_back() -> None:
    two = ReturnRiskFeatures(same_item_sizes_in_cart=2, chosen_size="L", advised_size="M")
    risk = MODEL.predict(two)
    assert risk.probability >= 0.5
    assert risk.level == "high"
    assert risk.mitigation is not None and "most shoppers keep only one" in risk.mitigation
    assert risk.safer_size == "M"
    assert "the medium is a safer choice" in risk.mitigation


def test_runs_small_mitigation() -> None:
    runs_small = ReturnRiskFeatures(
        item_purchases=40, item_returns=20, item_small_reports=18, item_large_reports=2
    )
    risk = MODEL.predict(runs_small)
    assert risk.mitigation is not None and "runs small" in risk.mitigation
    quiet = MODEL.predict(ReturnRiskFeatures(size_confidence=0.9, item_purchases=40, item_returns=4))
    assert quiet.level == "low"
    assert quiet.mitigation is None


def test_levels_and_groups() -> None:
    assert [risk_level(p) for p in (0.1, 0.3, 0.7)] == ["low", "medium", "high"]
    assert category_group("gown") == category_group("dresses") == "dresses"
    assert category_group("watches") == "other"


def test_model_json_rejects_missing_coefficients() -> None:
    data = MODEL.to_dict()
    del data["coefficients"]["item_small_share"]
    with pytest.raises(ValueError, match="item_small_share"):
        ReturnRiskModel.from_dict(data)


@pytest.mark.integration  # trains a model on a 20k-row subsample
def test_train_command_writes_a_loadable_model(tmp_path: Path) -> None:
    small = tmp_path / "rtr_small.csv"
    import gzip

    with gzip.open(DATA, "rt") as src:
        small.write_text("".join(line for _, line in zip(range(20_001), src, strict=False)))
    out = tmp_path / "model.json"
    train_main(["--out", str(out), "--data", str(small), "--seed", "3"])
    model = ReturnRiskModel.load(out)
    assert model.metadata["seed"] == 3
    assert model.coefficients["logit_item_return_rate"] > 0  # items with more fit problems return more


@pytest.mark.integration  # trains and scores on a 40k-row subsample
def test_returns_benchmark_on_a_subsample_is_calibrated_and_beats_the_base_rate() -> None:
    result = run_returns_benchmark(DATA, seed=2, max_rows=40_000)
    json.dumps(result)
    assert result["proxy"] == "fit != fit"
    assert result["auc"] > result["baselines"]["base_rate"]["auc"] + 0.1
    assert result["brier"] < result["baselines"]["base_rate"]["brier"]
    assert result["ece"] < 0.05
    assert result["baselines"]["fit_model_not_fit"]["auc"] > 0.6
    assert result["fit_model_version"].startswith("fit-")
    mitigation = result["mitigation"]
    assert mitigation["predicted_return_rate_if_advice_taken"] <= mitigation["predicted_return_rate_as_rented"]
    assert np.isfinite(result["seconds"])
    assert "RETURN PROXY" in format_returns_report(result)


def test_served_size_confidence_is_the_fit_probability_of_the_size_in_the_cart() -> None:
    from commerce.models import SizeAdvice
    from commerce.shopper_advice import fit_probability

    advice = SizeAdvice(size="M", confidence=0.7, reason="x", fit_probabilities={"M": 0.7, "L": 0.4})
    assert fit_probability(advice, "L") == 0.4  # not the confidence in the advised M
    assert fit_probability(advice, None) == 0.7
    assert fit_probability(None, "L") is None
    assert json.loads(DEFAULT_MODEL_PATH.read_text())["metadata"]["size_confidence"].startswith("served fit model")


def test_server_reloads_a_retrained_return_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import commerce.shopper_advice as advice

    path = tmp_path / "model.json"
    path.write_text(DEFAULT_MODEL_PATH.read_text())
    monkeypatch.setattr(advice, "DEFAULT_MODEL_PATH", path)
    monkeypatch.setattr(advice, "_RISK", {})
    first = advice.risk_model_version()
    data = json.loads(path.read_text())
    data["intercept"] += 0.5  # `shepherd train returns` writing a new model
    path.write_text(json.dumps(data))
    os.utime(path, ns=(1, 10**18))
    assert advice.risk_model_version() != first
    assert advice.risk_model().intercept == pytest.approx(data["intercept"])
