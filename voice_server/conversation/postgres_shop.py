"""``PostgresShop``: the dialogue's ShopPort over the commerce services (asyncpg).

Thin delegation, plus one voice-specific touch: when the shopper has measurements on file, the
top ``ENRICH_TOP`` search results carry a recommended size and the return risk of that size.
With a ``ProfileCache`` (the app's default) the shopper's preferences and measurements are read
from Valkey (1 h TTL, Postgres behind it) instead of Postgres on every turn, and profile updates
write through it.
"""

from __future__ import annotations

import asyncio

import asyncpg

from commerce import cart, fit_reviews, order_returns, orders, profiles, search, shopper_advice
from commerce.models import (
    BodyMeasurements,
    Cart,
    Conflict,
    EmptyCart,
    FitLabel,
    FitReview,
    Order,
    OutOfStock,
    ProductCard,
    Profile,
    ReturnRequest,
    SearchFilters,
    SearchResult,
    SizeAdvice,
)
from commerce.payments import PaymentProvider
from voice_server.conversation.profile_cache import ProfileCache, has_measurements

ENRICH_TOP = 3


def _needs_user(user_id: int | None) -> int:
    if user_id is None:
        raise Conflict("I need a shopping session for that; please reconnect and try again.")
    return user_id


class PostgresShop:
    """Implements ``voice_server.conversation.dialogue.port.ShopPort``."""

    def __init__(self, pool: asyncpg.Pool, provider: PaymentProvider, *,
                 profiles: ProfileCache | None = None) -> None:
        self.pool = pool
        self.provider = provider
        self.profiles = profiles

    async def _profile(self, user_id: int) -> Profile:
        if self.profiles is not None:
            return await self.profiles.get(user_id)
        return await profiles.get_profile(self.pool, user_id)

    async def _has_measurements(self, user_id: int | None) -> bool:
        return user_id is not None and has_measurements(await self._profile(user_id))

    async def _enrich(self, card: ProductCard, user_id: int) -> ProductCard:
        size = await shopper_advice.size_advice(self.pool, user_id, card.id)
        if size is None:
            return card
        risk = await shopper_advice.return_risk(self.pool, user_id, card.id, size.size, advice=size)
        return card.model_copy(update={"recommended_size": size, "return_risk": risk})

    async def _enrich_top(self, cards: list[ProductCard], user_id: int | None) -> list[ProductCard]:
        if not cards or not await self._has_measurements(user_id):
            return cards
        assert user_id is not None
        top = await asyncio.gather(*(self._enrich(c, user_id) for c in cards[:ENRICH_TOP]))
        return [*top, *cards[ENRICH_TOP:]]

    async def search(self, filters: SearchFilters, *, user_id: int | None, limit: int,
                     offset: int) -> SearchResult:
        context = None
        if user_id is not None and self.profiles is not None:
            prefs = (await self.profiles.get(user_id)).preferences
            context = await search.shopper_context(self.pool, user_id, preferences=prefs)
        result = await search.search_products(self.pool, filters, user_id=user_id, limit=limit,
                                              offset=offset, context=context)
        return result.model_copy(update={"products": await self._enrich_top(result.products, user_id)})

    async def get_product(self, product_id: int, *, user_id: int | None) -> ProductCard:
        card = await search.get_product(self.pool, product_id)
        return (await self._enrich_top([card], user_id))[0]

    async def get_products(self, product_ids: list[int], *, user_id: int | None) -> list[ProductCard]:
        return await self._enrich_top(await search.get_products(self.pool, product_ids), user_id)

    async def similar(self, product_id: int, *, user_id: int | None, limit: int) -> list[ProductCard]:
        return await search.similar_products(self.pool, product_id, limit=limit)

    async def size_advice(self, user_id: int | None, product_id: int) -> SizeAdvice | None:
        return await shopper_advice.size_advice(self.pool, user_id, product_id)

    async def add_to_cart(self, user_id: int | None, product_id: int, size: str | None,
                          quantity: int) -> Cart:
        return await cart.add_item(self.pool, _needs_user(user_id), product_id, size, quantity)

    async def remove_from_cart(self, user_id: int | None, product_id: int, size: str | None) -> Cart:
        return await cart.remove_item(self.pool, _needs_user(user_id), product_id, size)

    async def set_quantity(self, user_id: int | None, product_id: int, size: str | None, quantity: int) -> Cart:
        return await cart.set_quantity(self.pool, _needs_user(user_id), product_id, size, quantity)

    async def get_cart(self, user_id: int | None) -> Cart:
        return Cart() if user_id is None else await cart.get_cart(self.pool, user_id)

    async def quote_checkout(self, user_id: int | None) -> Cart:
        """The cart with totals, checked against current stock (EmptyCart / OutOfStock)."""
        current = await self.get_cart(user_id)
        if not current.lines:
            raise EmptyCart("Your cart is empty.")
        rows = await self.pool.fetch(
            """SELECT p.name, v.size_label, v.stock - v.reserved AS available, ci.quantity
               FROM carts c JOIN cart_items ci ON ci.cart_id = c.id
               JOIN product_variants v ON v.id = ci.variant_id JOIN products p ON p.id = v.product_id
               WHERE c.id = $1 AND v.stock - v.reserved < ci.quantity""",
            current.id,
        )
        if rows:
            r = rows[0]
            left = "is sold out" if r["available"] <= 0 else f"has only {r['available']} left"
            raise OutOfStock(f"Sorry, {r['name']} in size {r['size_label']} {left}.",
                             available=max(r["available"], 0), size=r["size_label"])
        return current

    async def place_order(self, user_id: int | None, idempotency_key: str) -> Order:
        return await orders.place_order(self.pool, self.provider, _needs_user(user_id), idempotency_key)

    async def order_status(self, user_id: int | None, order_id: int | None) -> list[Order]:
        if user_id is None:
            return []
        if order_id is not None:
            return [await orders.get_order(self.pool, user_id, order_id)]
        return await orders.list_orders(self.pool, user_id, limit=10)

    async def start_return(self, user_id: int | None, order_id: int | None, product_id: int | None,
                           reason: str | None, fit_feedback: FitLabel | None) -> ReturnRequest:
        return await order_returns.request_return(self.pool, _needs_user(user_id), order_id, product_id,
                                                  reason, fit_feedback)

    async def review_fit(self, user_id: int | None, product_id: int | None, category: str | None,
                         fit: FitLabel) -> FitReview:
        return await fit_reviews.review_fit(self.pool, _needs_user(user_id), product_id, fit, category=category)

    async def update_profile(self, user_id: int | None, measurements: BodyMeasurements | None,
                             preferences: dict | None) -> None:
        if self.profiles is not None:
            await self.profiles.update(_needs_user(user_id), measurements, preferences)
        else:
            await profiles.update_profile(self.pool, _needs_user(user_id), measurements, preferences)
