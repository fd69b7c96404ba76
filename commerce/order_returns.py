"""Returns: the shopper asks, the warehouse receives (or rejects), the provider refunds.

``requested`` (shopper, with reason and fit feedback: size advice learns from it at once) →
``received`` (operator: the goods are back; restocked, refund amount fixed) → ``refunded``
(provider refund, idempotency key ``shepherd-refund-<return id>``), or ``requested`` →
``rejected``. A shopper never triggers money leaving the shop by themselves.

One item or the whole order may be returned, several times over an order's life; amounts are
capped so that all refunds of an order never exceed what was paid (a whole-order return after
an item return refunds the rest). The order's status follows its returns
(``order_status_after_returns``, pure). Every step locks the order row first, then the return,
as checkout, cancel and webhooks do. A refund the provider could not make (down) leaves the
return ``received``; ``settle_received_returns`` retries it (each node's maintenance loop).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import asyncpg

from commerce import inventory
from commerce.db import store_available
from commerce.inventory import StockLine
from commerce.models import Conflict, FitLabel, NotFound, OrderStatus, ReturnRequest, ReturnStatus
from commerce.orders import RETURNABLE, OrderNotifier, move_status
from commerce.payments.base import PaymentProvider, retry_each

R = ReturnStatus
OPEN = frozenset({R.requested, R.received})
BACK = frozenset({R.received, R.refunded})
REFUND_NOTICE = "refunded"
REJECT_NOTICE = "return_rejected"

_RETURN_SQL = """
SELECT r.id, r.order_id, oi.product_id, r.status, r.reason, r.fit_feedback, r.refund_cents
FROM returns r LEFT JOIN order_items oi ON oi.id = r.order_item_id"""


def refund_key(return_id: int) -> str:
    return f"shepherd-refund-{return_id}"


def order_status_after_returns(fulfilled: bool, returns: Iterable[tuple[str, int | None]],
                               item_ids: Collection[int]) -> OrderStatus:
    """Where an order stands given its returns as (status, order item id or None for all) (pure).

    Any open return: ``return_requested``. Otherwise every item refunded: ``refunded``; some:
    ``returned``; none (all rejected): back to ``fulfilled`` or ``paid``.
    """
    returns = [(ReturnStatus(status), item) for status, item in returns]
    if any(status in OPEN for status, _ in returns):
        return OrderStatus.return_requested
    refunded = {item for status, item in returns if status == R.refunded}
    if None in refunded or (item_ids and refunded >= set(item_ids)):
        return OrderStatus.refunded
    if refunded:
        return OrderStatus.returned
    return OrderStatus.fulfilled if fulfilled else OrderStatus.paid


def _record(row: Any) -> ReturnRequest:
    return ReturnRequest(id=row["id"], order_id=row["order_id"], product_id=row["product_id"],
                         status=row["status"], reason=row["reason"], fit_feedback=row["fit_feedback"],
                         refund_cents=row["refund_cents"])


async def _one(conn: asyncpg.Connection | asyncpg.Pool, return_id: int) -> ReturnRequest:
    return _record(await conn.fetchrow(_RETURN_SQL + " WHERE r.id = $1", return_id))


async def get_return(pool: asyncpg.Pool, user_id: int, return_id: int) -> ReturnRequest:
    """The shopper's return; anyone else's is reported as not found."""
    row = await pool.fetchrow(_RETURN_SQL + " WHERE r.id = $1 AND r.user_id = $2", return_id, user_id)
    if row is None:
        raise NotFound(f"No return {return_id}.", return_id=return_id)
    return _record(row)


async def list_returns(pool: asyncpg.Pool, *, user_id: int | None, status: ReturnStatus | None = None,
                       limit: int = 50) -> list[ReturnRequest]:
    """Newest first: one shopper's returns, or (``user_id=None``, operators) everyone's."""
    rows = await pool.fetch(
        _RETURN_SQL + """ WHERE ($1::bigint IS NULL OR r.user_id = $1) AND ($2::text IS NULL OR r.status = $2)
                          ORDER BY r.id DESC LIMIT $3""",
        user_id, status.value if status else None, limit)
    return [_record(r) for r in rows]


async def _record_fit(conn: asyncpg.Connection, user_id: int, items: list[Any], fit: FitLabel | None) -> None:
    if fit is None:
        return
    await conn.executemany(
        """INSERT INTO fit_feedback (user_id, product_id, size_label, fit, source)
           VALUES ($1, $2, $3, $4, 'return')""",
        [(user_id, it["product_id"], it["size_label"] or "onesize", fit) for it in items],
    )


async def _latest_returnable(conn: asyncpg.Connection, user_id: int, product_id: int | None) -> int:
    order_id = await conn.fetchval(
        """SELECT o.id FROM orders o WHERE o.user_id = $1 AND o.status = ANY($2::text[])
             AND ($3::bigint IS NULL OR EXISTS (
                 SELECT 1 FROM order_items oi WHERE oi.order_id = o.id AND oi.product_id = $3))
           ORDER BY o.created_at DESC, o.id DESC LIMIT 1""",
        user_id, [s.value for s in RETURNABLE], product_id,
    )
    if order_id is None:
        raise NotFound("No paid order to return.", product_id=product_id)
    return order_id


async def request_return(pool: asyncpg.Pool, user_id: int, order_id: int | None, product_id: int | None,
                         reason: str | None, fit_feedback: FitLabel | None) -> ReturnRequest:
    """Open a return for one product (or the whole order); fit feedback teaches size advice.

    Without ``order_id`` the shopper's latest returnable order (holding ``product_id`` if given)
    is used. Asking again while a return is open gives that return; an item already sent back
    is a Conflict.
    """
    async with store_available(), pool.acquire() as conn, conn.transaction():
        if order_id is None:
            order_id = await _latest_returnable(conn, user_id, product_id)
        status = await conn.fetchval(
            "SELECT status FROM orders WHERE id = $1 AND user_id = $2 FOR UPDATE", order_id, user_id)
        if status is None:
            raise NotFound(f"No order {order_id}.", order_id=order_id)
        items = await conn.fetch(
            """SELECT id, product_id, size_label FROM order_items WHERE order_id = $1
                 AND ($2::bigint IS NULL OR product_id = $2) ORDER BY id""",
            order_id, product_id,
        )
        if not items:
            raise NotFound("That product is not in this order.", order_id=order_id, product_id=product_id)
        item_id = items[0]["id"] if product_id is not None else None
        earlier = await conn.fetch(
            """SELECT id, status, order_item_id FROM returns WHERE order_id = $1
                 AND (order_item_id IS NULL OR $2::bigint IS NULL OR order_item_id = $2) ORDER BY id""",
            order_id, item_id)
        same = [r for r in earlier if r["status"] == R.requested and r["order_item_id"] in (item_id, None)]
        if same:  # asking twice (or for an item of an open whole-order return) is one return
            return await _one(conn, same[0]["id"])
        back = {r["order_item_id"] for r in earlier if r["status"] in BACK}
        if None in back or (item_id in back if item_id is not None else back >= {i["id"] for i in items}):
            raise Conflict("That was already returned.", order_id=order_id, product_id=product_id)
        await move_status(conn, order_id, status, OrderStatus.return_requested)
        return_id = await conn.fetchval(
            """INSERT INTO returns (order_id, order_item_id, user_id, reason, fit_feedback)
               VALUES ($1, $2, $3, $4, $5) RETURNING id""",
            order_id, item_id, user_id, reason, fit_feedback,
        )
        await _record_fit(conn, user_id, list(items), fit_feedback)
        return await _one(conn, return_id)


async def _lock(conn: asyncpg.Connection, return_id: int) -> tuple[Any, Any]:
    """Lock the return's order, then the return (the lock order of every order change)."""
    order_id = await conn.fetchval("SELECT order_id FROM returns WHERE id = $1", return_id)
    if order_id is None:
        raise NotFound(f"No return {return_id}.", return_id=return_id)
    order = await conn.fetchrow(
        "SELECT id, user_id, status, total_cents, fulfilled_at FROM orders WHERE id = $1 FOR UPDATE", order_id)
    ret = await conn.fetchrow(
        "SELECT id, order_item_id, status FROM returns WHERE id = $1 FOR UPDATE",
        return_id)
    return order, ret


