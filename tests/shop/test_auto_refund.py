"""A payment that succeeds after its order was cancelled is refunded automatically, exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from commerce.cart import add_item
from commerce.models import NotFound, OrderStatus
from commerce.orders import cancel_order, place_order
from commerce.payments import OfflineProvider
from commerce.payments.base import PaymentUnavailable
from commerce.payments.outcomes import (
    auto_refund_key,
    auto_refunds_for,
    confirm_payment,
    needs_auto_refund,
    settle_pending_refunds,
)
from commerce.payments.webhooks import process_event, verify_event
from tests.shop.conftest import multi_size_product, set_stock
from tests.shop.fake_stripe import WEBHOOK_SECRET, event_body, sign
from voice_server.platform.app_state import AppState, Services
from voice_server.platform.maintenance import retry_pending_refunds

Notes = list[tuple[int, int, str]]


class CountingOffline(OfflineProvider):
    """The offline provider, counting refunds; ``down`` makes refunds fail like an outage."""

    def __init__(self) -> None:
        self.refunds: list[tuple[str, int, str]] = []
        self.down = False

    async def refund(self, provider_ref: str, amount_cents: int, idempotency_key: str) -> str:
        if self.down:
            raise PaymentUnavailable("The refund could not be made right now.")
        self.refunds.append((provider_ref, amount_cents, idempotency_key))
        return await super().refund(provider_ref, amount_cents, idempotency_key)


def recorder() -> tuple[Notes, Any]:
    notes: Notes = []

    async def notify(user_id: int, order_id: int, status: str) -> None:
        notes.append((user_id, order_id, status))

    return notes, notify


async def _cancelled_order(pool: Any, provider: Any, user: int, offset: int, key: str) -> tuple[Any, Any]:
    product = await multi_size_product(pool, offset=offset)
    await set_stock(pool, product["variant_id"], 4)
    await add_item(pool, user, product["id"], product["size_label"], 1)
    order = await place_order(pool, provider, user, key)
    cancelled = await cancel_order(pool, provider, user, order.id)
    assert cancelled.status == OrderStatus.cancelled
    return product, order


def test_which_states_refund() -> None:
    assert needs_auto_refund("cancelled") and needs_auto_refund("expired")
    assert not any(needs_auto_refund(s) for s in ("created", "awaiting_payment", "paid", "refunded"))


async def test_offline_confirmation_after_cancel_is_refunded_once(pool: Any, new_user: Any) -> None:
    provider = CountingOffline()
    user = await new_user()
    product, order = await _cancelled_order(pool, provider, user, 600, "late-offline")
    payment = await pool.fetchrow("SELECT id, provider_ref FROM payments WHERE order_id = $1", order.id)
    notes, notify = recorder()

    outcome = await confirm_payment(pool, provider, payment["provider_ref"], notify=notify)
    assert outcome.kind == "refund_due" and outcome.order_id == order.id
    again = await confirm_payment(pool, provider, payment["provider_ref"], notify=notify)
    assert again.kind == "none"

    assert provider.refunds == [(payment["provider_ref"], order.total_cents, auto_refund_key(payment["id"]))]
    [refund] = await auto_refunds_for(pool, order.id)
    assert refund.status == "refunded" and refund.amount_cents == order.total_cents
    assert refund.refund_ref == f"offline_refund_{auto_refund_key(payment['id'])}"
    assert notes == [(user, order.id, "refunded")]
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "cancelled"
    assert await pool.fetchval("SELECT status FROM payments WHERE id = $1", payment["id"]) == "refunded"
    stock = await pool.fetchrow("SELECT stock, reserved FROM product_variants WHERE id = $1",
                                product["variant_id"])
    assert dict(stock) == {"stock": 4, "reserved": 0}  # nothing sold for a cancelled order


async def test_offline_confirmation_of_live_order_pays_it(pool: Any, new_user: Any) -> None:
    provider = CountingOffline()
    user = await new_user()
    product = await multi_size_product(pool, offset=610)
    await set_stock(pool, product["variant_id"], 3)
    await add_item(pool, user, product["id"], product["size_label"], 1)
    order = await place_order(pool, provider, user, "paid-at-pickup")
    notes, notify = recorder()
    ref = await pool.fetchval("SELECT provider_ref FROM payments WHERE order_id = $1", order.id)
    assert (await confirm_payment(pool, provider, ref, notify=notify)).kind == "paid"
    assert provider.refunds == [] and await auto_refunds_for(pool, order.id) == []
    assert notes == [(user, order.id, "paid")]
    assert await pool.fetchval("SELECT stock FROM product_variants WHERE id = $1", product["variant_id"]) == 2
    with pytest.raises(NotFound):
        await confirm_payment(pool, provider, "offline_does_not_exist")


async def test_refund_waits_out_a_provider_outage(pool: Any, new_user: Any) -> None:
    provider = CountingOffline()
    user = await new_user()
    _, order = await _cancelled_order(pool, provider, user, 620, "outage")
    ref = await pool.fetchval("SELECT provider_ref FROM payments WHERE order_id = $1", order.id)
    notes, notify = recorder()
    provider.down = True
    assert (await confirm_payment(pool, provider, ref, notify=notify)).kind == "refund_due"
    [pending] = await auto_refunds_for(pool, order.id)
    assert pending.status == "pending" and pending.attempts == 1 and pending.last_error and notes == []
    provider.down = False
    settled = await settle_pending_refunds(pool, provider, notify=notify)
    assert [r.status for r in settled if r.order_id == order.id] == ["refunded"]
    again = await settle_pending_refunds(pool, provider, notify=notify)
    assert all(r.order_id != order.id for r in again)
    assert [r for r in provider.refunds if r[0] == ref] == [(ref, order.total_cents, auto_refund_key(
        await pool.fetchval("SELECT id FROM payments WHERE order_id = $1", order.id)))]
    assert [n for n in notes if n[1] == order.id] == [(user, order.id, "refunded")]


def _succeeded(intent: dict[str, Any]) -> dict:
    body = event_body("payment_intent.succeeded", {**intent, "status": "succeeded"})
    return verify_event(body, sign(body, WEBHOOK_SECRET), WEBHOOK_SECRET)


async def test_stripe_success_after_cancel_is_refunded_once(pool: Any, new_user: Any, stripe_env: Any) -> None:
    fake, provider = stripe_env
    user = await new_user()
    product = await multi_size_product(pool, offset=640)
    await set_stock(pool, product["variant_id"], 4)
    await add_item(pool, user, product["id"], product["size_label"], 1)
    order = await place_order(pool, provider, user, "race")
    intent = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
    intent["status"] = "succeeded"  # the shopper paid; the webhook is still on its way ...
    await cancel_order(pool, provider, user, order.id)  # ... when the order is cancelled (cancel refused)
    notes, notify = recorder()

    first, second = _succeeded(intent), _succeeded(intent)  # two deliveries with distinct event ids
    results = await asyncio.gather(
        process_event(pool, first, notify=notify, payments=provider),
        process_event(pool, second, notify=notify, payments=provider),
    )
    assert results == [True, True]
    assert await process_event(pool, first, notify=notify, payments=provider) is False  # replay

    refunds = [r for r in fake.refunds.values() if r["payment_intent"] == intent["id"]]
    assert len(refunds) == 1 and refunds[0]["amount"] == order.total_cents
    payment_id = await pool.fetchval("SELECT id FROM payments WHERE order_id = $1", order.id)
    assert ("POST", "/v1/refunds", auto_refund_key(payment_id)) in fake.requests
    [refund] = await auto_refunds_for(pool, order.id)
    assert refund.status == "refunded" and refund.refund_ref == refunds[0]["id"]
    assert notes == [(user, order.id, "refunded")]
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "cancelled"
    assert await pool.fetchval("SELECT reserved FROM product_variants WHERE id = $1",
                               product["variant_id"]) == 0


async def test_stripe_webhook_without_provider_leaves_refund_pending(
    pool: Any, new_user: Any, stripe_env: Any
) -> None:
    fake, provider = stripe_env
    user = await new_user()
    _, order = await _cancelled_order(pool, provider, user, 660, "later")
    intent = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
    assert await process_event(pool, _succeeded(intent))
    [pending] = await auto_refunds_for(pool, order.id)
    assert pending.status == "pending" and not [r for r in fake.refunds.values()
                                                if r["payment_intent"] == intent["id"]]
    await settle_pending_refunds(pool, provider)
    [done] = await auto_refunds_for(pool, order.id)
    assert done.status == "refunded"
    assert len([r for r in fake.refunds.values() if r["payment_intent"] == intent["id"]]) == 1


async def test_the_node_maintenance_pass_settles_a_pending_refund(pool: Any, new_user: Any, backends: Any,
                                                                  settings: Any) -> None:
    """What each node's background loop does every `refund_retry_interval_s`."""
    provider = CountingOffline()
    user = await new_user()
    _, order = await _cancelled_order(pool, provider, user, 630, "node-pass")
    ref = await pool.fetchval("SELECT provider_ref FROM payments WHERE order_id = $1", order.id)
    provider.down = True
    assert (await confirm_payment(pool, provider, ref)).kind == "refund_due"
    state = AppState(settings=settings, node_id="test", backends=backends, services=Services(payments=provider))
    provider.down = False
    assert await retry_pending_refunds(state) >= 1
    [refund] = await auto_refunds_for(pool, order.id)
    assert refund.status == "refunded" and [r[0] for r in provider.refunds] == [ref]
    assert await retry_pending_refunds(state) == 0  # made once
