"""Payment outcomes: a succeeded payment pays its order, or, when the order was cancelled (or
expired) meanwhile, is refunded automatically — exactly once.

Both ways a payment can succeed use ``record_succeeded`` inside one transaction: a Stripe
``payment_intent.succeeded`` webhook (``commerce.payments.webhooks``) and a provider
confirmation (``confirm_payment``: e.g. an offline order paid at pick-up, or a provider poll).
When the order can no longer be paid, the payment is marked succeeded and one ``auto_refunds``
row is written (UNIQUE per payment: a replayed or duplicated success never adds a second). The
refund itself is made after commit (no network call inside a transaction) by
``settle_auto_refund`` with the idempotency key ``shepherd-autorefund-<payment id>``, so two
settlers racing, or a retry after a crash, make one refund at the provider; only the settler
whose UPDATE moves the row from ``pending`` to ``refunded`` notifies the shopper. A refund the
provider could not make now (``PaymentUnavailable``) stays ``pending`` with the error and the
attempt count; ``settle_pending_refunds`` retries them.
"""

# ruff: noqa: S608  (SQL is assembled from the constant _COLUMNS only; every value is a $n parameter)
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import asyncpg

from commerce.models import NotFound, OrderStatus
from commerce.orders import OrderNotifier, mark_paid
from commerce.payments.base import SETTLED_PAYMENT, PaymentProvider, PaymentUnavailable, retry_each

log = logging.getLogger(__name__)

AUTO_REFUND_STATUSES = frozenset({OrderStatus.cancelled.value, "expired"})
"""Order states in which money that arrives is not wanted: it goes back to the shopper."""
REFUND_NOTICE_STATUS = "refunded"


def auto_refund_key(payment_id: int) -> str:
    return f"shepherd-autorefund-{payment_id}"


def needs_auto_refund(order_status: str) -> bool:
    """Pure: does a payment succeeding for an order in this state have to be refunded?"""
    return order_status in AUTO_REFUND_STATUSES


@dataclass(frozen=True)
class SucceededOutcome:
    """What ``record_succeeded`` did: ``paid`` (order paid now), ``refund_due`` (auto-refund row
    ``refund_id`` pending) or ``none`` (already applied / nothing to change)."""

    kind: str
    order_id: int
    user_id: int
    refund_id: int | None = None


@dataclass(frozen=True)
class AutoRefund:
    id: int
    payment_id: int
    order_id: int
    user_id: int
    amount_cents: int
    currency: str
    status: str
    refund_ref: str | None
    attempts: int
    last_error: str | None


def _auto_refund(row: Any) -> AutoRefund:
    return AutoRefund(**{f: row[f] for f in AutoRefund.__dataclass_fields__})


_COLUMNS = "id, payment_id, order_id, user_id, amount_cents, currency, status, refund_ref, attempts, last_error"


async def record_succeeded(conn: asyncpg.Connection, payment_id: int) -> SucceededOutcome:
    """Inside a transaction: the provider says payment ``payment_id`` succeeded.

    Locks the order, then the payment (the order checkout, cancel and webhooks use). Pays an
    unpaid order; for a cancelled/expired one records a pending auto-refund (once per payment).
    """
    order_id = await conn.fetchval("SELECT order_id FROM payments WHERE id = $1", payment_id)
    if order_id is None:
        raise NotFound(f"No payment {payment_id}.", payment_id=payment_id)
    order = await conn.fetchrow("SELECT user_id, status FROM orders WHERE id = $1 FOR UPDATE", order_id)
    pay = await conn.fetchrow(
        "SELECT status, amount_cents, currency FROM payments WHERE id = $1 FOR UPDATE", payment_id)
    if pay["status"] not in SETTLED_PAYMENT:
        await conn.execute(
            "UPDATE payments SET status = 'succeeded', last_error = NULL, updated_at = now() WHERE id = $1",
            payment_id)
    if await mark_paid(conn, order_id):
        return SucceededOutcome("paid", order_id, order["user_id"])
    if not needs_auto_refund(order["status"]):
        return SucceededOutcome("none", order_id, order["user_id"])
    refund_id = await conn.fetchval(
        """INSERT INTO auto_refunds (payment_id, order_id, user_id, amount_cents, currency, reason)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (payment_id) DO NOTHING RETURNING id""",
        payment_id, order_id, order["user_id"], pay["amount_cents"], pay["currency"],
        f"payment arrived after the order was {order['status']}",
    )
    if refund_id is None:  # this payment's refund is already recorded (replayed success)
        return SucceededOutcome("none", order_id, order["user_id"])
    log.warning("payment %s succeeded for %s order %s: auto-refund %s", payment_id, order["status"],
                order_id, refund_id)
    return SucceededOutcome("refund_due", order_id, order["user_id"], refund_id)