async def _follow_returns(conn: asyncpg.Connection, order: Any) -> None:
    """Move the (locked) order to where its returns put it."""
    if order["status"] in (OrderStatus.refunded, OrderStatus.cancelled):  # e.g. refunded in full from Stripe
        return
    returns = await conn.fetch("SELECT status, order_item_id FROM returns WHERE order_id = $1", order["id"])
    items = await conn.fetch("SELECT id FROM order_items WHERE order_id = $1", order["id"])
    target = order_status_after_returns(order["fulfilled_at"] is not None,
                                        [(r["status"], r["order_item_id"]) for r in returns],
                                        [r["id"] for r in items])
    await move_status(conn, order["id"], order["status"], target)


async def _receive_locked(conn: asyncpg.Connection, order: Any, ret: Any) -> None:
    """The goods are back: restock them and fix the refund, capped at what is left of the payment."""
    items = await conn.fetch(
        "SELECT id, variant_id, quantity, unit_price_cents FROM order_items WHERE order_id = $1 ORDER BY id",
        order["id"])
    back = await conn.fetch(
        """SELECT order_item_id, refund_cents FROM returns
           WHERE order_id = $1 AND id <> $2 AND status = ANY($3::text[])""",
        order["id"], ret["id"], list(BACK))
    covered = {r["order_item_id"] for r in back}
    if None in covered or ret["order_item_id"] in covered:
        raise Conflict("Those items were already received with another return.", return_id=ret["id"])
    left = order["total_cents"] - sum(r["refund_cents"] or 0 for r in back)
    if order["status"] == OrderStatus.refunded:  # refunded in full outside the shop (Stripe dashboard)
        left = 0
    if ret["order_item_id"] is None:
        lines, amount = [i for i in items if i["id"] not in covered], left
    else:
        lines = [i for i in items if i["id"] == ret["order_item_id"]]
        amount = min(left, sum(i["quantity"] * i["unit_price_cents"] for i in lines))
    await inventory.restock(conn, [StockLine(i["variant_id"], i["quantity"]) for i in lines])
    await conn.execute(
        "UPDATE returns SET status = 'received', received_at = now(), refund_cents = $2 WHERE id = $1",
        ret["id"], max(amount, 0))


