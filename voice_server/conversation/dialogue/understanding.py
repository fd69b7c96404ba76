"""NLU result types and the pluggable `Understander` interface."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from voice_server.conversation.dialogue.state import DialogueState
from voice_server.conversation.dialogue.vocabulary import Vocabulary


class Intent(StrEnum):
    search = "search"
    refine = "refine"
    more_results = "more_results"
    compare = "compare"
    product_details = "product_details"
    size_advice = "size_advice"
    add_to_cart = "add_to_cart"
    remove_from_cart = "remove_from_cart"
    update_cart = "update_cart"
    clear_cart = "clear_cart"
    view_cart = "view_cart"
    checkout = "checkout"
    confirm = "confirm"
    decline = "decline"
    order_status = "order_status"
    start_return = "start_return"
    fit_review = "fit_review"
    set_profile = "set_profile"
    help = "help"
    out_of_scope = "out_of_scope"
    greeting = "greeting"
    goodbye = "goodbye"
    unknown = "unknown"


SEARCH_SLOTS: tuple[str, ...] = (
    "category",
    "age_group",
    "product_type",
    "colours",
    "brands",
    "exclude_colours",
    "exclude_brands",
    "exclude_words",
    "shade",
    "formality",
    "clear",
    "colour",
    "size",
    "price_min",
    "price_max",
    "occasion",
    "style",
    "brand",
    "material",
    "gender",
    "sort",
)


class Slots(BaseModel):
    """Slot values in canonical form. Prices in cents, measurements in cm / kg.

    `reference`: "ordinal:N" (N=-1 last, "ordinal:1,2" for several), "focus" (it / that one),
    "colour:<c>", "brand:<b>", "name:<stem>,<stem>" (the puffer one), "cheapest", "priciest", "cheapest:1,2" (the cheaper of the first two).
    """

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    colour: str | None = None
    size: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    occasion: str | None = None
    style: str | None = None
    brand: str | None = None
    material: str | None = None
    gender: Literal["men", "women", "unisex", "boys", "girls"] | None = None
    age_group: Literal["adults", "kids"] | None = Field(None, description="kids' things asked for, no department said")
    size_else: str | None = Field(None, description="the size to take if `size` is not in stock ('or a large if there's no medium')")
    quantity: int | None = None
    child_age: int | None = Field(None, description="years said of a child shopped for ('my son, he's six')")
    shopper_gender: Literal["men", "women"] | None = Field(
        None, description="the shopper's own department, said or implied ('as a mum', 'I'm the groom')")
    home_currency: str | None = Field(None, description="ISO code of the currency of the country the shopper says "
                                      "they are in ('hola' → MXN): whose pesos or rupees a bare 'pesos' or 'rupees' is")
    reference: str | None = None
    earlier: bool | None = Field(default=None, description="the reference is to a list shown before this one")
    page: Literal["back"] | None = Field(None, description="the page or list shown before this one, again ('go back')")
    reason: str | None = None
    fit_feedback: Literal["small", "fit", "large"] | None = None
    measurements: dict[str, float] | None = None
    price_trend: Literal["cheaper", "pricier"] | None = None
    sort: Literal["price_asc", "price_desc"] | None = Field(None, description="a price order asked for ('cheapest first')")
    order_id: int | None = None
    product_type: str | None = Field(None, description="commerce.catalog.vocabulary product type")
    colours: list[str] | None = Field(None, description="any of these colours ('red or navy')")
    brands: list[str] | None = Field(None, description="any of these brands ('puma or levis')")
    exclude_colours: list[str] | None = None
    exclude_brands: list[str] | None = None
    exclude_words: list[str] | None = Field(None, description="name stems ruled out ('nothing floral')")
    shade: Literal["darker", "brighter", "muted"] | None = None
    formality: Literal["more", "less"] | None = None
    name_any: list[str] | None = Field(None, description="name stems of the product type(s) asked for")
    name_prefer: str | None = Field(None, description="the stem of the word said for the type ('jhumkas')")
    clear: list[Literal["brand", "colour", "price", "gender"]] | None = Field(None, description="filters the shopper lifts ('any brand')")
    currency: str | None = Field(None, description="ISO code of the currency a budget was said in (USD when dollars were named)")
    in_currency: str | None = Field(None, description="ISO code of a currency a price is asked in ('how much is that in euros')")
    topic: Literal["material", "care", "includes", "feature", "price", "sizes", "service", "delivery", "customs", "fits",
                   "returns_policy", "payment", "hours", "department"] | None = Field(
        None, description="what a question asks about")
    feature: str | None = Field(None, description="the feature a question asks about ('does it have a zip')")
    keep: list[Literal["price", "colour", "colour_none"]] | None = Field(
        None, description="filters of the last search a new one keeps ('same budget', 'same colour')")
    keep_only: bool | None = Field(None, description="the cart keeps only the line named, the others go "
                                                      "('just keep the third one')")
    for_whom: str | None = Field(None, description="who the cart line added is for, as said ('chloe', 'me', "
                                                    "'middle one'): a later turn names the line so")
    also_sizes: list[str] | None = Field(None, description="with `size`: more sizes wanted of each product, one "
                                                          "for each of several people ('a small, a medium and an xl')")
    from_size: str | None = Field(None, description="the size of the cart line to change ('change dev's one', "
                                                     "his line being the XL)")
    quantity_change: int | None = Field(None, description="units put on (negative: taken off) the cart line named "
                                                          "('one less large'); with `size`, the units moved to that "
                                                          "size ('change one of the mediums to a small')")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)

    def has_search_slots(self) -> bool:
        return any(getattr(self, name) is not None for name in SEARCH_SLOTS) or self.price_trend is not None


class Understanding(BaseModel):
    intent: Intent
    slots: Slots = Field(default_factory=Slots)
    confidence: float = Field(ge=0, le=1)
    then: list[Understanding] = Field(
        default_factory=list, description="further requests in the same utterance, run in order")


class Understander(Protocol):
    """Turns one user utterance into an `Understanding` (rule-based by default, LLM later)."""

    async def understand(self, text: str, state: DialogueState, vocab: Vocabulary) -> Understanding: ...
