"""Return-risk model (runtime, JSON coefficients); its RTR benchmark is `training.returns_benchmark`."""

from commerce.returns.features import ReturnRiskFeatures
from commerce.returns.model import ReturnRiskModel

__all__ = ["ReturnRiskFeatures", "ReturnRiskModel"]