async def _refund(pool: asyncpg.Pool, provider: PaymentProvider, return_id: int,
                  notify: OrderNotifier | None) -> ReturnRequest:
    """Refund a received return through the provider (idempotent per return), then record it."""
    due = await pool.fetchrow(
        """SELECT r.status, r.refund_cents, p.provider_ref FROM returns r
           LEFT JOIN payments p ON p.order_id = r.order_id AND p.provider_ref IS NOT NULL WHERE r.id = $1""",
        return_id)
    if due["status"] != R.received:
        return await _one(pool, return_id)
    refund_ref = None
    if due["refund_cents"]:
        if due["provider_ref"] is None:
            raise Conflict("This order has no payment to refund.", return_id=return_id)
        refund_ref = await provider.refund(due["provider_ref"], due["refund_cents"], refund_key(return_id))
    async with pool.acquire() as conn, conn.transaction():
        order, ret = await _lock(conn, return_id)
        changed = ret["status"] == R.received
        if changed:
            await conn.execute(
                "UPDATE returns SET status = 'refunded', refund_ref = $2, refunded_at = now() WHERE id = $1",
                return_id, refund_ref)
            await conn.execute(
                """UPDATE payments SET updated_at = now(), status = CASE WHEN amount_cents <= (
                       SELECT coalesce(sum(refund_cents), 0) FROM returns WHERE order_id = $1 AND status = 'refunded')
                     THEN 'refunded' ELSE 'partially_refunded' END
                   WHERE order_id = $1 AND provider_ref IS NOT NULL""",
                order["id"])
            await _follow_returns(conn, order)
        result = await _one(conn, return_id)
    if changed and notify is not None:
        await notify(order["user_id"], order["id"], REFUND_NOTICE)
    return result


async def receive_return(pool: asyncpg.Pool, provider: PaymentProvider, return_id: int, *,
                         notify: OrderNotifier | None = None) -> ReturnRequest:
    """Operator: the goods arrived. Restock, refund through the provider, move the order on.

    Calling it again (or concurrently) refunds once. PaymentUnavailable leaves the return
    ``received``: the refund is retried by ``settle_received_returns`` or a later call.
    """
    async with store_available():
        async with pool.acquire() as conn, conn.transaction():
            order, ret = await _lock(conn, return_id)
            if ret["status"] == R.rejected:
                raise Conflict("This return was rejected.", return_id=return_id)
            if ret["status"] == R.requested:
                await _receive_locked(conn, order, ret)
        return await _refund(pool, provider, return_id, notify)


async def reject_return(pool: asyncpg.Pool, return_id: int, *, note: str | None = None,
                        notify: OrderNotifier | None = None) -> ReturnRequest:
    """Operator: refuse a requested return (nothing restocked, nothing refunded)."""
    async with store_available():
        async with pool.acquire() as conn, conn.transaction():
            order, ret = await _lock(conn, return_id)
            changed = ret["status"] == R.requested
            if changed:
                await conn.execute("UPDATE returns SET status = 'rejected', decided_note = $2 WHERE id = $1",
                                   return_id, note)
                await _follow_returns(conn, order)
            elif ret["status"] != R.rejected:
                raise Conflict(f"A {ret['status']} return cannot be rejected.", return_id=return_id)
            result = await _one(conn, return_id)
    if changed and notify is not None:
        await notify(order["user_id"], order["id"], REJECT_NOTICE)
    return result


async def settle_received_returns(pool: asyncpg.Pool, provider: PaymentProvider, *,
                                  notify: OrderNotifier | None = None, limit: int = 50) -> list[int]:
    """Retry the refunds of received returns (the provider was down); the ids refunded now."""
    ids = [r["id"] for r in await pool.fetch(
        "SELECT id FROM returns WHERE status = 'received' ORDER BY id LIMIT $1", limit)]
    done = await retry_each(ids, lambda return_id: _refund(pool, provider, return_id, notify), "return refund")
    return [ret.id for ret in done if ret.status == R.refunded]
