"""Typed records shared by the shop, the REST API and the dialogue.

Money is carried as integer cents (``*_cents``) and currency code; every price and total is
computed on the server from these.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FitLabel = Literal["small", "fit", "large"]


MAX_LINE_QUANTITY = 20
"""The most units of one product and size a cart line holds."""

class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def cents_to_dollars(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


class SizeAdvice(Record):
    """Recommended size for one shopper and one product."""

    size: str
    confidence: float = Field(ge=0, le=1, description="calibrated probability the size fits")
    runner_up: str | None = None
    reason: str = Field(description="one speakable sentence")
    basis: list[str] = Field(
        default_factory=list, description="evidence used: chart, estimate, history, similar, item_feedback"
    )
    guessing: bool = Field(default=False, description="the advice rests on little evidence and says so")
    model_version: str | None = Field(default=None, description="fit model artifact that produced it")
    fit_probabilities: dict[str, float] = Field(
        default_factory=dict, description="P(fit) of every size of the chart for this shopper"
    )


class ReturnRisk(Record):
    """Probability that a cart line comes back, with a concrete mitigation."""

    probability: float = Field(ge=0, le=1)
    level: Literal["low", "medium", "high"]
    mitigation: str | None = None
    safer_size: str | None = None
    model_version: str | None = Field(default=None, description="return-risk and fit model versions")


class ProductCard(Record):
    """A product as shown on a screen and referred to in the conversation."""

    id: int
    name: str
    brand: str
    price_cents: int
    currency: str = "USD"
    colour: str | None = None
    category: str
    gender: str
    description: str | None = None
    sizes_available: list[str] = Field(default_factory=list)
    recommended_size: SizeAdvice | None = None
    return_risk: ReturnRisk | None = None
    score: float | None = None


class CartLine(Record):
    product_id: int
    name: str
    brand: str
    size: str | None
    quantity: int = Field(ge=1)
    unit_price_cents: int
    line_total_cents: int


class Cart(Record):
    id: int | None = None
    lines: list[CartLine] = Field(default_factory=list)
    subtotal_cents: int = 0
    shipping_cents: int = 0
    tax_cents: int = 0
    total_cents: int = 0
    currency: str = "USD"

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


class OrderStatus(StrEnum):
    created = "created"
    awaiting_payment = "awaiting_payment"
    paid = "paid"
    fulfilled = "fulfilled"
    cancelled = "cancelled"
    return_requested = "return_requested"
    returned = "returned"
    refunded = "refunded"


class OrderLine(Record):
    product_id: int
    name: str
    size: str | None
    quantity: int
    unit_price_cents: int


class Order(Record):
    id: int
    status: OrderStatus
    lines: list[OrderLine]
    total_cents: int
    currency: str = "USD"
    payment_provider: str
    client_secret: str | None = Field(default=None, description="Stripe PaymentIntent client secret")
    created_at: datetime


class BodyMeasurements(Record):
    """A shopper's measurements in centimetres / kilograms (all optional)."""

    height_cm: float | None = Field(default=None, gt=50, lt=260)
    weight_kg: float | None = Field(default=None, gt=20, lt=350)
    chest_cm: float | None = Field(default=None, gt=40, lt=200, description="bust for women")
    waist_cm: float | None = Field(default=None, gt=40, lt=200)
    hips_cm: float | None = Field(default=None, gt=40, lt=220)
    foot_cm: float | None = Field(default=None, gt=10, lt=40)
    body_type: str | None = None

    @field_validator("height_cm", "weight_kg", "chest_cm", "waist_cm", "hips_cm", "foot_cm", mode="before")
    @classmethod
    def _to_a_tenth(cls, value: object) -> object:
        """Tape-measure precision (0.1), before the bounds: the bounds then hold for the value stored
        (Postgres `real`), so 40.00000000000001 is refused as 40, not stored and unreadable."""
        return round(value, 1) if isinstance(value, float) else value


class Profile(Record):
    """A shopper's stored measurements and free-form preferences (favourite brands, colours, ...)."""

    user_id: int
    measurements: BodyMeasurements = Field(default_factory=BodyMeasurements)
    preferences: dict = Field(default_factory=dict)


