"""Size advice for shoppers: the served fit model (numpy trees from a versioned artifact) and size charts.

Runtime API (no scikit-learn import): `advise_size` / `score_sizes` (commerce.sizing.fit_advice),
`FitModelStore` / `load_fit_model` (commerce.sizing.fit_model), `chart_for`, `chart_rows`,
`size_system_for`, `sizes_for` and the feedback records.  Training and the RTR benchmark live
in the source checkout's `training` package (``shepherd train fit``, ``shepherd bench fit``).
"""

from commerce.sizing.charts import SizeChart, SizeRange, chart_for, chart_rows, size_system_for, sizes_for
from commerce.sizing.feedback import (
    FitCounts,
    ItemFitFeedback,
    PastPurchase,
    ShopperFitHistory,
    SimilarBuildFeedback,
)
from commerce.sizing.fit_advice import advise_size, score_sizes
from commerce.sizing.fit_model import FitModel, FitModelStore, load_fit_model

__all__ = [
    "FitCounts",
    "FitModel",
    "FitModelStore",
    "ItemFitFeedback",
    "PastPurchase",
    "ShopperFitHistory",
    "SimilarBuildFeedback",
    "SizeChart",
    "SizeRange",
    "advise_size",
    "chart_for",
    "chart_rows",
    "load_fit_model",
    "score_sizes",
    "size_system_for",
    "sizes_for",
]
