"""The commerce operations the dialogue needs (implemented over Postgres in voice_server.conversation.postgres_shop)."""

from __future__ import annotations

from typing import Protocol

from commerce.models import (
    BodyMeasurements,
    Cart,
    FitLabel,
    FitReview,
    Order,
    ProductCard,
    ReturnRequest,
    SearchFilters,
    SearchResult,
    SizeAdvice,
)


class ShopPort(Protocol):
    """Async shop facade. Failures raise `commerce.models.ShopError` subclasses."""

    async def search(
        self, filters: SearchFilters, *, user_id: int | None, limit: int, offset: int
    ) -> SearchResult: ...

    async def get_product(self, product_id: int, *, user_id: int | None) -> ProductCard: ...

    async def get_products(self, product_ids: list[int], *, user_id: int | None) -> list[ProductCard]:
        """Cards for the ids that exist, in the given order (one read)."""
        ...

    async def similar(self, product_id: int, *, user_id: int | None, limit: int) -> list[ProductCard]: ...

    async def size_advice(self, user_id: int | None, product_id: int) -> SizeAdvice | None: ...

    async def add_to_cart(
        self, user_id: int | None, product_id: int, size: str | None, quantity: int
    ) -> Cart: ...

    async def remove_from_cart(self, user_id: int | None, product_id: int, size: str | None) -> Cart: ...

    async def set_quantity(self, user_id: int | None, product_id: int, size: str | None, quantity: int) -> Cart:
        """Set a cart line's quantity (0 removes it)."""
        ...

    async def get_cart(self, user_id: int | None) -> Cart: ...

    async def quote_checkout(self, user_id: int | None) -> Cart: ...

    async def place_order(self, user_id: int | None, idempotency_key: str) -> Order: ...

    async def order_status(self, user_id: int | None, order_id: int | None) -> list[Order]: ...

    async def start_return(
        self,
        user_id: int | None,
        order_id: int | None,
        product_id: int | None,
        reason: str | None,
        fit_feedback: FitLabel | None,
    ) -> ReturnRequest: ...

    async def review_fit(
        self, user_id: int | None, product_id: int | None, category: str | None, fit: FitLabel
    ) -> FitReview: ...

    async def update_profile(
        self, user_id: int | None, measurements: BodyMeasurements | None, preferences: dict | None
    ) -> None: ...
