"""Size advice from the served fit model: every size of the product scored, the best one said in one sentence.

For each size of the product's chart the model gives P(small / fit / large) for this shopper
(`commerce.sizing.fit_model.FitModel`).  The advice is the stocked size with the highest
log P(fit) + log prior(size) (`commerce.sizing.size_choice`: where the shopper's size lies by
chart, history and the product's lean); the runner-up the next one; the confidence is P(fit)
of the advised size (its calibration on RTR is the ``ece_per_class`` of ``shepherd bench fit``).

What the model is told (the same `FitColumns` the RTR benchmark scores):

- body: height, weight, bust / chest and body type; the shopper's primary measure (chest, or
  waist for bottoms) placed on the RTR size scale through the product's chart (`size_scale`),
  from a tape measurement or else estimated from height and weight;
- the shopper's history: every past purchase with a fit answer ("too small", "fits", kept
  without comment = fits), its size mapped to the RTR scale through its own chart, plus the
  fit reports of shoppers of similar build on this product (they stand in for the shopper);
- the product's fit feedback, overall and per size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from commerce.models import BodyMeasurements, SizeAdvice
from commerce.sizing.charts import SizeChart, chart_for
from commerce.sizing.feedback import FitCounts, ItemFitFeedback, ShopperFitHistory, SimilarBuildFeedback
from commerce.sizing.fit_inputs import SHOP_TO_RTR_CATEGORY, STAT_GROUPS, FitColumns
from commerce.sizing.fit_model import FitModel
from commerce.sizing.fit_stats import group_fit_stats
from commerce.sizing.size_choice import RTR_SIZE_STEP, SIGMA_ESTIMATE, SIGMA_TAPE, advice_scores, prior_from
from commerce.sizing.size_scale import body_code, shopper_measure, size_codes
from commerce.sizing.speech import advice_sentence

LB_PER_KG = 2.20462
CM_PER_INCH = 2.54
SMALL, FIT, LARGE = 0, 1, 2
_LABEL = {"small": SMALL, "fit": FIT, "large": LARGE}
GUESS_BELOW = 0.5
"""Below this P(fit) the advice says it is a guess."""


@dataclass(frozen=True)
class SizeScores:
    """P(small / fit / large) for every size of a chart, and what they rest on."""

    labels: list[str]
    probabilities: np.ndarray  # (n_sizes, 3)
    ranking: np.ndarray  # (n_sizes,): log P(fit) + log prior (commerce.sizing.size_choice)
    basis: list[str]
    measure_source: str  # "tape", "estimate" or "none"
    history_count: int
    item_reports: int
    item_skew: float  # (small − large) share of the product's reports, shrunk toward 0
    model_version: str


def _reports(counts: FitCounts, size: float) -> tuple[list[int], list[float]]:
    labels: list[int] = []
    for name, n in (("small", counts.small), ("fit", counts.fit), ("large", counts.large)):
        labels += [_LABEL[name]] * n
    return labels, [size] * len(labels)


def _history_rows(history: ShopperFitHistory, chart: SizeChart) -> tuple[list[int], list[float]]:
    labels: list[int] = []
    sizes: list[float] = []
    for purchase in history.purchases:
        if purchase.fit is None and purchase.returned:
            continue  # came back without saying why: no fit evidence
        own = chart_for(purchase.category or "", chart.gender, purchase.size_system)
        code = None if own is None else size_codes(own).get(purchase.size_label)
        if code is None:
            continue
        labels.append(_LABEL[purchase.fit or "fit"])
        sizes.append(code)
    return labels, sizes


def _stats(labels: list[int], sizes: list[float], n_queries: int, prior: np.ndarray) -> np.ndarray:
    keys = np.zeros(len(labels), dtype=np.int64)
    return group_fit_stats(
        keys,
        np.array(labels, dtype=np.int64),
        np.array(sizes, dtype=np.float64),
        np.zeros(n_queries, np.int64),
        prior,
    )


def _per_size_stats(by_size: dict[str, FitCounts], codes: dict[str, float], prior: np.ndarray) -> np.ndarray:
    """Statistics of each chart size from the product's reports in that size (one row per size)."""
    keys: list[int] = []
    labels: list[int] = []
    sizes: list[float] = []
    for k, label in enumerate(codes):
        more_labels, more_sizes = _reports(by_size.get(label, FitCounts()), codes[label])
        keys += [k] * len(more_labels)
        labels += more_labels
        sizes += more_sizes
    return group_fit_stats(
        np.array(keys, dtype=np.int64),
        np.array(labels, dtype=np.int64),
        np.array(sizes, dtype=np.float64),
        np.arange(len(codes)),
        prior,
    )


