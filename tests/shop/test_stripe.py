"""Stripe through the real SDK against tests/shop/fake_stripe.py, and signed webhooks."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from commerce.cart import add_item
from commerce.models import OrderStatus, PaymentDeclined
from commerce.order_returns import receive_return, request_return
from commerce.orders import place_order
from commerce.payments import WebhookError, provider_from_settings
from commerce.payments.webhooks import process_event, verify_event
from tests.shop.conftest import multi_size_product, set_stock
from tests.shop.fake_stripe import API_KEY, WEBHOOK_SECRET, event_body, sign


async def _order_with_item(pool: Any, provider: Any, user: int, offset: int, key: str, stock: int = 5) -> Any:
    product = await multi_size_product(pool, offset=offset)
    await set_stock(pool, product["variant_id"], stock)
    await add_item(pool, user, product["id"], product["size_label"], 1)
    return product, await place_order(pool, provider, user, key)


def _signed(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict:
    body = event_body(event_type, obj, event_id)
    return verify_event(body, sign(body, WEBHOOK_SECRET), WEBHOOK_SECRET)


def test_provider_from_settings() -> None:
    class Conf:
        stripe_secret_key = None
        stripe_api_base = None

    assert provider_from_settings(Conf()).name == "offline"
    Conf.stripe_secret_key = API_KEY  # type: ignore[assignment]
    assert provider_from_settings(Conf()).name == "stripe"


async def test_payment_intent_and_concurrent_retry_is_one_charge(
    pool: Any, new_user: Any, stripe_env: Any
) -> None:
    fake, provider = stripe_env
    user = await new_user()
    product = await multi_size_product(pool, offset=500)
    await add_item(pool, user, product["id"], product["size_label"], 1)
    orders = await asyncio.gather(*(place_order(pool, provider, user, "pay-once") for _ in range(8)))
    assert len({o.id for o in orders}) == 1
    order = orders[0]
    assert order.status == OrderStatus.awaiting_payment and order.payment_provider == "stripe"
    assert len(fake.intents) == 1
    intent = next(iter(fake.intents.values()))
    assert order.client_secret == intent["client_secret"]
    assert intent["amount"] == order.total_cents and intent["metadata"]["order_id"] == str(order.id)
    assert all(key == f"shepherd-order-{user}-pay-once" for _, _, key in fake.requests)
    again = await place_order(pool, provider, user, "pay-once")
    assert again.id == order.id and again.client_secret == order.client_secret and len(fake.intents) == 1


async def test_declined_card_cancels_and_releases(pool: Any, new_user: Any, stripe_env: Any) -> None:
    fake, provider = stripe_env
    user = await new_user()
    product = await multi_size_product(pool, offset=520)
    await set_stock(pool, product["variant_id"], 3)
    cart = await add_item(pool, user, product["id"], product["size_label"], 1)
    fake.declined_amounts.add(cart.total_cents)
    with pytest.raises(PaymentDeclined) as exc:
        await place_order(pool, provider, user, "declined")
    assert "declined" in exc.value.message
    status = await pool.fetchval("SELECT status FROM orders WHERE user_id = $1", user)
    assert status == "cancelled"
    variant = product["variant_id"]
    reserved = await pool.fetchval("SELECT reserved FROM product_variants WHERE id = $1", variant)
    assert reserved == 0
    with pytest.raises(PaymentDeclined):  # a retry with the same key replays the outcome
        await place_order(pool, provider, user, "declined")
    assert len(fake.intents) == 0


def test_webhook_signatures() -> None:
    body = event_body("payment_intent.succeeded", {"id": "pi_x"})
    event = verify_event(body, sign(body, WEBHOOK_SECRET), WEBHOOK_SECRET)
    assert event["type"] == "payment_intent.succeeded"
    with pytest.raises(WebhookError):
        verify_event(body, sign(body, "whsec_someone_else"), WEBHOOK_SECRET)
    with pytest.raises(WebhookError):
        verify_event(body.replace(b"pi_x", b"pi_y"), sign(body, WEBHOOK_SECRET), WEBHOOK_SECRET)
    with pytest.raises(WebhookError):
        verify_event(body, sign(body, WEBHOOK_SECRET, int(time.time()) - 301), WEBHOOK_SECRET)
    with pytest.raises(WebhookError):
        verify_event(body, "", WEBHOOK_SECRET)


async def test_webhooks_apply_once_and_in_any_order(pool: Any, new_user: Any, stripe_env: Any) -> None:
    fake, provider = stripe_env
    user = await new_user()
    product, order = await _order_with_item(pool, provider, user, 540, "hook", stock=4)
    pi = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
    notes: list[tuple[int, int, str]] = []

    async def notify(user_id: int, order_id: int, status: str) -> None:
        notes.append((user_id, order_id, status))

    succeeded = _signed("payment_intent.succeeded", {**pi, "status": "succeeded"})
    failed = _signed("payment_intent.payment_failed",
                     {**pi, "last_payment_error": {"message": "Your card was declined."}})
    assert await process_event(pool, succeeded, notify=notify) is True
    assert await process_event(pool, succeeded, notify=notify) is False  # duplicate delivery
    assert await process_event(pool, failed, notify=notify) is True  # late failure must not un-pay
    row = await pool.fetchrow(
        "SELECT stock, reserved FROM product_variants WHERE id = $1", product["variant_id"])
    assert dict(row) == {"stock": 3, "reserved": 0}  # sold exactly once
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "paid"
    assert await pool.fetchval("SELECT status FROM payments WHERE order_id = $1", order.id) == "succeeded"
    assert notes == [(user, order.id, "paid")]


async def test_failed_then_succeeded_pays(pool: Any, new_user: Any, stripe_env: Any) -> None:
    fake, provider = stripe_env
    user = await new_user()
    _, order = await _order_with_item(pool, provider, user, 560, "late")
    pi = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
    assert await process_event(pool, _signed("payment_intent.payment_failed", pi))
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "awaiting_payment"
    assert await process_event(pool, _signed("payment_intent.succeeded", {**pi, "status": "succeeded"}))
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "paid"


async def test_return_and_refund_through_stripe(pool: Any, new_user: Any, stripe_env: Any) -> None:
    fake, provider = stripe_env
    user = await new_user()
    product, order = await _order_with_item(pool, provider, user, 580, "ret", stock=2)
    pi = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
    await process_event(pool, _signed("payment_intent.succeeded", {**pi, "status": "succeeded"}))
    ret = await request_return(pool, user, None, product["id"], "too tight", "small")
    assert ret.order_id == order.id and ret.status == "requested" and ret.fit_feedback == "small"
    assert (await request_return(pool, user, order.id, product["id"], "too tight", None)).id == ret.id
    fit = await pool.fetchrow("SELECT size_label, fit, source FROM fit_feedback WHERE user_id = $1", user)
    assert dict(fit) == {"size_label": product["size_label"], "fit": "small", "source": "return"}
    refunded, again = await asyncio.gather(*(receive_return(pool, provider, ret.id) for _ in range(2)))
    assert refunded.status == again.status == "refunded" and len(fake.refunds) == 1
    assert refunded.refund_cents == order.lines[0].unit_price_cents
    refund = next(iter(fake.refunds.values()))
    assert refund["payment_intent"] == pi["id"] and refund["amount"] == order.lines[0].unit_price_cents
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "refunded"
    assert await pool.fetchval("SELECT stock FROM product_variants WHERE id = $1", product["variant_id"]) == 2
    charge = {"id": "ch_1", "object": "charge", "payment_intent": pi["id"], "refunded": True}
    assert await process_event(pool, _signed("charge.refunded", charge))  # already refunded: no change
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "refunded"
    assert json.loads(await pool.fetchval(
        "SELECT payload::text FROM webhook_events WHERE type = 'charge.refunded' "
        "ORDER BY received_at DESC LIMIT 1"
    ))["data"]["object"]["id"] == "ch_1"
