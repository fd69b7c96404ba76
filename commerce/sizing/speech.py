"""The one spoken sentence of a size advice: the size, why, and how sure (or that it is a guess)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from commerce.sizing.fit_advice import SizeScores

RUNS_SKEW = 0.15
"""Shrunk (small − large) share of the product's fit reports from which it "runs small / large"."""

_ALPHA_WORDS = {
    "XS": "an extra small",
    "S": "a small",
    "M": "a medium",
    "L": "a large",
    "XL": "an extra large",
    "XXL": "a double extra large",
}
_MEASURE_WORDS = {"tape": "your measurements", "estimate": "your height and weight"}


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


def runs_clause(skew: float) -> str | None:
    """Reports that the product runs small / large, when its fit reports lean one way."""
    if skew >= RUNS_SKEW:
        return "shoppers' reports that it runs small"
    if skew <= -RUNS_SKEW:
        return "shoppers' reports that it runs large"
    return None


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def advice_sentence(
    choice: str,
    size_system: str | None,
    scores: SizeScores,
    confidence: float,
    guessing: bool,
    row: np.ndarray,
    best: str,
) -> str:
    """One sentence: what to buy, what it rests on, the chance it fits; a guess says so."""
    said = speakable_size(choice, size_system)
    pct = round(100 * confidence)
    why: list[str] = []
    if scores.measure_source in _MEASURE_WORDS:
        why.append(_MEASURE_WORDS[scores.measure_source])
    if scores.history_count:
        why.append(f"{scores.history_count} past order{'s' if scores.history_count != 1 else ''}")
    runs = runs_clause(scores.item_skew)
    lean = ""
    if row[0] > row[2] + 0.1:
        lean = "; if it is off, it is more likely to feel tight"
    elif row[2] > row[0] + 0.1:
        lean = "; if it is off, it is more likely to feel loose"
    sold_out = (
        ""
        if best == choice
        else f" ({speakable_size(best, size_system)} would suit you better but it's sold out)"
    )
    if not why and runs is None:
        ask = "foot length" if size_system == "uk_shoe" else "height and weight"
        return f"I'm guessing {said}{sold_out}, which fits about {pct} percent of shoppers; tell me your {ask} and I'll do better."
    basis = _join(why + ([runs] if runs else []))
    if guessing:
        return f"My best guess is {said}{sold_out}, going by {basis}, but I'd only put it at {pct} percent that it fits{lean}."
    return f"I'd go with {said}{sold_out}: going by {basis}, it has about a {pct} percent chance of fitting you{lean}."
