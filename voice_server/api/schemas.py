"""Request and response models of the REST API that are not shared commerce records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from commerce.models import BodyMeasurements, FitLabel, SearchFilters, SizeAdvice


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- auth ------------------------------------------------------------------------------------

class TokenResponse(ApiModel):
    token: str = Field(description="bearer access token; send as `Authorization: Bearer <token>`")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    user_id: int
    kind: Literal["guest", "workos"]
    expires_at: datetime


class MeResponse(ApiModel):
    user_id: int
    kind: Literal["guest", "workos"]
    email: str | None = None
    display_name: str | None = None
    expires_at: datetime = Field(description="when the current token expires")


class CallbackQuery(ApiModel):
    code: str = Field(min_length=1, max_length=512)
    state: str = Field(min_length=1, max_length=2048)


# -- products --------------------------------------------------------------------------------

MAX_ID = 2**62
ProductId = Annotated[int, Field(ge=1, le=MAX_ID)]


class BoundedFilters(SearchFilters):
    """``SearchFilters`` with the bounds the database columns impose on ids (bigint); prices keep
    ``SearchFilters``' own bounds, so a request that passes here also builds the filters."""

    exclude_ids: list[ProductId] = Field(default_factory=list, max_length=200)


class ProductSearchQuery(BoundedFilters):
    """Search filters plus paging (prices in cents)."""

    limit: int = Field(10, ge=1, le=50)
    offset: int = Field(0, ge=0, le=500)

    def filters(self) -> SearchFilters:
        return SearchFilters(**self.model_dump(exclude={"limit", "offset"}))


class RecommendationQuery(BoundedFilters):
    limit: int = Field(10, ge=1, le=50)

    def filters(self) -> SearchFilters:
        return SearchFilters(**self.model_dump(exclude={"limit"}))


class LimitQuery(ApiModel):
    limit: int = Field(5, ge=1, le=20)


class ProductPath(ApiModel):
    product_id: int = Field(ge=1, le=MAX_ID)


# -- advice ----------------------------------------------------------------------------------

class SizePredictBody(ApiModel):
    product_id: int = Field(ge=1, le=MAX_ID)


class SizePredictResponse(ApiModel):
    advice: SizeAdvice | None = Field(description="null when there is not enough to go on")


class FitReviewBody(ApiModel):
    product_id: int = Field(ge=1, le=MAX_ID)
    fit: FitLabel = Field(description="how the size bought fits: small, fit or large")


class ReturnRiskBody(ApiModel):
    product_id: int = Field(ge=1, le=MAX_ID)
    size: str = Field(min_length=1, max_length=20)


# -- profile ---------------------------------------------------------------------------------

class ProfileUpdate(ApiModel):
    measurements: BodyMeasurements | None = None
    preferences: dict[str, Any] | None = Field(None, description="favourite brands, colours, styles, ...")


# -- cart ------------------------------------------------------------------------------------

class CartItemBody(ApiModel):
    product_id: int = Field(ge=1, le=MAX_ID)
    size: str | None = Field(None, max_length=20, description="omit for one-size products")
    quantity: int = Field(1, ge=1, le=20)


class CartQuantityBody(ApiModel):
    product_id: int = Field(ge=1, le=MAX_ID)
    size: str | None = Field(None, max_length=20)
    quantity: int = Field(ge=0, le=20, description="0 removes the line")


class RemoveItemQuery(ApiModel):
    size: str | None = Field(None, max_length=20, description="omit to remove every size")


# -- checkout, orders, returns -----------------------------------------------------------------

class CheckoutHeaders(BaseModel):
    idempotency_key: str = Field(
        alias="Idempotency-Key", min_length=8, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$",
        description="client-generated key; retrying with the same key never charges twice",
    )


class OrderPath(ApiModel):
    order_id: int = Field(ge=1, le=MAX_ID)


class ReturnPath(ApiModel):
    return_id: int = Field(ge=1, le=MAX_ID)


class ReturnBody(ApiModel):
    order_id: int | None = Field(None, ge=1, le=MAX_ID, description="default: the latest order")
    product_id: int | None = Field(None, ge=1, le=MAX_ID, description="default: the whole order")
    reason: str | None = Field(None, max_length=500)
    fit_feedback: FitLabel | None = None


class WebhookAck(ApiModel):
    received: bool = True
    duplicate: bool = Field(False, description="the event was already processed; nothing changed")


# -- conversations ---------------------------------------------------------------------------

class ConversationPath(ApiModel):
    conversation_id: UUID


class ConversationTurn(BaseModel):
    turn_index: int
    user_text: str
    intent: str
    slots: dict[str, Any] = Field(default_factory=dict)
    reply_text: str
    heard_text: str | None = Field(None, description="what was played before a barge-in")
    product_ids: list[int] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
