"""The runtime return-risk model: a small logistic regression shipped as JSON coefficients.

Coefficients are learned on RentTheRunway rentals with "fit ≠ fit" as the return proxy
(``shepherd train returns``, i.e. ``python -m training.train_returns``); the size confidence is
the served fit model's P(fit) for the size taken, in training and in service.  The shop's own
history enters through the shopper / item return rates, which are shrunk toward the RTR priors
with Beta pseudo-counts, so a new shop starts at the priors and moves to its own rates as
purchases accumulate.  Price is accepted but not used: RTR has no prices, so there is nothing
to learn its effect from.  Several sizes of one item in a cart follow a rule instead (RTR has no
carts): at most one of k sizes is usually kept, so each line comes back with probability at
least (k − 1) / k.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from commerce.models import ReturnRisk
from commerce.return_risk.features import DESIGN_COLUMNS, ReturnRiskFeatures, columns_of, design_matrix
from commerce.return_risk.mitigation import mitigation_for

DEFAULT_MODEL_PATH = Path(__file__).with_name("model.json")
LOW_BELOW = 0.2
HIGH_FROM = 0.4


def risk_level(probability: float) -> Literal["low", "medium", "high"]:
    """low < 0.2 ≤ medium < 0.4 ≤ high (RTR's base rate of a fit problem is about 0.26)."""
    if probability < LOW_BELOW:
        return "low"
    return "medium" if probability < HIGH_FROM else "high"


@dataclass(frozen=True)
class ReturnRiskModel:
    """Logistic regression over `design_matrix` columns, plus the multi-size rule and mitigation text."""

    intercept: float
    coefficients: dict[str, float]
    priors: dict[str, float]
    metadata: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReturnRiskModel:
        missing = set(DESIGN_COLUMNS) - set(data["coefficients"])
        if missing:
            raise ValueError(f"model file lacks coefficients for {sorted(missing)}")
        return cls(
            intercept=float(data["intercept"]),
            coefficients={k: float(v) for k, v in data["coefficients"].items()},
            priors={k: float(v) for k, v in data["priors"].items()},
            metadata=dict(data.get("metadata", {})),
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> ReturnRiskModel:
        """Read coefficients from a JSON file (the shipped one by default)."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def to_dict(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "coefficients": self.coefficients,
            "priors": self.priors,
            "metadata": self.metadata,
        }

    def probabilities(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """Model probability of a return for many rows (no multi-size rule)."""
        x = design_matrix(columns, self.priors)
        w = np.array([self.coefficients[c] for c in DESIGN_COLUMNS])
        return 1.0 / (1.0 + np.exp(-(self.intercept + x @ w)))

    def predict(self, features: ReturnRiskFeatures) -> ReturnRisk:
        """Probability that this cart line comes back, its level and what would lower it."""
        probability = float(self.probabilities(columns_of(features))[0])
        k = features.same_item_sizes_in_cart
        if k > 1:
            probability = max(probability, (k - 1) / k)
        probability = min(1.0, max(0.0, probability))
        mitigation, safer = mitigation_for(features, probability)
        return ReturnRisk(
            probability=round(probability, 4),
            level=risk_level(probability),
            mitigation=mitigation,
            safer_size=safer,
        )


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
