"""Orders: checkout with stock reservation, idempotent payment, cancel, fulfilment, the status machine.

Checkout runs in ONE transaction (shopper row locked so concurrent retries of one key queue up,
variants locked in ascending id, availability checked, reserved, order + items written with DB
prices, cart marked ordered); the provider is called after commit with the same idempotency key
on every retry, so a retry returns the same order and never charges twice. The order lifecycle
is the pure table ``TRANSITIONS`` (docs/commerce.md); returns and refunds are
``commerce.order_returns``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable

import asyncpg

from commerce import inventory
from commerce.cart import build_cart
from commerce.db import store_available
from commerce.inventory import StockLine
from commerce.models import (
    CartLine,
    Conflict,
    EmptyCart,
    NotFound,
    Order,
    OrderLine,
    OrderStatus,
    OutOfStock,
    PaymentDeclined,
    ShopError,
)
from commerce.payments.base import SETTLED_PAYMENT, PaymentProvider, PaymentUnavailable

log = logging.getLogger(__name__)

S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.created: frozenset({S.awaiting_payment, S.paid, S.cancelled}),
    S.awaiting_payment: frozenset({S.paid, S.cancelled}),
    S.paid: frozenset({S.fulfilled, S.return_requested}),
    S.fulfilled: frozenset({S.return_requested}),
    # returned: goods back and refunded (all or part); paid / fulfilled: every open return rejected
    S.return_requested: frozenset({S.returned, S.paid, S.fulfilled}),
    # another item sent back, or the whole order refunded
    S.returned: frozenset({S.return_requested, S.refunded}),
    S.cancelled: frozenset(),
    S.refunded: frozenset(),
}
RELEASES_RESERVATION = frozenset({S.created, S.awaiting_payment})
RETURNABLE = frozenset({S.paid, S.fulfilled, S.return_requested, S.returned})
PASS_THROUGH_NEVER = frozenset({S.created, S.awaiting_payment, S.paid, S.cancelled})
MAX_IDEMPOTENCY_KEY = 200

OrderNotifier = Callable[[int, int, str], Awaitable[None]]
"""``notify(user_id, order_id, new_status)``, awaited after a payment state change is committed."""


def can_transition(current: OrderStatus | str, target: OrderStatus | str) -> bool:
    return OrderStatus(target) in TRANSITIONS[OrderStatus(current)]


def _conflict(current: OrderStatus | str, target: OrderStatus | str) -> Conflict:
    return Conflict(f"An order that is {OrderStatus(current).value.replace('_', ' ')} cannot become "
                    f"{OrderStatus(target).value.replace('_', ' ')}.", status=str(current), target=str(target))


def check_transition(current: OrderStatus | str, target: OrderStatus | str) -> None:
    """Raise Conflict unless the order may move from ``current`` to ``target`` (pure)."""
    if not can_transition(current, target):
        raise _conflict(current, target)


def transition_path(current: OrderStatus | str, target: OrderStatus | str) -> list[OrderStatus]:
    """The shortest list of steps from ``current`` to ``target`` (empty when equal); Conflict if none.

    Only after-sale statuses are passed through: being paid or cancelled has side effects (stock
    sold or released) that a walk must never skip, so those are reachable only as the last step.
    """
    start, goal = OrderStatus(current), OrderStatus(target)
    came_from: dict[OrderStatus, OrderStatus | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            steps: list[OrderStatus] = []
            back = came_from[here]
            while back is not None:
                steps.append(here)
                here, back = back, came_from[back]
            return steps[::-1]
        if here != start and here in PASS_THROUGH_NEVER:
            continue
        for step in sorted(TRANSITIONS[here]):
            if step not in came_from:
                came_from[step] = here
                queue.append(step)
    raise _conflict(start, goal)


def provider_key(user_id: int, idempotency_key: str) -> str:
    """The idempotency key sent to the provider: unique per shopper and checkout attempt."""
    return f"shepherd-order-{user_id}-{idempotency_key}"


# --------------------------------------------------------------------------------------------
# reading


_ORDER_SQL = """
SELECT o.id, o.user_id, o.status, o.total_cents, o.currency, o.payment_provider, o.created_at,
       (SELECT client_secret FROM payments pay WHERE pay.order_id = o.id ORDER BY pay.id DESC LIMIT 1)
         AS client_secret
