"""Shop test helpers: guest users and stock set-up on the real embedded Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from commerce.payments import OfflineProvider, StripeProvider
from tests.shop.fake_stripe import API_KEY, FakeStripe


async def create_user(pool: Any) -> int:
    return await pool.fetchval("INSERT INTO users (kind) VALUES ('guest') RETURNING id")


@pytest.fixture(scope="session", autouse=True)
async def analyzed(pool: Any) -> None:
    """Planner statistics right after the catalog load (autovacuum would get there a minute later)."""
    await pool.execute("ANALYZE products, product_variants, brands")


@pytest.fixture
def new_user(pool: Any) -> Callable[[], Awaitable[int]]:
    async def make() -> int:
        return await create_user(pool)

    return make


@pytest.fixture
def offline() -> OfflineProvider:
    return OfflineProvider()


async def multi_size_product(pool: Any, *, offset: int = 0, min_available: int = 3) -> Any:
    """A product with several sizes, one of which has at least ``min_available`` units free."""
    return await pool.fetchrow(
        """SELECT p.id, p.name, p.price_cents, v.id AS variant_id, v.size_label,
                  v.stock - v.reserved AS available
           FROM products p JOIN product_variants v ON v.product_id = p.id
           WHERE (SELECT count(*) FROM product_variants x WHERE x.product_id = p.id) > 2
             AND v.stock - v.reserved >= $1
           ORDER BY p.id, v.id OFFSET $2 LIMIT 1""",
        min_available, offset,
    )


async def set_stock(pool: Any, variant_id: int, stock: int) -> None:
    await pool.execute("UPDATE product_variants SET reserved = 0, stock = $2 WHERE id = $1",
                       variant_id, stock)


@pytest.fixture
async def stripe_env(make_client: Any) -> AsyncIterator[tuple[FakeStripe, StripeProvider]]:
    """The real Stripe SDK pointed at tests/shop/fake_stripe.py on a local port."""
    fake = FakeStripe()
    client = await make_client(fake.app())
    provider = StripeProvider(API_KEY, api_base=f"http://{client.host}:{client.port}")
    yield fake, provider
    await provider.aclose()