def _body_columns(body: BodyMeasurements | None, chart: SizeChart, n: int) -> dict[str, np.ndarray]:
    def fill(value: float | None, scale: float = 1.0) -> np.ndarray:
        return np.full(n, np.nan if value is None else value * scale)

    body = body or BodyMeasurements()
    measure, _ = shopper_measure(body, chart)
    return {
        "weight_lbs": fill(body.weight_kg, LB_PER_KG),
        "height_in": fill(body.height_cm, 1 / CM_PER_INCH),
        "bust_cm": fill(body.chest_cm),
        "chart_size": np.full(n, body_code(chart, measure)),
    }


@dataclass(frozen=True)
class ShopColumns:
    """`FitColumns` of every chart size for one shopper and product, and what they rest on."""

    labels: list[str]
    columns: FitColumns
    history_count: int
    item_labels: list[int]


def shop_fit_columns(
    class_prior: np.ndarray,
    measurements: BodyMeasurements | None,
    chart: SizeChart,
    category: str | None = None,
    shopper_history: ShopperFitHistory | None = None,
    item_feedback_by_size: dict[str, FitCounts] | None = None,
    item_feedback: FitCounts | None = None,
    similar_build_feedback: SimilarBuildFeedback | None = None,
) -> ShopColumns:
    """The model's inputs for every chart size: the one place the shop's evidence becomes `FitColumns`.

    Served advice (`score_sizes`) and training on the shop's own outcomes (``training.shop_data``)
    both call this, so the shop's training rows are exactly what the server computes.
    """
    codes = size_codes(chart)
    labels = list(codes)
    n = len(labels)
    prior = class_prior
    by_size = item_feedback_by_size or {}

    user_labels, user_sizes = _history_rows(shopper_history or ShopperFitHistory(), chart)
    history_count = len(user_labels)
    for label, counts in (similar_build_feedback or SimilarBuildFeedback()).by_size.items():
        if label in codes:
            more_labels, more_sizes = _reports(counts, codes[label])
            user_labels += more_labels
            user_sizes += more_sizes

    item_labels: list[int] = []
    item_sizes: list[float] = []
    for label, counts in by_size.items():
        more_labels, more_sizes = _reports(counts, codes.get(label, float("nan")))
        item_labels += more_labels
        item_sizes += more_sizes
    total = item_feedback or FitCounts()
    sized = FitCounts(
        small=sum(c.small for c in by_size.values()),
        fit=sum(c.fit for c in by_size.values()),
        large=sum(c.large for c in by_size.values()),
    )
    unsized = FitCounts(
        small=max(total.small - sized.small, 0),
        fit=max(total.fit - sized.fit, 0),
        large=max(total.large - sized.large, 0),
    )
    more_labels, more_sizes = _reports(unsized, float("nan"))
    item_labels += more_labels
    item_sizes += more_sizes

    stats = {
        "user": _stats(user_labels, user_sizes, n, prior),
        "item": _stats(item_labels, item_sizes, n, prior),
        "item_size": _per_size_stats(by_size, codes, prior),
    }
    assert set(stats) == set(STAT_GROUPS)
    body = measurements or BodyMeasurements()
    rtr_category = SHOP_TO_RTR_CATEGORY.get(category or "", "")
    columns = FitColumns(
        size=np.array([codes[label] for label in labels]),
        stats=stats,
        **_body_columns(body, chart, n),
        text={
            "category": np.full(n, rtr_category),
            "body_type": np.full(n, body.body_type or ""),
            "rented_for": np.full(n, ""),
        },
    )
    return ShopColumns(labels=labels, columns=columns, history_count=history_count, item_labels=item_labels)


