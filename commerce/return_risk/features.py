"""What a shop knows about a cart line when it estimates the chance it comes back."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

CATEGORY_GROUPS: tuple[str, ...] = ("dresses", "tops", "bottoms", "outerwear", "other")
_GROUP_OF_CATEGORY: dict[str, str] = {
    "dresses": "dresses",
    "ethnic_sets": "dresses",
    "sarees": "dresses",
    "kurtas": "tops",
    "tops": "tops",
    "tshirts": "tops",
    "shirts": "tops",
    "sweaters": "outerwear",
    "jackets": "outerwear",
    "jeans": "bottoms",
    "trousers": "bottoms",
    "shorts": "bottoms",
    "skirts": "bottoms",
    # RentTheRunway categories
    "dress": "dresses",
    "gown": "dresses",
    "sheath": "dresses",
    "shift": "dresses",
    "maxi": "dresses",
    "mini": "dresses",
    "midi": "dresses",
    "jumpsuit": "dresses",
    "romper": "dresses",
    "frock": "dresses",
    "top": "tops",
    "blouse": "tops",
    "shirt": "tops",
    "tee": "tops",
    "shirtdress": "dresses",
    "knit": "tops",
    "tunic": "tops",
    "blouson": "tops",
    "cami": "tops",
    "tank": "tops",
    "jacket": "outerwear",
    "coat": "outerwear",
    "blazer": "outerwear",
    "sweater": "outerwear",
    "cardigan": "outerwear",
    "vest": "outerwear",
    "bomber": "outerwear",
    "poncho": "outerwear",
    "skirt": "bottoms",
    "pants": "bottoms",
    "leggings": "bottoms",
    "culottes": "bottoms",
    "culotte": "bottoms",
    "pant": "bottoms",
    "trouser": "bottoms",
    "sweatpants": "bottoms",
}


def category_group(category: str | None) -> str:
    """Coarse garment group of a shop or RTR category ('other' when unknown)."""
    return _GROUP_OF_CATEGORY.get((category or "").strip().lower(), "other")


class ReturnRiskFeatures(BaseModel):
    """Inputs of the return-risk model for one cart line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    size_confidence: float | None = Field(
        default=None, ge=0, le=1, description="fit model's P(fit) for the size in the cart (SizeAdvice.fit_probabilities)"
    )
    shopper_returns: int = Field(default=0, ge=0)
    shopper_purchases: int = Field(default=0, ge=0)
    item_returns: int = Field(default=0, ge=0)
    item_purchases: int = Field(default=0, ge=0)
    item_small_reports: int = Field(default=0, ge=0, description="fit feedback 'too small' on this item")
    item_large_reports: int = Field(default=0, ge=0, description="fit feedback 'too large' on this item")
    category: str | None = None
    price_cents: int | None = Field(default=None, ge=0)
    same_item_sizes_in_cart: int = Field(
        default=1, ge=1, description="distinct sizes of this item in the cart"
    )
    chosen_size: str | None = None
    advised_size: str | None = Field(default=None, description="SizeAdvice.size for this shopper and item")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 0.01, 0.99)
    return np.log(p / (1 - p))


def design_matrix(columns: dict[str, np.ndarray], priors: dict[str, float]) -> np.ndarray:
    """Model inputs from raw counts: rates shrunk toward priors (Bayesian, Beta pseudo-counts), logits, logs.

    `columns` holds arrays named like the `ReturnRiskFeatures` fields (category as group names);
    `priors` holds ``return_rate``, ``small_share``, ``large_share``, ``shopper_strength``,
    ``item_strength``.
    """
    rate = priors["return_rate"]
    conf = columns["size_confidence"].astype(np.float64)
    conf_missing = np.isnan(conf)
    shopper_rate = (columns["shopper_returns"] + priors["shopper_strength"] * rate) / (
        columns["shopper_purchases"] + priors["shopper_strength"]
    )
    item_rate = (columns["item_returns"] + priors["item_strength"] * rate) / (
        columns["item_purchases"] + priors["item_strength"]
    )
    item_reports = columns["item_purchases"] + priors["item_strength"]
    small = (columns["item_small_reports"] + priors["item_strength"] * priors["small_share"]) / item_reports
    large = (columns["item_large_reports"] + priors["item_strength"] * priors["large_share"]) / item_reports
    groups = [(columns["category_group"] == g).astype(np.float64) for g in CATEGORY_GROUPS[:-1]]
    return np.column_stack(
        [
            np.where(conf_missing, 0.0, _logit(np.nan_to_num(conf, nan=0.5))),
            conf_missing.astype(np.float64),
            _logit(shopper_rate),
            np.log1p(columns["shopper_purchases"]),
            _logit(item_rate),
            np.log1p(columns["item_purchases"]),
            small,
            large,
            *groups,
        ]
    )


DESIGN_COLUMNS: tuple[str, ...] = (
    "logit_size_confidence",
    "size_confidence_missing",
    "logit_shopper_return_rate",
    "log_shopper_purchases",
    "logit_item_return_rate",
    "log_item_purchases",
    "item_small_share",
    "item_large_share",
    *(f"group_{g}" for g in CATEGORY_GROUPS[:-1]),
)


def columns_of(features: ReturnRiskFeatures) -> dict[str, np.ndarray]:
    """One cart line as the column dict `design_matrix` reads."""
    return {
        "size_confidence": np.array(
            [np.nan if features.size_confidence is None else features.size_confidence]
        ),
        "shopper_returns": np.array([features.shopper_returns], dtype=np.float64),
        "shopper_purchases": np.array([features.shopper_purchases], dtype=np.float64),
        "item_returns": np.array([features.item_returns], dtype=np.float64),
        "item_purchases": np.array([features.item_purchases], dtype=np.float64),
        "item_small_reports": np.array([features.item_small_reports], dtype=np.float64),
        "item_large_reports": np.array([features.item_large_reports], dtype=np.float64),
        "category_group": np.array([category_group(features.category)]),
    }
