"""The shopper's open cart: add, change, remove, and totals computed from DB prices.

Rules (docs/commerce.md): shipping and tax as ``commerce.charges`` says; at most 20 units per line. Adding checks what can still be sold (``stock - reserved``) against
the quantity already in the cart plus the new units; the cart itself reserves nothing (placing
the order does).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from commerce.charges import shipping_for, tax_for
from commerce.models import (
    MAX_LINE_QUANTITY,
    Cart,
    CartLine,
    InvalidQuantity,
    InvalidSize,
    NotFound,
    OutOfStock,
)


def build_cart(cart_id: int | None, lines: list[CartLine], currency: str = "USD") -> Cart:
    """A cart with its totals (pure)."""
    subtotal = sum(line.line_total_cents for line in lines)
    shipping = shipping_for(subtotal)
    tax = tax_for(subtotal)
    return Cart(id=cart_id, lines=lines, subtotal_cents=subtotal, shipping_cents=shipping, tax_cents=tax,
                total_cents=subtotal + shipping + tax, currency=currency)


def pick_size(requested: str | None, labels: list[str], product_name: str) -> str:
    """The variant label for a requested size (case-insensitive); None is fine for one-size items."""
    if requested is None or not requested.strip():
        if len(labels) == 1:
            return labels[0]
        raise InvalidSize(f"Which size? {product_name} comes in {', '.join(labels)}.", sizes=labels)
    wanted = " ".join(requested.split()).lower()
    for label in labels:
        if label.lower() == wanted:
            return label
    raise InvalidSize(
        f"{product_name} doesn't come in size {requested}; sizes: {', '.join(labels)}.", sizes=labels
    )


_LINES_SQL = """
SELECT p.id AS product_id, p.name, b.name AS brand, v.size_label, ci.quantity, p.price_cents, p.currency
FROM cart_items ci JOIN product_variants v ON v.id = ci.variant_id
JOIN products p ON p.id = v.product_id JOIN brands b ON b.id = p.brand_id
WHERE ci.cart_id = $1 ORDER BY ci.added_at, ci.id"""


def _line(row: Any, single_size: bool = False) -> CartLine:
    return CartLine(
        product_id=row["product_id"], name=row["name"], brand=row["brand"], size=row["size_label"],
        quantity=row["quantity"], unit_price_cents=row["price_cents"],
        line_total_cents=row["price_cents"] * row["quantity"],
    )


async def _load(conn: asyncpg.Connection | asyncpg.Pool, cart_id: int | None) -> Cart:
    if cart_id is None:
        return build_cart(None, [])
    rows = await conn.fetch(_LINES_SQL, cart_id)
    currency = rows[0]["currency"] if rows else "USD"
    return build_cart(cart_id, [_line(r) for r in rows], currency)


async def open_cart_id(conn: asyncpg.Connection | asyncpg.Pool, user_id: int) -> int | None:
    return await conn.fetchval("SELECT id FROM carts WHERE user_id = $1 AND status = 'open'", user_id)


async def _ensure_cart(conn: asyncpg.Connection, user_id: int) -> int:
    await conn.execute(
        """INSERT INTO carts (user_id) VALUES ($1)
           ON CONFLICT (user_id) WHERE status = 'open' DO NOTHING""",
        user_id,
    )
    cart_id = await conn.fetchval(
        "SELECT id FROM carts WHERE user_id = $1 AND status = 'open' FOR UPDATE", user_id
    )
    assert cart_id is not None
    return cart_id


async def get_cart(pool: asyncpg.Pool, user_id: int) -> Cart:
    return await _load(pool, await open_cart_id(pool, user_id))


async def _variant(conn: asyncpg.Connection, product_id: int, size: str | None) -> tuple[int, str, str, int]:
    """(variant id, label, product name, available units) for a product and requested size."""
    rows = await conn.fetch(
        """SELECT v.id, v.size_label, v.stock - v.reserved AS available, p.name
           FROM products p JOIN product_variants v ON v.product_id = p.id
           WHERE p.id = $1 AND p.active ORDER BY v.sort_order, v.id""",
        product_id,
    )
    if not rows:
        raise NotFound(f"No product {product_id}.", product_id=product_id)
    name = rows[0]["name"]
    label = pick_size(size, [r["size_label"] for r in rows], name)
    row = next(r for r in rows if r["size_label"] == label)
    return row["id"], label, name, row["available"]


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidQuantity(f"Quantity must be between 1 and {MAX_LINE_QUANTITY}.", quantity=quantity)


def _check_stock(name: str, label: str, available: int, wanted: int) -> None:
    if available < wanted:
        left = "none left" if available <= 0 else f"only {available} left"
        raise OutOfStock(f"{name} in size {label}: {left}.", available=max(available, 0), size=label)


async def add_item(pool: asyncpg.Pool, user_id: int, product_id: int, size: str | None,
                   quantity: int = 1) -> Cart:
    """Add units of a product (size may be omitted for one-size products)."""
    _check_quantity(quantity)
    async with pool.acquire() as conn, conn.transaction():
        variant_id, label, name, available = await _variant(conn, product_id, size)
        cart_id = await _ensure_cart(conn, user_id)
        in_cart = await conn.fetchval(
            "SELECT quantity FROM cart_items WHERE cart_id = $1 AND variant_id = $2", cart_id, variant_id
        ) or 0
        _check_quantity(in_cart + quantity)
        _check_stock(name, label, available, in_cart + quantity)
        await conn.execute(
            """INSERT INTO cart_items (cart_id, variant_id, quantity) VALUES ($1, $2, $3)
               ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = cart_items.quantity + $3""",
            cart_id, variant_id, quantity,
        )
        await conn.execute("UPDATE carts SET updated_at = now() WHERE id = $1", cart_id)
        return await _load(conn, cart_id)


async def set_quantity(pool: asyncpg.Pool, user_id: int, product_id: int, size: str | None,
                       quantity: int) -> Cart:
    """Set a line's quantity; 0 removes the line."""
    if quantity == 0:
        return await remove_item(pool, user_id, product_id, size)
    _check_quantity(quantity)
    async with pool.acquire() as conn, conn.transaction():
        variant_id, label, name, available = await _variant(conn, product_id, size)
        _check_stock(name, label, available, quantity)
        cart_id = await _ensure_cart(conn, user_id)
        await conn.execute(
            """INSERT INTO cart_items (cart_id, variant_id, quantity) VALUES ($1, $2, $3)
               ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = $3""",
            cart_id, variant_id, quantity,
        )
        await conn.execute("UPDATE carts SET updated_at = now() WHERE id = $1", cart_id)
        return await _load(conn, cart_id)


async def remove_item(pool: asyncpg.Pool, user_id: int, product_id: int, size: str | None = None) -> Cart:
    """Remove a product's line (one size, or every size when ``size`` is None)."""
    async with pool.acquire() as conn, conn.transaction():
        cart_id = await open_cart_id(conn, user_id)
        deleted = 0
        if cart_id is not None:
            deleted = await conn.fetchval(
                """WITH gone AS (
                       DELETE FROM cart_items ci USING product_variants v
                       WHERE ci.cart_id = $1 AND ci.variant_id = v.id AND v.product_id = $2
                         AND ($3::text IS NULL OR lower(v.size_label) = lower($3))
                       RETURNING 1)
                   SELECT count(*) FROM gone""",
                cart_id, product_id, size,
            )
        if not deleted:
            raise NotFound("That item is not in your cart.", product_id=product_id, size=size)
        await conn.execute("UPDATE carts SET updated_at = now() WHERE id = $1", cart_id)
        return await _load(conn, cart_id)
