"""Size advice from the served fit model: measurements, history, product feedback, similar shoppers."""

from __future__ import annotations

import time

import pytest

from commerce.models import BodyMeasurements
from commerce.sizing import (
    FitCounts,
    ItemFitFeedback,
    PastPurchase,
    ShopperFitHistory,
    SimilarBuildFeedback,
    advise_size,
    chart_for,
    load_fit_model,
    score_sizes,
)
from commerce.sizing.charts import ALPHA_SIZES, sizes_for
from commerce.sizing.fit_model import SHIPPED_MODEL
from commerce.sizing.size_scale import body_code, size_codes

MODEL = load_fit_model(SHIPPED_MODEL)
WOMENS_TOPS = chart_for("tops", "women")
MENS_TOPS = chart_for("tops", "men")
DRESSES = chart_for("dresses", "women", "us_dress")
ALL_ALPHA = list(ALPHA_SIZES)
ORDER = {label: i for i, label in enumerate(ALL_ALPHA)}
assert WOMENS_TOPS is not None and MENS_TOPS is not None and DRESSES is not None


def _p_fit(advice_probabilities: dict[str, float], label: str) -> float:
    return advice_probabilities[label]


def test_shipped_model_is_small_versioned_and_hash_checked() -> None:
    assert SHIPPED_MODEL.with_suffix(".npz").stat().st_size < 5_000_000
    assert MODEL.version.startswith("fit-") and MODEL.manifest["seed"] == 0
    assert "shepherd train fit" in MODEL.manifest["command"]


def test_charts_share_one_size_scale() -> None:
    dress = size_codes(DRESSES)
    assert dress["0"] == 4 and dress["8"] == 20  # RTR code = 4 + 2 x US size
    alpha = size_codes(WOMENS_TOPS)
    assert list(alpha.values()) == sorted(alpha.values())
    assert dress["0"] <= alpha["S"] <= alpha["M"] <= dress["12"]
    assert body_code(WOMENS_TOPS, 89.5) == pytest.approx(alpha["M"], abs=0.5)  # the middle of M is M


def test_advice_names_the_model_and_scores_every_size() -> None:
    advice = advise_size(MODEL, BodyMeasurements(chest_cm=90, height_cm=165, weight_kg=60), WOMENS_TOPS, ALL_ALPHA,
                         category="tops")
    assert advice.model_version == MODEL.version
    assert set(advice.fit_probabilities) == set(ALL_ALPHA)
    assert advice.size in ALL_ALPHA
    assert advice.confidence == pytest.approx(advice.fit_probabilities[advice.size], abs=1e-4)
    assert advice.runner_up is not None and advice.runner_up != advice.size
    assert advice.reason.count(".") == 1 and advice.reason.endswith(".")  # one spoken sentence
    assert "chart" in advice.basis and "percent" in advice.reason


def test_bigger_body_never_gets_a_smaller_size() -> None:
    sizes = [
        ORDER[advise_size(MODEL, BodyMeasurements(chest_cm=c, height_cm=165, weight_kg=w), WOMENS_TOPS, ALL_ALPHA,
                          category="tops").size]
        for c, w in ((80, 48), (90, 62), (104, 85))
    ]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_nothing_known_is_a_guess_and_says_so() -> None:
    advice = advise_size(MODEL, None, MENS_TOPS, ALL_ALPHA, category="tshirts")
    assert advice.guessing and advice.basis == []
    assert "guess" in advice.reason and "tell me" in advice.reason


def test_too_small_history_moves_the_fit_up() -> None:
    kept = ShopperFitHistory(purchases=[PastPurchase(size_system="alpha", size_label="M", category="tops")])
    before = advise_size(MODEL, None, WOMENS_TOPS, ALL_ALPHA, category="tops", shopper_history=kept)
    small = kept
    for category in ("tops", "shirts", "tops"):
        small = small.record(PastPurchase(size_system="alpha", size_label="M", fit="small", category=category))
    after = advise_size(MODEL, None, WOMENS_TOPS, ALL_ALPHA, category="tops", shopper_history=small)
    assert "history" in after.basis and "3 past orders" not in before.reason
    assert after.fit_probabilities["M"] < before.fit_probabilities["M"]
    assert ORDER[after.size] >= ORDER[before.size]


