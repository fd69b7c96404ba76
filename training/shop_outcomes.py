"""How one of the shop's order lines turned out: small / fit / large, from returns and fit reviews (pure).

Evidence, strongest first:

1. the fit answer given with the line's return (``returns.fit_feedback``: "too small" / "fits" /
   "too large"; "fits" = it came back for another reason, the size was right);
2. the shopper's fit review of that product in that size (``fit_feedback``, source ``review``; one
   per shopper, product and size, so it labels only their latest line of it);
3. the words of the return reason ("too small", "too tight" → small; "too big", "too loose" → large).

A line kept without a word, or returned without a fit reason, has no label: it is not a training
row (the server does count "kept without comment" as fitting in a shopper's *history*, a weaker
use than a training label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from commerce.models import FitLabel

OutcomeSource = Literal["return", "review", "return_reason"]

_SMALL = re.compile(r"\b(too (small|tight|short|snug)|runs? small|smaller|size up)\b")
_LARGE = re.compile(r"\b(too (big|large|loose|long|baggy)|runs? (large|big)|bigger|size down)\b")


@dataclass(frozen=True)
class Outcome:
    label: FitLabel
    source: OutcomeSource


def reason_label(reason: str | None) -> FitLabel | None:
    """small / large when a return reason says so unambiguously, else None."""
    text = (reason or "").lower()
    small, large = bool(_SMALL.search(text)), bool(_LARGE.search(text))
    if small == large:
        return None
    return "small" if small else "large"


def outcome_of(return_fit: FitLabel | None, review_fit: FitLabel | None, return_reason: str | None,
               ) -> Outcome | None:
    """The line's label from its return's fit answer, the review, or the return reason (in that order)."""
    if return_fit is not None:
        return Outcome(return_fit, "return")
    if review_fit is not None:
        return Outcome(review_fit, "review")
    from_reason = reason_label(return_reason)
    return None if from_reason is None else Outcome(from_reason, "return_reason")
