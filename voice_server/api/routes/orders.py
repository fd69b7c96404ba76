"""Checkout, orders, returns and refunds (payment provider: one per app)."""

from __future__ import annotations

from commerce.models import Order, ReturnRequest
from commerce.orders import cancel_order, get_order, list_orders, place_order, refund_return, request_return
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import CheckoutHeaders, OrderPath, ReturnBody, ReturnPath
from voice_server.api.services import order_notifier, payments

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


@router.post("/api/returns/{return_id}/refund", summary="Refund a return", path_params=ReturnPath,
             response=ReturnRequest, errors=(402, 404, 409, 503))
async def return_refund(call: ApiCall) -> ReturnRequest:
    return await refund_return(call.pool, payments(call.state), call.user_id, call.path.return_id,
                               notify=order_notifier(call.state))
