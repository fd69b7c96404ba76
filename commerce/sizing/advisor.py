"""Runtime size advice: one size for one shopper and one product, with a calibrated confidence.

Every piece of evidence is an estimate (mean, standard deviation) of the shopper's *ideal
position* on the chart's size scale (0 = smallest size, 1 = next, ...):

- tape measurements: where each measurement sits among the size centres (σ 0.35 size);
- height / weight only: the same with BMI-estimated circumferences (σ 1.0 size);
- the shopper's history in the same size system: a kept or "fit" size k says k, "too small"
  says k + 1, "too large" says k − 1 (σ 0.6 each);
- shoppers of similar build on this product: the same rule on their feedback (σ 0.8 each,
  never more certain than σ 0.5 in total: they are not you);
- nothing at all: the middle size (M for XS–XXL, the most commonly bought) with σ 1.5.

Estimates are fused by precision weighting.  The product's own fit feedback ("runs small")
shifts the fused position by up to ±1 size (1.5 sizes per unit of (small − large) share).
Probabilities come from a softmax over sizes with logits −(k − μ)² and temperature 2σ²,
where σ² adds a floor of 0.3² (garments of one size differ).  That is a Gaussian on the size
scale, so the temperature is the spread of the evidence; docs/sizing.md says how the
calibration was checked and what is not yet checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from commerce.models import BodyMeasurements, SizeAdvice
from commerce.sizing.body import estimated, measured
from commerce.sizing.charts import PRIMARY_MEASURE, SizeChart, SizeRange
from commerce.sizing.feedback import FitCounts, ItemFitFeedback, ShopperFitHistory, SimilarBuildFeedback

SIGMA_MEASURED = 0.35
SIGMA_ESTIMATED = 1.0
SIGMA_HISTORY = 0.6
SIGMA_SIMILAR = 0.8
SIGMA_SIMILAR_MIN = 0.5
SIGMA_PRIOR = 1.5
SIGMA_FLOOR = 0.3
ITEM_SHIFT_PER_SKEW = 1.5
ITEM_SHIFT_MAX = 1.0
ITEM_PRIOR_REPORTS = 5.0
"""Pseudo-reports (all "fit") that item feedback is shrunk toward: 1 report cannot move a size."""

_FIT_OFFSET = {"small": 1.0, "fit": 0.0, "large": -1.0}
_ALPHA_WORDS = {
    "XS": "an extra small",
    "S": "a small",
    "M": "a medium",
    "L": "a large",
    "XL": "an extra large",
    "XXL": "a double extra large",
}


@dataclass(frozen=True)
class Evidence:
    """One estimate of the ideal size position."""

    kind: str  # "chart", "estimate", "history", "similar", "prior"
    position: float
    sigma: float
    detail: str


@dataclass(frozen=True)
class SizeDistribution:
    """Probability that each chart size fits, and how it was reached."""

    labels: list[str]
    probabilities: list[float]
    position: float
    sigma: float
    item_shift: float
    evidence: list[Evidence]


def speakable_size(label: str, size_system: str | None) -> str:
    """How a size label is said in a sentence ("a medium", "a 32 waist", "a UK 7")."""
    if label in _ALPHA_WORDS:
        return _ALPHA_WORDS[label]
    if label.lower() == "onesize":
        return "the one size"
    if size_system == "waist":
        return f"a {label} waist"
    if size_system == "uk_shoe":
        return f"a UK {label}"
    return f"a size {label}"


def _measure_position(value: float, centres: list[float]) -> float:
    """Fractional size index of a measurement: linear between size centres, extrapolated at the ends."""
    if len(centres) == 1:
        return 0.0
    if value <= centres[0]:
        return (value - centres[0]) / (centres[1] - centres[0])
    if value >= centres[-1]:
        return len(centres) - 1 + (value - centres[-1]) / (centres[-1] - centres[-2])
    for k in range(len(centres) - 1):
        if centres[k] <= value <= centres[k + 1]:
            return k + (value - centres[k]) / (centres[k + 1] - centres[k])
    raise AssertionError("unreachable")


def _where_in_range(value: float, bounds: tuple[float, float]) -> str:
    lo, hi = bounds
    if value < lo:
        return "is below"
    if value > hi:
        return "is above"
    share = (value - lo) / (hi - lo) if hi > lo else 0.5
    if share < 0.3:
        return "sits at the bottom of"
    if share > 0.7:
        return "sits at the top of"
    return "sits in the middle of"


def _body_evidence(
    values: dict[str, float], sizes: list[SizeRange], primary: str, kind: str, sigma: float
) -> Evidence | None:
    """Fuse measurement positions: primary measure counts double, the tightest measure pulls up."""
    positions: dict[str, float] = {}
    for measure, value in values.items():
        centres = [s.centre(measure) for s in sizes]  # type: ignore[arg-type]
        if all(c is not None for c in centres) and measure != "height":
            positions[measure] = _measure_position(value, [c for c in centres if c is not None])
    if not positions:
        return None
    weights = {m: 2.0 if m == primary else 1.0 for m in positions}
    mean = sum(weights[m] * p for m, p in positions.items()) / sum(weights.values())
    position = mean + 0.5 * (max(positions.values()) - mean)
    spread = max(positions.values()) - min(positions.values())
    lead = primary if primary in positions else max(positions, key=positions.__getitem__)
    return Evidence(kind, position, math.hypot(sigma, spread / 2), lead)


def _history_evidence(
    history: ShopperFitHistory, index: dict[str, int], size_system: str | None
) -> list[Evidence]:
    out = []
    for purchase in history.purchases:
        if size_system is not None and purchase.size_system != size_system:
            continue
        if purchase.size_label not in index or (purchase.fit is None and purchase.returned):
            continue
        fit = purchase.fit or "fit"
        position = index[purchase.size_label] + _FIT_OFFSET[fit]
        verb = "returned" if purchase.returned else "kept"
        what = {"small": " as too small", "large": " as too large", "fit": ""}[fit]
        where = f" in {purchase.category}" if purchase.category else ""
        out.append(
            Evidence("history", position, SIGMA_HISTORY, f"you {verb} {purchase.size_label}{where}{what}")
        )
    return out


def _similar_evidence(similar: SimilarBuildFeedback, index: dict[str, int]) -> Evidence | None:
    total_precision, weighted = 0.0, 0.0
    for label, counts in similar.by_size.items():
        if label not in index:
            continue
        for fit, n in (("small", counts.small), ("fit", counts.fit), ("large", counts.large)):
            precision = n / SIGMA_SIMILAR**2
            total_precision += precision
            weighted += precision * (index[label] + _FIT_OFFSET[fit])
    if total_precision == 0:
        return None
    sigma = max(1 / math.sqrt(total_precision), SIGMA_SIMILAR_MIN)
    best = max(similar.by_size, key=lambda lbl: similar.by_size[lbl].fit)
    return Evidence("similar", weighted / total_precision, sigma, best)


def item_shift(feedback: FitCounts) -> float:
    """Size steps to move because the product runs small (+) or large (−), shrunk toward 'fits'."""
    skew = (feedback.small - feedback.large) / (feedback.total + ITEM_PRIOR_REPORTS)
    return max(-ITEM_SHIFT_MAX, min(ITEM_SHIFT_MAX, ITEM_SHIFT_PER_SKEW * skew))


def size_distribution(
    measurements: BodyMeasurements | None,
    chart: SizeChart | Sequence[SizeRange],
    shopper_history: ShopperFitHistory | None = None,
    item_feedback: FitCounts | None = None,
    similar_build_feedback: SimilarBuildFeedback | None = None,
) -> SizeDistribution:
    """Probability that each size of the chart fits (the advisor's model, without wording)."""
    sizes = list(chart.sizes) if isinstance(chart, SizeChart) else list(chart)
    if not sizes:
        raise ValueError("empty size chart")
    system = chart.size_system if isinstance(chart, SizeChart) else None
    gender = chart.gender if isinstance(chart, SizeChart) else None
    primary = PRIMARY_MEASURE.get(system or "", "chest")
    if isinstance(chart, SizeChart) and chart.category_group == "bottoms":
        primary = "waist"
    index = {s.size_label: k for k, s in enumerate(sizes)}

    evidence: list[Evidence] = []
    tape = _body_evidence(measured(measurements), sizes, primary, "chart", SIGMA_MEASURED)
    if tape is not None:
        evidence.append(tape)
    else:
        guess = _body_evidence(estimated(measurements, gender), sizes, primary, "estimate", SIGMA_ESTIMATED)
        if guess is not None:
            evidence.append(guess)
    evidence += _history_evidence(shopper_history or ShopperFitHistory(), index, system)
    similar = _similar_evidence(similar_build_feedback or SimilarBuildFeedback(), index)
    if similar is not None:
        evidence.append(similar)
    if not evidence:
        evidence.append(Evidence("prior", float((len(sizes) - 1) // 2), SIGMA_PRIOR, "most common"))

    precision = sum(1 / e.sigma**2 for e in evidence)
    position = sum(e.position / e.sigma**2 for e in evidence) / precision
    shift = item_shift(item_feedback or FitCounts())
    if similar is not None:  # similar shoppers already felt this product's cut
        shift /= 2
    position += shift
    sigma = math.sqrt(1 / precision + SIGMA_FLOOR**2)
    logits = [-((k - position) ** 2) / (2 * sigma**2) for k in range(len(sizes))]
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    total = sum(weights)
    return SizeDistribution(
        labels=[s.size_label for s in sizes],
        probabilities=[w / total for w in weights],
        position=position,
        sigma=sigma,
        item_shift=shift,
        evidence=evidence,
    )


def _runs_clause(shift: float) -> str | None:
    if shift >= 0.6:
        return "shoppers say this runs small"
    if shift >= 0.15:
        return "shoppers say this runs a little small"
    if shift <= -0.6:
        return "shoppers say this runs large"
    if shift <= -0.15:
        return "shoppers say this runs a little large"
    return None


def _reason(
    choice: str,
    dist: SizeDistribution,
    sizes: list[SizeRange],
    body: BodyMeasurements | None,
    system: str | None,
) -> str:
    said = speakable_size(choice, system)
    kinds = {e.kind: e for e in dist.evidence}
    runs = _runs_clause(dist.item_shift)
    if "prior" in kinds:
        lead = (
            f"I don't know your measurements yet, so {said} is just the most common choice"
            if runs is None
            else f"I don't know your measurements yet; {runs}, so {said} is my best guess"
        )
        ask = "foot length" if system == "uk_shoe" else "chest and waist measurements"
        return f"{lead}. Tell me your {ask} and I can be much more precise."
    clauses: list[str] = []
    if "chart" in kinds:
        measure = kinds["chart"].detail
        value = measured(body)[measure]  # type: ignore[index]
        bounds = next(s for s in sizes if s.size_label == choice).measures.get(measure)  # type: ignore[call-overload]
        name = {"chest": "chest", "waist": "waist", "hips": "hip", "foot": "foot length"}.get(
            measure, measure
        )
        if bounds is not None:
            clauses.append(f"your {name} measurement {_where_in_range(value, bounds)} its range")
        else:
            clauses.append(f"your {name} measurement points to it")
    elif "estimate" in kinds:
        clauses.append("your height and weight point to it, though a tape measurement would make me surer")
    history = [e for e in dist.evidence if e.kind == "history"]
    if history:
        clauses.append(" and ".join(e.detail for e in history[-2:]))
    if "similar" in kinds:
        clauses.append("shoppers with a similar build were happiest in " + kinds["similar"].detail)
    if runs is not None:
        clauses.append(runs)
    body_text = ", ".join(clauses[:-1]) + (" and " if len(clauses) > 1 else "") + clauses[-1]
    return f"I'd go with {said}: {body_text}."


def advise_size(
    measurements: BodyMeasurements | None,
    chart: SizeChart | Sequence[SizeRange],
    available: Sequence[str],
    shopper_history: ShopperFitHistory | None = None,
    item_feedback: ItemFitFeedback | FitCounts | None = None,
    similar_build_feedback: SimilarBuildFeedback | None = None,
) -> SizeAdvice:
    """The size to buy among `available`, its probability of fitting, a runner-up and one spoken reason.

    Pass a `SizeChart` (not just its ranges) so that the shopper's history is matched by size
    system and height/weight estimates use the chart's gender.
    """
    sizes = list(chart.sizes) if isinstance(chart, SizeChart) else list(chart)
    system = chart.size_system if isinstance(chart, SizeChart) else None
    stocked = [label for label in available if label in {s.size_label for s in sizes}]
    if not stocked:
        only = available[0] if available else "Onesize"
        return SizeAdvice(
            size=only,
            confidence=1.0 if len(available) == 1 else 0.0,
            reason="This comes in one size."
            if len(available) == 1
            else "I have no size chart for this item.",
            basis=["onesize"] if len(available) == 1 else [],
        )
    dist = size_distribution(
        measurements,
        sizes if system is None else chart,
        shopper_history,
        item_feedback,
        similar_build_feedback,
    )
    prob = dict(zip(dist.labels, dist.probabilities, strict=True))
    ranked = sorted(stocked, key=lambda label: prob[label], reverse=True)
    choice = ranked[0]
    reason = _reason(choice, dist, sizes, measurements, system)
    best_overall = max(prob, key=prob.__getitem__)
    if best_overall != choice:
        reason = (
            reason[:-1]
            + f" ({speakable_size(best_overall, system)} would suit you better but it's sold out)."
        )
    basis = sorted({e.kind for e in dist.evidence})
    if item_feedback is not None and item_feedback.total > 0:
        basis.append("item_feedback")
    return SizeAdvice(
        size=choice,
        confidence=round(min(1.0, max(0.0, prob[choice])), 4),
        runner_up=ranked[1] if len(ranked) > 1 else None,
        reason=reason,
        basis=basis,
    )
