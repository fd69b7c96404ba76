"""Conversation state carried between turns (JSON in Valkey); pure data, no I/O."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from commerce.models import ProductCard, SearchFilters

STATE_SCHEMA_VERSION = 1


class ShownProduct(BaseModel):
    """The minimum of a shown product needed to resolve "the second one" / "the blue one"."""

    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    brand: str
    price_cents: int
    colour: str | None = None
    category: str
    gender: str | None = None
    sizes_available: list[str] = Field(default_factory=list)
    spoken_end: int | None = Field(default=None, description="offset in last_reply after its mention")

    @classmethod
    def from_card(cls, card: ProductCard) -> ShownProduct:
        return cls(
            id=card.id,
            name=card.name,
            brand=card.brand,
            price_cents=card.price_cents,
            colour=card.colour,
            category=card.category,
            gender=card.gender,
            sizes_available=list(card.sizes_available),
        )


PendingKind = Literal["checkout", "choose_size", "choose_product"]


class PendingConfirmation(BaseModel):
    """Something the assistant asked and is waiting on."""

    kind: PendingKind
    product_id: int | None = None
    quantity: int = 1
    options: list[str] = Field(default_factory=list, description="sizes offered, in stock")
    total_cents: int | None = None
    item_count: int | None = None
    idempotency_key: str | None = None
    spoken_end: int | None = Field(default=None, description="offset in last_reply where the question ends")
    for_intent: str | None = None


class LineRef(BaseModel):
    """A cart line the conversation just touched ("make that a large" changes it)."""

    product_id: int
    size: str | None = None
    quantity: int = 1
    size_picked: bool = Field(default=False, description="the assistant picked the size (a child's age): a size "
                              "said next corrects it")


LAST_LINE = "last_line"  # a reference to the cart line just added, its product on screen or not


def line_key(product_id: int, size: str | None) -> str:
    """The key of a cart line in `DialogueState.line_owners`."""
    return f"{product_id}:{size}"


class CartSummary(BaseModel):
    item_count: int = 0
    total_cents: int = 0
    product_ids: list[int] = Field(default_factory=list, description="products on the cart's lines")


class ShownList(BaseModel):
    """A list shown before the one on screen, with the search that found it ("the first suit")."""

    products: list[ShownProduct]
    filters: SearchFilters = Field(default_factory=SearchFilters)
    offset: int = 0
    total_results: int = 0


class DialogueState(BaseModel):
    """Everything the dialogue remembers about one conversation."""

    model_config = ConfigDict(extra="ignore")

    schema_version: int = STATE_SCHEMA_VERSION
    revision: int = Field(default=0, description="bumped on every save (optimistic concurrency)")
    conversation_id: str
    user_id: int | None = None
    turn: int = 0
    filters: SearchFilters = Field(default_factory=SearchFilters)
    shown: list[ShownProduct] = Field(default_factory=list)
    offset: int = 0
    total_results: int = 0
    earlier: list[ShownList] = Field(default_factory=list, description="lists shown before `shown`, newest first")
    focus_id: int | None = None
    named_id: int | None = Field(default=None, description="the one product the reply to 'your cheapest …' named "
                                                         "aloud, for 'that one' when nothing is in focus")
    cart: CartSummary = Field(default_factory=CartSummary)
    pending: PendingConfirmation | None = None
    last_intent: str | None = None
    last_reply: str = ""
    last_order_id: int | None = None
    last_line: LineRef | None = None
    compared_ids: list[int] = Field(default_factory=list, description="the pair last compared ('the cheaper one')")
    advised_size: str | None = Field(default=None, description="the size last advised, for 'in that size'")
    currency: str | None = Field(default=None, description="the currency a budget was last said in ('rupees')")
    home_currency: str | None = Field(default=None, description="the currency of the country the shopper said they "
                                      "are in ('hola': Mexican pesos), for a bare 'pesos' or 'rupees'")
    child_age: int | None = Field(default=None, description="the age last said of a child shopped for (kids' sizes)")
    asked_gender: str | None = Field(
        default=None, description="the child's department asked for when the shop had none of the kind there and showed "
                                  "a wider one ('a backpack for my son': boys', unisex shown), for 'a jacket for him'")
    shopper_gender: Literal["men", "women"] | None = Field(
        default=None, description="the shopper's own department once said or implied ('now me, a long puffer')")
    line_owners: dict[str, str] = Field(
        default_factory=dict, description="who a cart line is for, by '<product id>:<size>' ('chloe', 'me')")
    kind_owners: dict[str, str] = Field(
        default_factory=dict, description="the department each kind was asked for in one breath ('a kurta for my "
                                          "husband and a saree for my mum': kurta → men), for 'the kurta first'")

    @field_validator("pending", mode="before")
    @classmethod
    def _drop_retired_question(cls, value: object) -> object:
        """A question of a kind this version no longer asks (saved before an upgrade) is dropped."""
        if isinstance(value, dict) and value.get("kind") not in get_args(PendingKind):
            return None
        return value

    def shown_by_id(self, product_id: int | None) -> ShownProduct | None:
        return next((p for p in self.shown if p.id == product_id), None)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> DialogueState:
        return cls.model_validate_json(raw)
