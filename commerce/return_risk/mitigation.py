"""Concrete, speakable advice that lowers the chance a cart line comes back."""

from __future__ import annotations

from commerce.return_risk.features import ReturnRiskFeatures

RUNS_SKEW = 0.12
"""(small − large) share of fit reports beyond which an item "runs small" / "runs large"."""


def _size_words(label: str) -> str:
    return {
        "XS": "extra small",
        "S": "small",
        "M": "medium",
        "L": "large",
        "XL": "extra large",
        "XXL": "double extra large",
    }.get(label, label)


def mitigation_for(features: ReturnRiskFeatures, probability: float) -> tuple[str | None, str | None]:
    """(one sentence, safer size) — or (None, None) when the line looks safe."""
    parts: list[str] = []
    safer: str | None = None
    if features.same_item_sizes_in_cart > 1:
        parts.append(
            f"You have {features.same_item_sizes_in_cart} sizes of the same item in your cart; "
            "most shoppers keep only one"
            + (f", so I'd keep the {_size_words(features.advised_size)}" if features.advised_size else "")
        )
    if features.advised_size and features.chosen_size and features.advised_size != features.chosen_size:
        safer = features.advised_size
        parts.append(
            f"the {_size_words(safer)} is a safer choice than the {_size_words(features.chosen_size)}"
        )
    reports = features.item_small_reports + features.item_large_reports
    if features.item_purchases or reports:
        skew = (features.item_small_reports - features.item_large_reports) / max(
            features.item_purchases, reports, 1
        )
        if skew >= RUNS_SKEW:
            parts.append("this runs small, so consider a size up")
        elif skew <= -RUNS_SKEW:
            parts.append("this runs large, so consider a size down")
    if (
        not parts
        and features.size_confidence is not None
        and features.size_confidence < 0.4
        and probability >= 0.2
    ):
        parts.append("I'm not sure about the size; your measurements would let me check it")
    if not parts:
        return None, None
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + ".", safer
