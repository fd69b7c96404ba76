"""Stripe webhooks: verify the signature, store each event once, apply it to its order once.

Events are de-duplicated by id in ``webhook_events`` (the insert and the order change share one
transaction). Outcomes only move forward: ``payment_intent.succeeded`` pays an unpaid order (or,
when the order was cancelled meanwhile, is refunded automatically after commit, once:
``commerce.payments.outcomes``),
``payment_intent.payment_failed`` is recorded only while the payment has not succeeded (a late
"failed" never un-pays), ``charge.refunded`` advances a paid order to refunded when the charge is
refunded in full (a partial refund marks the payment ``partially_refunded``; the return that made it
moves the order, ``commerce.order_returns``).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import stripe

from commerce.orders import OrderNotifier, mark_refunded
from commerce.payments.base import SETTLED_PAYMENT, PaymentProvider, WebhookError
from commerce.payments.outcomes import SucceededOutcome, after_succeeded, record_succeeded

TOLERANCE_S = 300
HANDLED = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"})


def verify_event(payload: bytes, signature_header: str, secret: str, *, tolerance: int = TOLERANCE_S) -> dict:
    """The event as a plain dict once the ``Stripe-Signature`` header checks out (else WebhookError)."""
    try:
        stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=tolerance)
    except stripe.SignatureVerificationError as exc:
        raise WebhookError("Invalid webhook signature.", reason=str(exc.user_message or exc)) from exc
    except ValueError as exc:
        raise WebhookError("Webhook body is not a JSON event.") from exc
    event = json.loads(payload)
    if not isinstance(event, dict) or "id" not in event or "type" not in event:
        raise WebhookError("Webhook body is not an event.")
    return event


def _intent_ref(event: dict) -> tuple[str | None, int | None]:
    """(PaymentIntent id, order id from metadata) named by an event."""
    obj = (event.get("data") or {}).get("object") or {}
    if event["type"].startswith("charge."):
        ref = obj.get("payment_intent")
    else:
        ref = obj.get("id")
    order_id = (obj.get("metadata") or {}).get("order_id")
    try:
        return ref, int(order_id) if order_id is not None else None
    except (TypeError, ValueError):
        return ref, None


async def _payment(conn: asyncpg.Connection, ref: str | None, order_id: int | None) -> Any:
    if ref is not None:
        row = await conn.fetchrow(
            "SELECT id, order_id, status, provider_ref FROM payments WHERE provider_ref = $1", ref)
        if row is not None:
            return row
    if order_id is not None:
        return await conn.fetchrow(
            """SELECT id, order_id, status, provider_ref FROM payments
               WHERE order_id = $1 AND provider = 'stripe' ORDER BY id LIMIT 1""", order_id)
    return None


Notice = tuple[int, int, str]


async def _apply(conn: asyncpg.Connection, event: dict) -> Notice | SucceededOutcome | None:
    """Apply one new event; returns (user id, order id, new order status) when the order changed,
    or the outcome of a succeeded payment (paid / refund due)."""
    ref, order_hint = _intent_ref(event)
    found = await _payment(conn, ref, order_hint)
    if found is None:
        return None
    # Lock order, then payment: the same order as checkout and cancel (no deadlocks).
    await conn.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", found["order_id"])
    pay = await conn.fetchrow(
        "SELECT id, order_id, status, provider_ref FROM payments WHERE id = $1 FOR UPDATE", found["id"])
    if pay["provider_ref"] is None and ref is not None:
        await conn.execute("UPDATE payments SET provider_ref = $2 WHERE id = $1", pay["id"], ref)
    kind = event["type"]
    changed = False
    new_status = ""
    if kind == "payment_intent.succeeded":
        return await record_succeeded(conn, pay["id"])
    if kind == "payment_intent.payment_failed":
        if pay["status"] not in SETTLED_PAYMENT:
            error = ((event["data"]["object"].get("last_payment_error") or {}).get("message")
                     or "The payment failed.")
            await conn.execute(
                "UPDATE payments SET status = 'failed', last_error = $2, updated_at = now() WHERE id = $1",
                pay["id"], error)
            changed, new_status = True, "payment_failed"
    elif kind == "charge.refunded":
        full = bool(event["data"]["object"].get("refunded", True))  # Stripe: true once refunded in full
        await conn.execute("UPDATE payments SET status = $2, updated_at = now() WHERE id = $1",
                           pay["id"], "refunded" if full else "partially_refunded")
        if full:
            changed, new_status = await mark_refunded(conn, pay["order_id"]), "refunded"
    if not changed:
        return None
    user_id = await conn.fetchval("SELECT user_id FROM orders WHERE id = $1", pay["order_id"])
    return user_id, pay["order_id"], new_status


async def process_event(pool: asyncpg.Pool, event: dict, *, notify: OrderNotifier | None = None,
                        provider: str = "stripe", payments: PaymentProvider | None = None) -> bool:
    """Store and apply a verified event; False for a duplicate (already seen: nothing happens).

    ``payments`` makes the refund a late success is owed right away; without it the refund is
    recorded pending (``outcomes.settle_pending_refunds`` makes it later).
    """
    async with pool.acquire() as conn, conn.transaction():
        inserted = await conn.fetchval(
            """INSERT INTO webhook_events (id, provider, type, payload) VALUES ($1, $2, $3, $4)
               ON CONFLICT (id) DO NOTHING RETURNING id""",
            str(event["id"]), provider, str(event["type"]), event,
        )
        if inserted is None:
            return False
        outcome = await _apply(conn, event) if event["type"] in HANDLED else None
        await conn.execute("UPDATE webhook_events SET processed_at = now() WHERE id = $1", inserted)
    if isinstance(outcome, SucceededOutcome):
        await after_succeeded(pool, outcome, payments, notify)
    elif outcome is not None and notify is not None:
        await notify(*outcome)
    return True
