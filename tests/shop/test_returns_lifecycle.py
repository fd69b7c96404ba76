"""After the sale: shipping, returns received or rejected, partial and whole refunds, retries.

Real Postgres; Stripe through the real SDK against tests/shop/fake_stripe.py (which, like Stripe,
refuses to refund more than was charged).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from commerce.cart import add_item
from commerce.models import Conflict, NotFound, OrderStatus, ReturnStatus
from commerce.order_returns import (
    get_return,
    order_status_after_returns,
    receive_return,
    reject_return,
    request_return,
    settle_received_returns,
)
from commerce.orders import fulfil_order, mark_paid, place_order, transition_path
from commerce.payments import OfflineProvider, PaymentUnavailable
from commerce.payments.webhooks import process_event
from tests.shop.conftest import multi_size_product, set_stock
from tests.shop.test_stripe import _signed

S = OrderStatus


class Notes(list[tuple[int, int, str]]):
    async def __call__(self, user_id: int, order_id: int, status: str) -> None:
        self.append((user_id, order_id, status))


def test_order_follows_its_returns() -> None:
    items = [1, 2]
    assert order_status_after_returns(True, [], items) == S.fulfilled
    assert order_status_after_returns(False, [("rejected", 1)], items) == S.paid
    assert order_status_after_returns(True, [("refunded", 1), ("requested", 2)], items) == S.return_requested
    assert order_status_after_returns(True, [("refunded", 1), ("received", None)], items) == S.return_requested
    assert order_status_after_returns(True, [("refunded", 1), ("rejected", 2)], items) == S.returned
    assert order_status_after_returns(True, [("refunded", 1), ("refunded", 2)], items) == S.refunded
    assert order_status_after_returns(True, [("refunded", 1), ("refunded", None)], items) == S.refunded


def test_transition_paths() -> None:
    assert transition_path("paid", "paid") == []
    assert transition_path("paid", "refunded") == [S.return_requested, S.returned, S.refunded]
    assert transition_path("returned", "return_requested") == [S.return_requested]
    for stuck in [("refunded", "return_requested"), ("cancelled", "paid"), ("awaiting_payment", "fulfilled")]:
        with pytest.raises(Conflict):
            transition_path(*stuck)


async def _paid_order(pool: Any, provider: Any, user: int, offsets: tuple[int, ...], key: str,
                      fake: Any = None) -> tuple[list[Any], Any]:
    """A paid order of one unit of each product at ``offsets`` (paid by webhook when ``fake``)."""
    products = []
    for offset in offsets:
        product = await multi_size_product(pool, offset=offset)
        await set_stock(pool, product["variant_id"], 5)
        await add_item(pool, user, product["id"], product["size_label"], 1)
        products.append(product)
    order = await place_order(pool, provider, user, key)
    if fake is not None:
        pi = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
        assert await process_event(pool, _signed("payment_intent.succeeded", {**pi, "status": "succeeded"}))
    else:
        async with pool.acquire() as conn, conn.transaction():
            assert await mark_paid(conn, order.id)
    return products, order


async def _stock(pool: Any, product: Any) -> int:
    return await pool.fetchval("SELECT stock FROM product_variants WHERE id = $1", product["variant_id"])


async def _order_status(pool: Any, order_id: int) -> str:
    return await pool.fetchval("SELECT status FROM orders WHERE id = $1", order_id)


async def _payment_status(pool: Any, order_id: int) -> str:
    return await pool.fetchval("SELECT status FROM payments WHERE order_id = $1", order_id)


async def test_ship_return_one_item_then_the_rest(pool: Any, new_user: Any, stripe_env: Any) -> None:
    fake, provider = stripe_env
    user, notes = await new_user(), Notes()
    (a, b), order = await _paid_order(pool, provider, user, (700, 710), "ship-ret", fake)
    shipped = await fulfil_order(pool, order.id, notify=notes)
    assert shipped.status == S.fulfilled
    assert (await fulfil_order(pool, order.id, notify=notes)).status == S.fulfilled  # repeat: no change
    assert notes == [(user, order.id, "fulfilled")]

    first = await request_return(pool, user, order.id, a["id"], "too small", "small")
    assert first.product_id == a["id"] and first.status == ReturnStatus.requested and first.refund_cents is None
    assert (await get_return(pool, user, first.id)) == first
    assert await _order_status(pool, order.id) == "return_requested"
    stock_a = await _stock(pool, a)
    got = await receive_return(pool, provider, first.id, notify=notes)
    price_a = next(x.unit_price_cents for x in order.lines if x.product_id == a["id"])
    assert got.status == ReturnStatus.refunded and got.refund_cents == price_a
    assert await _stock(pool, a) == stock_a + 1
    assert await _order_status(pool, order.id) == "returned"
    assert await _payment_status(pool, order.id) == "partially_refunded"
    with pytest.raises(Conflict):  # that item is back already
        await request_return(pool, user, order.id, a["id"], "again", None)

    rest = await request_return(pool, user, order.id, None, "changed my mind", None)
    stock_b = await _stock(pool, b)
    done = await receive_return(pool, provider, rest.id, notify=notes)
    assert done.refund_cents == order.total_cents - price_a  # the rest, shipping included
    assert await _stock(pool, a) == stock_a + 1 and await _stock(pool, b) == stock_b + 1
    assert sum(r["amount"] for r in fake.refunds.values()) == order.total_cents
    assert await _order_status(pool, order.id) == "refunded"
    assert await _payment_status(pool, order.id) == "refunded"
    assert notes[1:] == [(user, order.id, "refunded")] * 2
    with pytest.raises(Conflict):
        await request_return(pool, user, order.id, None, "once more", None)


async def test_concurrent_receipts_refund_once(pool: Any, new_user: Any, stripe_env: Any) -> None:
    fake, provider = stripe_env
    user, notes = await new_user(), Notes()
    (a,), order = await _paid_order(pool, provider, user, (720,), "race-ret", fake)
    ret = await request_return(pool, user, None, a["id"], None, "large")
    stock = await _stock(pool, a)
    results = await asyncio.gather(*(receive_return(pool, provider, ret.id, notify=notes) for _ in range(6)))
    assert {r.status for r in results} == {ReturnStatus.refunded}
    assert len(fake.refunds) == 1 and await _stock(pool, a) == stock + 1
    assert notes == [(user, order.id, "refunded")]
    assert await _order_status(pool, order.id) == "refunded"


async def test_rejected_return_puts_the_order_back(pool: Any, new_user: Any, offline: OfflineProvider) -> None:
    user, notes = await new_user(), Notes()
    (a,), order = await _paid_order(pool, offline, user, (730,), "reject-ret")
    await fulfil_order(pool, order.id)
    ret = await request_return(pool, user, order.id, None, "worn once", None)
    stock = await _stock(pool, a)
    rejected = await reject_return(pool, ret.id, note="worn", notify=notes)
    assert rejected.status == ReturnStatus.rejected
    assert (await reject_return(pool, ret.id, notify=notes)).status == ReturnStatus.rejected  # repeat
    assert notes == [(user, order.id, "return_rejected")]
    assert await _order_status(pool, order.id) == "fulfilled"
    assert await _stock(pool, a) == stock
    with pytest.raises(Conflict):
        await receive_return(pool, offline, ret.id)
    again = await request_return(pool, user, order.id, a["id"], "really too big", "large")
    assert again.id != ret.id
    received = await receive_return(pool, offline, again.id)
    with pytest.raises(Conflict):
        await reject_return(pool, received.id)


async def test_refund_retried_after_provider_outage(pool: Any, new_user: Any, offline: OfflineProvider) -> None:
    class Down(OfflineProvider):
        async def refund(self, provider_ref: str, amount_cents: int, idempotency_key: str) -> str:
            raise PaymentUnavailable("The refund could not be made right now.")

    user = await new_user()
    (a,), order = await _paid_order(pool, offline, user, (740,), "down-ret")
    ret = await request_return(pool, user, None, a["id"], None, None)
    stock = await _stock(pool, a)
    with pytest.raises(PaymentUnavailable):
        await receive_return(pool, Down(), ret.id)
    with pytest.raises(PaymentUnavailable):  # the operator retries while it is still down
        await receive_return(pool, Down(), ret.id)
    held = await get_return(pool, user, ret.id)
    assert held.status == ReturnStatus.received and held.refund_cents == order.lines[0].unit_price_cents
    assert await _stock(pool, a) == stock + 1  # restocked once, on receipt
    assert ret.id not in await settle_received_returns(pool, Down())
    assert ret.id in await settle_received_returns(pool, offline)
    assert ret.id not in await settle_received_returns(pool, offline)
    assert (await get_return(pool, user, ret.id)).status == ReturnStatus.refunded
    assert await _stock(pool, a) == stock + 1


async def test_fulfil_needs_a_paid_order(pool: Any, new_user: Any, offline: OfflineProvider) -> None:
    user = await new_user()
    product = await multi_size_product(pool, offset=750)
    await set_stock(pool, product["variant_id"], 5)
    await add_item(pool, user, product["id"], product["size_label"], 1)
    unpaid = await place_order(pool, offline, user, "unpaid-ship")
    with pytest.raises(Conflict):
        await fulfil_order(pool, unpaid.id)
    with pytest.raises(NotFound):
        await fulfil_order(pool, 2**62)
    with pytest.raises(NotFound):
        await receive_return(pool, offline, 2**62)
    with pytest.raises(NotFound):  # another shopper's return is not found
        await get_return(pool, await new_user(), (await pool.fetchval("SELECT max(id) FROM returns")) or 1)


async def test_partial_refund_webhook_does_not_refund_the_order(pool: Any, new_user: Any,
                                                                stripe_env: Any) -> None:
    fake, provider = stripe_env
    user = await new_user()
    _, order = await _paid_order(pool, provider, user, (760, 770), "partial-hook", fake)
    pi = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
    charge = {"id": "ch_partial", "object": "charge", "payment_intent": pi["id"], "refunded": False,
              "amount_refunded": 100}
    assert await process_event(pool, _signed("charge.refunded", charge))
    assert await _order_status(pool, order.id) == "paid"
    assert await _payment_status(pool, order.id) == "partially_refunded"
    assert await process_event(pool, _signed("charge.refunded", {**charge, "refunded": True}))
    assert await _order_status(pool, order.id) == "refunded"


async def test_return_received_after_a_full_refund_elsewhere_refunds_nothing(pool: Any, new_user: Any,
                                                                             stripe_env: Any) -> None:
    fake, provider = stripe_env
    user = await new_user()
    (a,), order = await _paid_order(pool, provider, user, (780,), "dash-refund", fake)
    ret = await request_return(pool, user, order.id, a["id"], "late", None)
    pi = next(i for i in fake.intents.values() if i["metadata"]["order_id"] == str(order.id))
    charge = {"id": "ch_dash", "object": "charge", "payment_intent": pi["id"], "refunded": True}
    assert await process_event(pool, _signed("charge.refunded", charge))  # refunded in the Stripe dashboard
    assert await _order_status(pool, order.id) == "refunded"
    done = await receive_return(pool, provider, ret.id)
    assert done.status == ReturnStatus.refunded and done.refund_cents == 0
    assert not [r for r in fake.refunds.values() if r["payment_intent"] == pi["id"]]
    assert await _order_status(pool, order.id) == "refunded"
