"""Size advice from measurements, history, product feedback and similar shoppers."""

from __future__ import annotations

import pytest

from commerce.models import BodyMeasurements
from commerce.sizing.advisor import advise_size, item_shift, size_distribution
from commerce.sizing.charts import ALPHA_SIZES, chart_for, sizes_for
from commerce.sizing.feedback import (
    FitCounts,
    ItemFitFeedback,
    PastPurchase,
    ShopperFitHistory,
    SimilarBuildFeedback,
)

WOMENS_TOPS = chart_for("tops", "women")
MENS_TOPS = chart_for("tops", "men")
ALL_ALPHA = list(ALPHA_SIZES)


@pytest.mark.parametrize(
    ("chest", "waist", "hips", "expected"),
    [
        (80, 62, 88, "XS"),
        (84.5, 66.5, 92.5, "S"),
        (89.5, 71.5, 97.5, "M"),
        (95, 77, 103, "L"),
        (102, 84, 110, "XL"),
        (110, 92, 118, "XXL"),
    ],
)
def test_clear_measurements_pick_the_chart_size(
    chest: float, waist: float, hips: float, expected: str
) -> None:
    body = BodyMeasurements(chest_cm=chest, waist_cm=waist, hips_cm=hips)
    advice = advise_size(body, WOMENS_TOPS, ALL_ALPHA)
    assert advice.size == expected
    assert advice.confidence > 0.6
    assert advice.basis == ["chart"]
    assert "measurement" in advice.reason


def test_bottoms_and_shoes_use_waist_and_foot() -> None:
    jeans = advise_size(BodyMeasurements(waist_cm=86.5), chart_for("jeans", "men"), sizes_for("jeans", "men"))
    assert jeans.size == "34"
    assert "waist" in jeans.reason
    shoes = advise_size(BodyMeasurements(foot_cm=26.5), chart_for("shoes", "men"), sizes_for("shoes", "men"))
    assert shoes.size == "8"
    assert "UK 8" in shoes.reason


def test_item_that_runs_small_sizes_up() -> None:
    body = BodyMeasurements(chest_cm=91)  # top of M
    plain = advise_size(body, WOMENS_TOPS, ALL_ALPHA)
    runs_small = ItemFitFeedback(small=30, fit=10, large=1)
    shifted = advise_size(body, WOMENS_TOPS, ALL_ALPHA, item_feedback=runs_small)
    assert plain.size == "M"
    assert shifted.size == "L"
    assert "runs small" in shifted.reason
    assert "item_feedback" in shifted.basis


def test_advice_changes_after_too_small_feedback_is_recorded() -> None:
    history = ShopperFitHistory(
        purchases=[PastPurchase(size_system="alpha", size_label="M", category="tops")]
    )
    before = advise_size(None, MENS_TOPS, ALL_ALPHA, shopper_history=history)
    assert before.size == "M"
    history = history.record(
        PastPurchase(size_system="alpha", size_label="M", fit="small", returned=True, category="shirts")
    )
    history = history.record(PastPurchase(size_system="alpha", size_label="M", fit="small", category="tops"))
    after = advise_size(None, MENS_TOPS, ALL_ALPHA, shopper_history=history)
    assert after.size == "L"
    assert "too small" in after.reason


def test_history_in_another_size_system_is_ignored() -> None:
    history = ShopperFitHistory(purchases=[PastPurchase(size_system="uk_shoe", size_label="S", fit="small")])
    advice = advise_size(None, MENS_TOPS, ALL_ALPHA, shopper_history=history)
    assert advice.basis == ["prior"]


def test_item_feedback_accumulates_and_changes_the_advice() -> None:
    body = BodyMeasurements(chest_cm=90.5)
    feedback = ItemFitFeedback()
    sizes = []
    for _ in range(40):
        sizes.append(advise_size(body, WOMENS_TOPS, ALL_ALPHA, item_feedback=feedback).size)
        feedback = ItemFitFeedback(**feedback.add("small").model_dump())
    assert sizes[0] == "M"
    assert ALL_ALPHA.index(sizes[-1]) > ALL_ALPHA.index("M")
    assert sizes == sorted(sizes, key=ALL_ALPHA.index)  # only ever moves up


def test_similar_build_feedback_counts() -> None:
    similar = SimilarBuildFeedback(by_size={"L": FitCounts(fit=6), "M": FitCounts(small=5)})
    advice = advise_size(None, WOMENS_TOPS, ALL_ALPHA, similar_build_feedback=similar)
    assert advice.size == "L"
    assert "similar build" in advice.reason


def test_nothing_known_is_honest_and_unsure() -> None:
    advice = advise_size(None, WOMENS_TOPS, ALL_ALPHA)
    assert advice.size == "M"
    assert advice.confidence < 0.35
    assert "don't know" in advice.reason
    assert "measurement" in advice.reason
    assert advice.basis == ["prior"]


def test_height_and_weight_estimate_is_less_sure_than_a_tape_measure() -> None:
    estimate = advise_size(BodyMeasurements(height_cm=165, weight_kg=60), WOMENS_TOPS, ALL_ALPHA)
    tape = advise_size(BodyMeasurements(chest_cm=89.5, waist_cm=71.5), WOMENS_TOPS, ALL_ALPHA)
    assert estimate.size in {"S", "M", "L"}
    assert estimate.basis == ["estimate"]
    assert estimate.confidence < tape.confidence
    heavy = advise_size(BodyMeasurements(height_cm=165, weight_kg=95), WOMENS_TOPS, ALL_ALPHA)
    assert ALL_ALPHA.index(heavy.size) > ALL_ALPHA.index(estimate.size)


def test_sold_out_best_size_gives_runner_up_and_says_so() -> None:
    body = BodyMeasurements(chest_cm=89.5, waist_cm=71.5, hips_cm=97.5)
    advice = advise_size(body, WOMENS_TOPS, ["S", "L", "XL"])
    assert advice.size in {"S", "L"}
    assert advice.runner_up in {"S", "L"} - {advice.size}
    assert "sold out" in advice.reason
    assert advice.confidence < 0.5


def test_one_size_items() -> None:
    advice = advise_size(None, [], ["Onesize"])
    assert advice.size == "Onesize"
    assert advice.confidence == 1.0


def test_probabilities_are_a_distribution_and_sharpen_with_evidence() -> None:
    nothing = size_distribution(None, WOMENS_TOPS)
    tape = size_distribution(BodyMeasurements(chest_cm=89.5), WOMENS_TOPS)
    for dist in (nothing, tape):
        assert sum(dist.probabilities) == pytest.approx(1.0)
        assert all(0 <= p <= 1 for p in dist.probabilities)
    assert max(tape.probabilities) > max(nothing.probabilities) + 0.3
    # a measurement exactly between two size centres splits the probability evenly
    between = size_distribution(BodyMeasurements(chest_cm=(84.5 + 89.5) / 2), WOMENS_TOPS)
    s, m = between.probabilities[1], between.probabilities[2]
    assert s == pytest.approx(m, rel=1e-6)
    assert s < 0.5


def test_item_shift_is_shrunk_and_bounded() -> None:
    assert item_shift(FitCounts(small=1)) < 0.4  # one report cannot move a whole size
    assert item_shift(FitCounts(small=1000)) == pytest.approx(1.0)
    assert item_shift(FitCounts(large=1000)) == pytest.approx(-1.0)
    assert item_shift(FitCounts(fit=50)) == 0.0
