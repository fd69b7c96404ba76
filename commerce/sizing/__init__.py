"""Size advice for shoppers and the RentTheRunway fit benchmark.

Runtime API (pure, no scikit-learn import): `advise_size`, `chart_for`, `chart_rows`,
`size_system_for`, `sizes_for` and the feedback records.  The benchmark lives in
`training.fit_benchmark` (imports scikit-learn).
"""

from commerce.sizing.advisor import advise_size, size_distribution
from commerce.sizing.charts import SizeChart, SizeRange, chart_for, chart_rows, size_system_for, sizes_for
from commerce.sizing.feedback import (
    FitCounts,
    ItemFitFeedback,
    PastPurchase,
    ShopperFitHistory,
    SimilarBuildFeedback,
)

__all__ = [
    "FitCounts",
    "ItemFitFeedback",
    "PastPurchase",
    "ShopperFitHistory",
    "SimilarBuildFeedback",
    "SizeChart",
    "SizeRange",
    "advise_size",
    "chart_for",
    "chart_rows",
    "size_distribution",
    "size_system_for",
    "sizes_for",
]