def score_sizes(
    model: FitModel,
    measurements: BodyMeasurements | None,
    chart: SizeChart,
    category: str | None = None,
    shopper_history: ShopperFitHistory | None = None,
    item_feedback_by_size: dict[str, FitCounts] | None = None,
    item_feedback: FitCounts | None = None,
    similar_build_feedback: SimilarBuildFeedback | None = None,
) -> SizeScores:
    """P(small / fit / large) of every chart size for this shopper and product."""
    shop = shop_fit_columns(
        model.class_prior,
        measurements,
        chart,
        category,
        shopper_history,
        item_feedback_by_size,
        item_feedback,
        similar_build_feedback,
    )
    labels, columns, history_count, item_labels = shop.labels, shop.columns, shop.history_count, shop.item_labels
    n = len(labels)
    codes = size_codes(chart)
    body = measurements or BodyMeasurements()
    probabilities = model.predict(columns)
    _, source = shopper_measure(body, chart)
    codes_list = list(codes.values())
    step = (codes_list[-1] - codes_list[0]) / (n - 1) if n > 1 else RTR_SIZE_STEP
    sigma = SIGMA_TAPE if source == "tape" else SIGMA_ESTIMATE
    middle = codes_list[(n - 1) // 2]
    ranking = advice_scores(probabilities[:, FIT], columns.size, prior_from(columns, sigma, step, middle))
    basis = {"tape": ["chart"], "estimate": ["estimate"], "none": []}[source]
    if history_count:
        basis.append("history")
    if similar_build_feedback is not None and similar_build_feedback.by_size:
        basis.append("similar")
    reports = len(item_labels)
    if reports:
        basis.append("item_feedback")
    skew = (sum(1 for v in item_labels if v == SMALL) - sum(1 for v in item_labels if v == LARGE)) / (
        reports + 5
    )
    return SizeScores(
        labels=labels,
        probabilities=probabilities,
        ranking=ranking,
        basis=basis,
        measure_source=source,
        history_count=history_count,
        item_reports=reports,
        item_skew=skew,
        model_version=model.version,
    )


def advise_size(
    model: FitModel,
    measurements: BodyMeasurements | None,
    chart: SizeChart,
    available: Sequence[str],
    *,
    category: str | None = None,
    shopper_history: ShopperFitHistory | None = None,
    item_feedback: ItemFitFeedback | FitCounts | None = None,
    item_feedback_by_size: dict[str, FitCounts] | None = None,
    similar_build_feedback: SimilarBuildFeedback | None = None,
) -> SizeAdvice:
    """The stocked size most likely to fit, its P(fit), a runner-up and one spoken sentence."""
    stocked = [label for label in available if label in set(chart.labels)]
    if not stocked:
        only = available[0] if available else "Onesize"
        one = len(available) == 1
        return SizeAdvice(
            size=only,
            confidence=1.0 if one else 0.0,
            reason="This comes in one size." if one else "I have no size chart for this item.",
            basis=["onesize"] if one else [],
            model_version=model.version,
            guessing=not one,
        )
    scores = score_sizes(
        model,
        measurements,
        chart,
        category,
        shopper_history,
        item_feedback_by_size,
        item_feedback,
        similar_build_feedback,
    )
    p_fit = dict(zip(scores.labels, (float(p) for p in scores.probabilities[:, FIT]), strict=True))
    rank = dict(zip(scores.labels, (float(r) for r in scores.ranking), strict=True))
    ranked = sorted(stocked, key=lambda label: rank[label], reverse=True)
    choice = ranked[0]
    best = max(rank, key=rank.__getitem__)
    confidence = round(min(1.0, max(0.0, p_fit[choice])), 4)
    guessing = confidence < GUESS_BELOW or not scores.basis
    row = scores.probabilities[scores.labels.index(choice)]
    return SizeAdvice(
        size=choice,
        confidence=confidence,
        runner_up=ranked[1] if len(ranked) > 1 else None,
        reason=advice_sentence(choice, chart.size_system, scores, confidence, guessing, row, best),
        basis=scores.basis,
        model_version=scores.model_version,
        guessing=guessing,
        fit_probabilities={label: round(p, 4) for label, p in p_fit.items()},
    )
