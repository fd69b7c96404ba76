"""Which size to advise: the fit model's P(fit) weighed by where the shopper's size lies.

The fit trees learn P(small / fit / large) from rentals whose size the shopper chose, so across
sizes nobody like them would choose they are nearly flat (trees do not extrapolate).  The
advice therefore ranks sizes by

    log P(fit | size) + log prior(size),

where the prior is a Gaussian on the RTR size-code scale around the shopper's estimated size:
the chart position of their measurement (σ `SIGMA_TAPE` codes for a tape measure,
`SIGMA_ESTIMATE` for height and weight or, on RTR, a bra size), their history (each past size moved one size
step up for "too small", down for "too large"; σ `SIGMA_HISTORY` / √n) and the product's lean
(one step per unit of smoothed small − large share, at most one step).  Nothing known about
the shopper: the product's typical size (mean size sold, else the chart's middle), σ
`SIGMA_TYPICAL`.  The spoken confidence stays P(fit) of the chosen size (the trees'
calibrated output).  ``shepherd bench fit`` replays RTR rentals through `advice_scores`
(``size_advice``: trees alone and with this prior).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commerce.sizing.fit_inputs import FitColumns
from commerce.sizing.fit_stats import STAT_NAMES

SIGMA_TAPE = 12.0
"""A tape measurement on the shop's chart.  RTR has no tape measures, so this one is not fitted."""
SIGMA_ESTIMATE = 24.0
"""Height and weight in the shop; the bra size on RTR (chosen on the RTR replay: 0.3345 top-1 on the
40k-rental subsample of seed 1 against 0.3055 at 16 and 0.3239 without the bra size)."""
SIGMA_HISTORY = 4.0
SIGMA_FLOOR = 2.0
SIGMA_TYPICAL = 8.0
"""Nothing known about the shopper: the product's typical size (its mean size sold, else the chart's middle)."""
ITEM_LEAN_PER_SKEW = 1.5
RTR_SIZE_STEP = 4.0
"""One size step on the RTR code scale (4 → 8 → 12 ...)."""


@dataclass(frozen=True)
class SizePrior:
    """Per row: where the shopper's size is believed to be (code scale) and how surely; NaN = unknown."""

    chart_code: np.ndarray
    chart_sigma: np.ndarray
    history_code: np.ndarray
    history_count: np.ndarray
    item_lean: np.ndarray  # code units to add because the product runs small (+) / large (−)


def item_lean(share_small: np.ndarray, share_large: np.ndarray, step: np.ndarray | float) -> np.ndarray:
    """Code units the product's fit reports move the size: `step` per unit of skew × 1.5, at most one step."""
    skew = np.nan_to_num(np.asarray(share_small) - np.asarray(share_large))
    return np.clip(ITEM_LEAN_PER_SKEW * skew, -1.0, 1.0) * step


def prior_from(
    columns: FitColumns, chart_sigma: np.ndarray | float, step: float, middle: float = float("nan")
) -> SizePrior:
    """The prior of `FitColumns` rows — the same for RTR rentals and the shop's sizes.

    History: the shopper's mean size moved `step` per unit of (small − large) share (a "too
    small" at M says M + one step); the product's lean from its small / large shares.
    """
    user, item = columns.stats["user"], columns.stats["item"]
    count, small, large, mean = (
        STAT_NAMES.index(n) for n in ("count", "share_small", "share_large", "mean_size")
    )
    n = columns.n_rows
    chart_code = columns.numeric("chart_size")
    sigma = np.broadcast_to(np.asarray(chart_sigma, dtype=np.float64), (n,))
    unknown = np.isnan(chart_code) & ~(user[:, count] > 0)
    typical = np.where(np.isnan(item[:, mean]), middle, item[:, mean])
    return SizePrior(
        chart_code=np.where(unknown, typical, chart_code),
        chart_sigma=np.where(unknown, SIGMA_TYPICAL, sigma),
        history_code=user[:, mean] + step * (user[:, small] - user[:, large]),
        history_count=user[:, count],
        item_lean=item_lean(item[:, small], item[:, large], step),
    )


def log_prior(sizes: np.ndarray, prior: SizePrior) -> np.ndarray:
    """Gaussian log-density (up to a constant per row) of each row's size; 0 where nothing is known."""
    precision = np.zeros(sizes.shape[0])
    weighted = np.zeros(sizes.shape[0])
    chart_ok = ~np.isnan(prior.chart_code)
    chart_precision = np.where(chart_ok, 1.0 / np.square(np.nan_to_num(prior.chart_sigma, nan=1.0)), 0.0)
    precision += chart_precision
    weighted += chart_precision * np.nan_to_num(prior.chart_code)
    history_ok = (~np.isnan(prior.history_code)) & (prior.history_count > 0)
    history_precision = np.where(history_ok, prior.history_count / SIGMA_HISTORY**2, 0.0)
    precision += history_precision
    weighted += history_precision * np.nan_to_num(prior.history_code)
    known = precision > 0
    safe = np.where(known, precision, 1.0)
    mean = weighted / safe + np.nan_to_num(prior.item_lean)
    variance = 1.0 / safe + SIGMA_FLOOR**2
    return np.where(known, -np.square(sizes - mean) / (2 * variance), 0.0)


def advice_scores(p_fit: np.ndarray, sizes: np.ndarray, prior: SizePrior) -> np.ndarray:
    """Ranking score of each (row, size): log P(fit) + log prior.  Highest wins."""
    return np.log(np.clip(p_fit, 1e-6, 1.0)) + log_prior(sizes, prior)