FROM orders o WHERE o.id = ANY($1::bigint[]) ORDER BY o.created_at DESC, o.id DESC"""
_ITEMS_SQL = """SELECT order_id, product_id, product_name, size_label, quantity, unit_price_cents
                FROM order_items WHERE order_id = ANY($1::bigint[]) ORDER BY id"""


async def _orders(conn: asyncpg.Connection | asyncpg.Pool, ids: list[int]) -> list[Order]:
    if not ids:
        return []
    rows = await conn.fetch(_ORDER_SQL, ids)
    items: dict[int, list[OrderLine]] = {}
    for r in await conn.fetch(_ITEMS_SQL, ids):
        items.setdefault(r["order_id"], []).append(OrderLine(
            product_id=r["product_id"], name=r["product_name"], size=r["size_label"],
            quantity=r["quantity"], unit_price_cents=r["unit_price_cents"]))
    return [
        Order(id=r["id"], status=OrderStatus(r["status"]), lines=items.get(r["id"], []),
              total_cents=r["total_cents"], currency=r["currency"], payment_provider=r["payment_provider"],
              client_secret=r["client_secret"], created_at=r["created_at"])
        for r in rows
    ]


async def get_order(pool: asyncpg.Pool, user_id: int, order_id: int) -> Order:
    """The shopper's order; another shopper's order is reported as not found."""
    owner = await pool.fetchval("SELECT user_id FROM orders WHERE id = $1", order_id)
    if owner != user_id:
        raise NotFound(f"No order {order_id}.", order_id=order_id)
    return (await _orders(pool, [order_id]))[0]


async def list_orders(pool: asyncpg.Pool, user_id: int, *, limit: int = 50) -> list[Order]:
    """The shopper's orders, newest first."""
    ids = [r["id"] for r in await pool.fetch(
        "SELECT id FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        user_id, limit)]
    return await _orders(pool, ids)


async def _stock_lines(conn: asyncpg.Connection, order_id: int) -> list[StockLine]:
    rows = await conn.fetch("SELECT variant_id, quantity FROM order_items WHERE order_id = $1", order_id)
    return [StockLine(r["variant_id"], r["quantity"]) for r in rows]


async def _set_status(conn: asyncpg.Connection, order_id: int, current: str, target: OrderStatus) -> None:
    check_transition(current, target)
    await conn.execute("UPDATE orders SET status = $2, updated_at = now() WHERE id = $1",
                       order_id, target.value)


async def move_status(conn: asyncpg.Connection, order_id: int, current: str, target: OrderStatus) -> bool:
    """Inside a transaction, order row locked: walk ``transition_path``; True if the status changed."""
    path = transition_path(current, target)
    for step in path:
        await _set_status(conn, order_id, current, step)
        current = step
    return bool(path)


# --------------------------------------------------------------------------------------------
# checkout


_CART_LINES_SQL = """
SELECT ci.variant_id, ci.quantity, v.size_label, p.id AS product_id, p.name, b.name AS brand,
       p.price_cents, p.currency
FROM cart_items ci JOIN product_variants v ON v.id = ci.variant_id
JOIN products p ON p.id = v.product_id JOIN brands b ON b.id = p.brand_id
WHERE ci.cart_id = $1 ORDER BY ci.variant_id"""


def _out_of_stock(short: list[StockLine], available: dict[int, int]) -> OutOfStock:
    first = short[0]
    left = available.get(first.variant_id, 0)
    what = "is sold out" if left <= 0 else f"has only {left} left"
    return OutOfStock(
        f"Sorry, {first.label} {what}.",
        items=[{"variant_id": s.variant_id, "item": s.label, "requested": s.quantity,
                "available": max(available.get(s.variant_id, 0), 0)} for s in short],
    )


async def _create_order(pool: asyncpg.Pool, provider_name: str, user_id: int, idempotency_key: str) -> int:
    """Reserve stock and write the order (or find the one this key already made); returns its id."""
    async with pool.acquire() as conn, conn.transaction():
        if await conn.fetchval("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE", user_id) is None:
            raise NotFound("Unknown shopper.", user_id=user_id)
        existing = await conn.fetchval(
            "SELECT id FROM orders WHERE user_id = $1 AND idempotency_key = $2", user_id, idempotency_key)
        if existing is not None:
            return existing
        cart_id = await conn.fetchval(
            "SELECT id FROM carts WHERE user_id = $1 AND status = 'open' FOR UPDATE", user_id)
        rows = await conn.fetch(_CART_LINES_SQL, cart_id) if cart_id is not None else []
        if not rows:
            raise EmptyCart("Your cart is empty.")
        need = [StockLine(r["variant_id"], r["quantity"], f"{r['name']} in size {r['size_label']}")
                for r in rows]
        available = await inventory.lock_available(conn, [line.variant_id for line in need])
        short = inventory.shortages(need, available)
        if short:
            raise _out_of_stock(short, available)
        await inventory.reserve(conn, need)
        cart = build_cart(cart_id, [
            CartLine(product_id=r["product_id"], name=r["name"], brand=r["brand"], size=r["size_label"],
                     quantity=r["quantity"], unit_price_cents=r["price_cents"],
                     line_total_cents=r["price_cents"] * r["quantity"]) for r in rows
        ], rows[0]["currency"])
        order_id = await conn.fetchval(
            """INSERT INTO orders (user_id, cart_id, status, subtotal_cents, shipping_cents, tax_cents,
                                   total_cents, currency, idempotency_key, payment_provider)
               VALUES ($1, $2, 'created', $3, $4, $5, $6, $7, $8, $9) RETURNING id""",
            user_id, cart_id, cart.subtotal_cents, cart.shipping_cents, cart.tax_cents, cart.total_cents,
            cart.currency, idempotency_key, provider_name,
        )
        await conn.executemany(
            """INSERT INTO order_items (order_id, variant_id, product_id, product_name, size_label, quantity,
                                        unit_price_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            [(order_id, r["variant_id"], r["product_id"], r["name"], r["size_label"], r["quantity"],
              r["price_cents"]) for r in rows],
        )
        await conn.execute(
            """INSERT INTO payments (order_id, provider, status, amount_cents, currency, idempotency_key)
               VALUES ($1, $2, 'pending', $3, $4, $5)""",
            order_id, provider_name, cart.total_cents, cart.currency, provider_key(user_id, idempotency_key),
        )
        await conn.execute("UPDATE carts SET status = 'ordered', updated_at = now() WHERE id = $1", cart_id)
        return order_id


async def _cancel_locked(conn: asyncpg.Connection, order_id: int, status: str, payment_status: str,
                         error: str | None = None) -> None:
    await _set_status(conn, order_id, status, S.cancelled)
    if OrderStatus(status) in RELEASES_RESERVATION:
        await inventory.release(conn, await _stock_lines(conn, order_id))
    await conn.execute(
        """UPDATE payments SET status = $2, last_error = coalesce($3, last_error), updated_at = now()
           WHERE order_id = $1 AND NOT (status = ANY($4::text[]))""",
        order_id, payment_status, error, list(SETTLED_PAYMENT),
    )


async def _ensure_payment(pool: asyncpg.Pool, provider: PaymentProvider, user_id: int, order_id: int) -> None:
    pay = await pool.fetchrow(
        """SELECT o.status, o.total_cents, o.currency, p.id AS payment_id, p.status AS payment_status,
                  p.provider_ref, p.last_error, p.idempotency_key
           FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.id = $1 ORDER BY p.id LIMIT 1""",
        order_id,
    )
    if pay["payment_status"] == "failed" and pay["status"] == S.cancelled:
        raise PaymentDeclined(pay["last_error"] or "The payment was declined.", order_id=order_id)
    if pay["provider_ref"] is not None or pay["status"] != S.created:
        return
    try:
        result = await provider.create_payment(
            order_id, pay["total_cents"], pay["currency"], pay["idempotency_key"],
            {"order_id": order_id, "user_id": user_id},
        )
    except PaymentDeclined as exc:
        async with pool.acquire() as conn, conn.transaction():
            status = await conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id)
            if status == S.created:
                await _cancel_locked(conn, order_id, status, "failed", exc.message)
        raise
    async with pool.acquire() as conn, conn.transaction():
        status = await conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id)
        await conn.execute(
            """UPDATE payments SET provider_ref = $2, client_secret = $3, updated_at = now(),
                      status = CASE WHEN status = 'pending' THEN $4 ELSE status END
               WHERE id = $1""",
            pay["payment_id"], result.provider_ref, result.client_secret, result.status,
        )
        if status == S.created:
            await _set_status(conn, order_id, status, S.awaiting_payment)


async def place_order(pool: asyncpg.Pool, provider: PaymentProvider, user_id: int,
                      idempotency_key: str) -> Order:
    """Check out the open cart; retrying with the same key returns the same order, charged once.

    Raises EmptyCart, OutOfStock (nothing changed), PaymentDeclined (order cancelled, stock
    released), PaymentUnavailable or StoreUnavailable (order kept or rolled back; retry with the
    same key).
    """
    if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise ShopError("An idempotency key of 1 to 200 characters is required.")
    async with store_available():  # Postgres down: typed and retryable, the transaction rolled back
        order_id = await _create_order(pool, provider.name, user_id, idempotency_key)
        await _ensure_payment(pool, provider, user_id, order_id)
        return (await _orders(pool, [order_id]))[0]


# --------------------------------------------------------------------------------------------
# payment outcomes (webhooks), cancel


async def mark_paid(conn: asyncpg.Connection, order_id: int) -> bool:
    """Inside a transaction: the order's payment succeeded; reserved stock becomes sold. True if changed."""
    status = await conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id)
    if status is None or not can_transition(status, S.paid):
        return False
    await inventory.commit_sale(conn, await _stock_lines(conn, order_id))
    await _set_status(conn, order_id, status, S.paid)
    return True


async def mark_refunded(conn: asyncpg.Connection, order_id: int) -> bool:
    """Inside a transaction: the provider refunded the whole order; advances it to refunded. True if changed."""
    status = await conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id)
    if status is None or status in (S.refunded, S.cancelled, S.created, S.awaiting_payment):
        return False
    return await move_status(conn, order_id, status, S.refunded)


async def cancel_order(pool: asyncpg.Pool, provider: PaymentProvider, user_id: int, order_id: int) -> Order:
    """Cancel an unpaid order and release its reservations (Conflict once paid)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT status FROM orders WHERE id = $1 AND user_id = $2 FOR UPDATE", order_id, user_id)
        if row is None:
            raise NotFound(f"No order {order_id}.", order_id=order_id)
        await _cancel_locked(conn, order_id, row["status"], "cancelled")
        ref = await conn.fetchval(
            "SELECT provider_ref FROM payments WHERE order_id = $1 ORDER BY id LIMIT 1", order_id)
    cancel = getattr(provider, "cancel_payment", None)
    if ref is not None and cancel is not None:
        try:
            await cancel(ref)
        except PaymentUnavailable:  # the order is cancelled; an unpaid intent expires on its own
            log.warning("payment cancel failed for order %s; intent left to expire", order_id)
    return (await _orders(pool, [order_id]))[0]


# --------------------------------------------------------------------------------------------
# fulfilment (operators)


async def find_orders(pool: asyncpg.Pool, *, status: OrderStatus | None = None, limit: int = 50) -> list[Order]:
    """Operators: everyone's orders (optionally in one status), newest first."""
    ids = [r["id"] for r in await pool.fetch(
        """SELECT id FROM orders WHERE ($1::text IS NULL OR status = $1)
           ORDER BY created_at DESC, id DESC LIMIT $2""",
        status.value if status else None, limit)]
    return await _orders(pool, ids)


async def fulfil_order(pool: asyncpg.Pool, order_id: int, *, notify: OrderNotifier | None = None) -> Order:
    """Operators: a paid order has shipped (Conflict unless paid; a second call changes nothing)."""
    async with store_available():
        async with pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT user_id, status, fulfilled_at FROM orders WHERE id = $1 FOR UPDATE", order_id)
            if row is None:
                raise NotFound(f"No order {order_id}.", order_id=order_id)
            changed = row["fulfilled_at"] is None
            if changed:
                await _set_status(conn, order_id, row["status"], S.fulfilled)
                await conn.execute("UPDATE orders SET fulfilled_at = now() WHERE id = $1", order_id)
        if changed and notify is not None:
            await notify(row["user_id"], order_id, S.fulfilled.value)
        return (await _orders(pool, [order_id]))[0]