class SearchFilters(Record):
    """Structured search request; every field optional. Prices in cents."""

    query: str | None = Field(default=None, max_length=200, description="free text")
    category: str | None = None
    colour: str | None = None
    gender: Literal["men", "women", "unisex", "boys", "girls"] | None = None
    brand: str | None = None
    size: str | None = Field(default=None, description="only products with this size in stock")
    also_sizes: list[str] = Field(default_factory=list, max_length=10, description="with `size`: these sizes in "
                                  "stock too (one for each of several people: 'a small, a medium and an xl')")
    price_min_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    price_max_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    occasion: str | None = None
    style: str | None = None
    material: str | None = None
    exclude_ids: list[int] = Field(default_factory=list)
    name_any: list[str] = Field(default_factory=list, max_length=20,
                                description="the product name has one of these stems (a product type)")
    name_none: list[str] = Field(default_factory=list, max_length=40,
                                 description="the product name has none of these stems")
    name_prefer: str | None = Field(
        default=None, max_length=40, description="the stem of the word the shopper used for the type "
        "(\"jhumkas\" of the earrings): products named with it first, like the occasion tag")
    colours: list[str] = Field(default_factory=list, max_length=20,
                               description="any of these colours (colour or name); with `colour`, either")
    colour_none: list[str] = Field(default_factory=list, max_length=40,
                                   description="none of these colours in the colour or the name")
    brand_none: list[str] = Field(default_factory=list, max_length=20, description="not from these brands")
    brands: list[str] = Field(default_factory=list, max_length=20,
                              description="any of these brands; with `brand`, either")
    sort: Literal["price_asc", "price_desc"] | None = Field(
        default=None, description="order by price (cheapest or dearest first) instead of by relevance")
    age_group: Literal["adults", "kids"] | None = Field(
        default=None, description="without `gender`: only adults' (men, women, unisex) or only kids' "
                                  "(boys, girls, a name saying kids or baby) products; dropped first "
                                  "when nothing matches")

    @field_validator("name_any", "name_none", "colours", "colour_none", "brand_none", "brands")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        """Lower-case words of letters, digits, spaces, hyphens and dots only (they become patterns)."""
        clean = [" ".join(re.sub(r"[^\w .'&-]", " ", v.replace("\x00", "")).lower().split()) for v in values]
        return list(dict.fromkeys(w for w in clean if w and len(w) <= 40))

    @field_validator("query", "category", "colour", "brand", "size", "occasion", "style", "material", "name_prefer")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        """Postgres text cannot hold NUL; speech and typed input never need it."""
        return value.replace("\x00", "") if value is not None else None


class SearchResult(Record):
    products: list[ProductCard]
    total: int
    total_is_lower_bound: bool = Field(False, description="at least `total` products match (counting stops there)")
    relaxed: list[str] = Field(default_factory=list, description="filters dropped to find anything")
    tag_matches: int | None = Field(
        None, description="set when few products carry the occasion tag or the type's word asked for: only "
        "the first `tag_matches` do, the others match every other filter")


class FitReview(Record):
    """How a bought item fits, in the size bought (feeds size advice)."""

    product_id: int
    name: str
    size: str
    fit: FitLabel


class ReturnStatus(StrEnum):
    requested = "requested"
    received = "received"
    refunded = "refunded"
    rejected = "rejected"


class ReturnRequest(Record):
    id: int
    order_id: int
    product_id: int | None = Field(default=None, description="the returned product; null: the whole order")
    status: ReturnStatus
    reason: str | None
    fit_feedback: FitLabel | None
    refund_cents: int | None = Field(default=None, description="set when the goods are received")


class ShopError(Exception):
    """A typed, user-facing commerce failure (never a crash)."""

    code: str = "shop_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ShopError):
    code = "not_found"


class OutOfStock(ShopError):
    code = "out_of_stock"


class InvalidSize(ShopError):
    code = "invalid_size"


class InvalidQuantity(ShopError):
    code = "invalid_quantity"


class EmptyCart(ShopError):
    code = "empty_cart"


class PaymentDeclined(ShopError):
    code = "payment_declined"


class Conflict(ShopError):
    code = "conflict"


class StoreUnavailable(ShopError):
    """The database could not be reached (down, restarting): nothing was half-written; retry."""

    code = "store_unavailable"
