"""Return-risk model (runtime, JSON coefficients); its RTR benchmark is `training.returns_benchmark`."""

from commerce.return_risk.features import ReturnRiskFeatures
from commerce.return_risk.model import ReturnRiskModel

__all__ = ["ReturnRiskFeatures", "ReturnRiskModel"]
