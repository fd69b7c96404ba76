"""Fit feedback records the size advisor learns from (returns, reviews, "it was too small")."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from commerce.models import FitLabel


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FitCounts(_Frozen):
    """How many shoppers reported small / fit / large."""

    small: int = Field(default=0, ge=0)
    fit: int = Field(default=0, ge=0)
    large: int = Field(default=0, ge=0)

    @property
    def total(self) -> int:
        return self.small + self.fit + self.large

    def add(self, label: FitLabel, count: int = 1) -> Self:
        """A copy with `count` more reports of `label`."""
        return self.model_copy(update={label: getattr(self, label) + count})


class ItemFitFeedback(FitCounts):
    """Aggregate fit feedback on one product ("runs small" = many small reports)."""


class SimilarBuildFeedback(_Frozen):
    """Fit feedback on this product from shoppers of a similar build, per size they bought."""

    by_size: dict[str, FitCounts] = Field(default_factory=dict)


class PastPurchase(_Frozen):
    """One garment the shopper bought, with what they said about its fit."""

    size_system: str
    size_label: str
    fit: FitLabel | None = Field(default=None, description="None: kept without comment (counts as fit)")
    returned: bool = False
    category: str | None = None


class ShopperFitHistory(_Frozen):
    """Everything the shop knows about how sizes fitted this shopper."""

    purchases: list[PastPurchase] = Field(default_factory=list)

    def in_system(self, size_system: str) -> list[PastPurchase]:
        """Purchases in one size system with an inferable fit (commented, or kept)."""
        return [
            p
            for p in self.purchases
            if p.size_system == size_system and (p.fit is not None or not p.returned)
        ]

    def record(self, purchase: PastPurchase) -> ShopperFitHistory:
        """A copy with one more purchase (e.g. a return marked "too small")."""
        return ShopperFitHistory(purchases=[*self.purchases, purchase])
