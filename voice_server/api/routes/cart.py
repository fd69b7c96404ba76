"""The shopper's cart; totals always computed on the server."""

from __future__ import annotations

from commerce.cart import add_item, get_cart, remove_item, set_quantity
from commerce.models import Cart
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import CartItemBody, CartQuantityBody, ProductPath, RemoveItemQuery

router = ApiRouter(tags=("cart",))
CART_ERRORS = (401, 404, 409, 422, 429)


@router.get("/api/cart", summary="The open cart", response=Cart, errors=(401, 429))
async def cart_view(call: ApiCall) -> Cart:
    return await get_cart(call.pool, call.user_id)


@router.post("/api/cart/items", summary="Add to cart", body=CartItemBody, response=Cart, errors=CART_ERRORS)
async def cart_add(call: ApiCall) -> Cart:
    body: CartItemBody = call.body
    return await add_item(call.pool, call.user_id, body.product_id, body.size, body.quantity)


@router.patch("/api/cart/items", summary="Set a line's quantity", body=CartQuantityBody, response=Cart,
              errors=CART_ERRORS)
async def cart_set_quantity(call: ApiCall) -> Cart:
    """Quantity 0 removes the line."""
    body: CartQuantityBody = call.body
    return await set_quantity(call.pool, call.user_id, body.product_id, body.size, body.quantity)


@router.delete("/api/cart/items/{product_id}", summary="Remove from cart", path_params=ProductPath,
               query=RemoveItemQuery, response=Cart, errors=CART_ERRORS)
async def cart_remove(call: ApiCall) -> Cart:
    return await remove_item(call.pool, call.user_id, call.path.product_id, call.query.size)