def test_history_in_another_size_system_is_ignored() -> None:
    shoes = ShopperFitHistory(purchases=[PastPurchase(size_system="uk_shoe", size_label="S", fit="small")])
    advice = advise_size(MODEL, None, MENS_TOPS, ALL_ALPHA, shopper_history=shoes)
    assert "history" not in advice.basis


def test_product_that_runs_small_lowers_the_small_sizes() -> None:
    body = BodyMeasurements(chest_cm=90, height_cm=165, weight_kg=60)
    plain = advise_size(MODEL, body, WOMENS_TOPS, ALL_ALPHA, category="tops")
    by_size = {"M": FitCounts(small=25, fit=5), "S": FitCounts(small=10, fit=1)}
    runs_small = advise_size(MODEL, body, WOMENS_TOPS, ALL_ALPHA, category="tops",
                             item_feedback=ItemFitFeedback(small=35, fit=6), item_feedback_by_size=by_size)
    assert runs_small.fit_probabilities["M"] < plain.fit_probabilities["M"]
    assert ORDER[runs_small.size] >= ORDER[plain.size]
    assert "runs small" in runs_small.reason and "item_feedback" in runs_small.basis


def test_similar_build_feedback_counts() -> None:
    similar = SimilarBuildFeedback(by_size={"L": FitCounts(fit=6), "M": FitCounts(small=6)})
    advice = advise_size(MODEL, BodyMeasurements(height_cm=170, weight_kg=70), WOMENS_TOPS, ALL_ALPHA,
                         category="tops", similar_build_feedback=similar)
    assert "similar" in advice.basis
    assert advice.size == "L"  # a step above the M that felt small to them


def test_sold_out_best_size_gives_runner_up_and_says_so() -> None:
    body = BodyMeasurements(chest_cm=90, height_cm=165, weight_kg=60)
    full = advise_size(MODEL, body, WOMENS_TOPS, ALL_ALPHA, category="tops")
    without = [s for s in ALL_ALPHA if s != full.size]
    advice = advise_size(MODEL, body, WOMENS_TOPS, without, category="tops")
    assert advice.size != full.size and "sold out" in advice.reason


def test_one_size_and_unknown_sizes() -> None:
    one = advise_size(MODEL, None, WOMENS_TOPS, ["Onesize"])
    assert one.confidence == 1.0 and one.basis == ["onesize"]
    shoes = advise_size(MODEL, BodyMeasurements(foot_cm=26.5), chart_for("shoes", "men"), sizes_for("shoes", "men"))
    assert shoes.size in sizes_for("shoes", "men") and "UK" in shoes.reason


def test_scores_are_distributions() -> None:
    scores = score_sizes(MODEL, BodyMeasurements(chest_cm=95), WOMENS_TOPS, "tops")
    assert scores.probabilities.shape == (len(ALL_ALPHA), 3)
    assert scores.probabilities.sum(axis=1) == pytest.approx([1.0] * len(ALL_ALPHA))


def test_advice_is_fast_enough_to_speak() -> None:
    body = BodyMeasurements(chest_cm=90, height_cm=165, weight_kg=60)
    history = ShopperFitHistory(purchases=[PastPurchase(size_system="alpha", size_label="M", fit="small")] * 5)
    timings = []
    for _ in range(60):
        started = time.perf_counter()
        advise_size(MODEL, body, WOMENS_TOPS, ALL_ALPHA, category="tops", shopper_history=history,
                    item_feedback_by_size={"M": FitCounts(small=3, fit=9)})
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[len(timings) // 2] < 0.010  # median; p99 is measured by bench/commerce_bench.py