async def settle_auto_refund(pool: asyncpg.Pool, provider: PaymentProvider, refund_id: int, *,
                             notify: OrderNotifier | None = None) -> AutoRefund:
    """Refund a pending auto-refund through the provider (idempotent); notifies the shopper once.

    ``PaymentUnavailable`` leaves it pending (error and attempts recorded) and is re-raised.
    """
    row = await pool.fetchrow(
        f"""SELECT {_COLUMNS}, (SELECT provider_ref FROM payments p WHERE p.id = a.payment_id) AS ref
            FROM auto_refunds a WHERE id = $1""", refund_id)
    if row is None:
        raise NotFound(f"No auto-refund {refund_id}.", refund_id=refund_id)
    if row["status"] == "refunded":
        return _auto_refund(row)
    try:
        refund_ref = await provider.refund(row["ref"], row["amount_cents"], auto_refund_key(row["payment_id"]))
    except PaymentUnavailable as exc:
        await pool.execute(
            "UPDATE auto_refunds SET attempts = attempts + 1, last_error = $2 WHERE id = $1 AND status = 'pending'",
            refund_id, exc.message)
        raise
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", row["order_id"])
        moved = await conn.fetchrow(
            f"""UPDATE auto_refunds SET status = 'refunded', refund_ref = $2, refunded_at = now(),
                       attempts = attempts + 1, last_error = NULL, notified_at = now()
                WHERE id = $1 AND status = 'pending' RETURNING {_COLUMNS}""",
            refund_id, refund_ref)
        if moved is not None:
            await conn.execute("UPDATE payments SET status = 'refunded', updated_at = now() WHERE id = $1",
                               row["payment_id"])
        current = moved or await conn.fetchrow(f"SELECT {_COLUMNS} FROM auto_refunds WHERE id = $1", refund_id)
    if moved is not None and notify is not None:
        await notify(row["user_id"], row["order_id"], REFUND_NOTICE_STATUS)
    return _auto_refund(current)


async def settle_pending_refunds(pool: asyncpg.Pool, provider: PaymentProvider, *,
                                 notify: OrderNotifier | None = None, limit: int = 50) -> list[AutoRefund]:
    """Retry auto-refunds still pending (the provider was down); returns the ones settled now."""
    ids = [r["id"] for r in await pool.fetch(
        "SELECT id FROM auto_refunds WHERE status = 'pending' ORDER BY id LIMIT $1", limit)]
    return await retry_each(ids, lambda refund_id: settle_auto_refund(pool, provider, refund_id, notify=notify),
                            "auto-refund")


async def after_succeeded(pool: asyncpg.Pool, outcome: SucceededOutcome, provider: PaymentProvider | None,
                          notify: OrderNotifier | None) -> AutoRefund | None:
    """After commit: notify a paid order, or make a due refund (kept pending if that fails now)."""
    if outcome.kind == "paid" and notify is not None:
        await notify(outcome.user_id, outcome.order_id, OrderStatus.paid.value)
    if outcome.kind != "refund_due" or outcome.refund_id is None or provider is None:
        return None
    try:
        return await settle_auto_refund(pool, provider, outcome.refund_id, notify=notify)
    except PaymentUnavailable:
        log.warning("auto-refund %s pending: provider unavailable", outcome.refund_id)
        return None


async def confirm_payment(pool: asyncpg.Pool, provider: PaymentProvider, provider_ref: str, *,
                          notify: OrderNotifier | None = None) -> SucceededOutcome:
    """The provider confirms payment ``provider_ref`` (e.g. an offline order paid at pick-up).

    Pays the order, or refunds the money automatically when the order was cancelled meanwhile.
    Confirming twice changes nothing the second time.
    """
    async with pool.acquire() as conn, conn.transaction():
        payment_id = await conn.fetchval("SELECT id FROM payments WHERE provider_ref = $1", provider_ref)
        if payment_id is None:
            raise NotFound("No such payment.", provider_ref=provider_ref)
        outcome = await record_succeeded(conn, payment_id)
    await after_succeeded(pool, outcome, provider, notify)
    return outcome


async def auto_refunds_for(pool: asyncpg.Pool, order_id: int) -> list[AutoRefund]:
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM auto_refunds WHERE order_id = $1 ORDER BY id", order_id)
    return [_auto_refund(r) for r in rows]
