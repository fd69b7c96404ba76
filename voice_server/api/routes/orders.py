"""Checkout, orders and returns (payment provider: one per app).

Refunds are not a shopper's call: the warehouse receives a return (``shepherd returns receive``)
and that refunds it (commerce.order_returns).
"""

from __future__ import annotations

from commerce.models import Order, ReturnRequest
from commerce.order_returns import get_return, list_returns, request_return
from commerce.orders import cancel_order, get_order, list_orders, place_order
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import CheckoutHeaders, OrderPath, ReturnBody, ReturnPath
from voice_server.platform.shop_services import payments

router = ApiRouter(tags=("orders",))


@router.post("/api/checkout", summary="Place the order", headers=CheckoutHeaders, response=Order, status=201,
             errors=(400, 402, 404, 409, 503))
async def checkout(call: ApiCall) -> Order:
    """Turns the open cart into an order and starts payment; retrying with the same Idempotency-Key
    returns the same order and never charges twice."""
    headers: CheckoutHeaders = call.headers
    return await place_order(call.pool, payments(call.state), call.user_id, headers.idempotency_key)


@router.get("/api/orders", summary="My orders", response=list[Order])
async def orders_list(call: ApiCall) -> list[Order]:
    """Newest first."""
    return await list_orders(call.pool, call.user_id)


@router.get("/api/orders/{order_id}", summary="One of my orders", path_params=OrderPath, response=Order,
            errors=(404,))
async def order_details(call: ApiCall) -> Order:
    return await get_order(call.pool, call.user_id, call.path.order_id)


@router.post("/api/orders/{order_id}/cancel", summary="Cancel an unpaid order", path_params=OrderPath,
             response=Order, errors=(404, 409, 503))
async def order_cancel(call: ApiCall) -> Order:
    return await cancel_order(call.pool, payments(call.state), call.user_id, call.path.order_id)


@router.post("/api/returns", summary="Request a return", body=ReturnBody, response=ReturnRequest,
             status=201, errors=(404, 409))
async def return_request(call: ApiCall) -> ReturnRequest:
    """One product or a whole order (default: the latest paid order); fit feedback improves size advice."""
    body: ReturnBody = call.body
    return await request_return(call.pool, call.user_id, body.order_id, body.product_id, body.reason,
                                body.fit_feedback)


@router.get("/api/returns", summary="My returns", response=list[ReturnRequest])
async def returns_list(call: ApiCall) -> list[ReturnRequest]:
    """Newest first, with where each stands (requested, received, refunded, rejected)."""
    return await list_returns(call.pool, user_id=call.user_id)


@router.get("/api/returns/{return_id}", summary="One of my returns", path_params=ReturnPath,
            response=ReturnRequest, errors=(404,))
async def return_details(call: ApiCall) -> ReturnRequest:
    """Refunded once the warehouse has received the goods; ``refund_cents`` says how much."""
    return await get_return(call.pool, call.user_id, call.path.return_id)
