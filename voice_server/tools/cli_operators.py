"""``shepherd orders`` and ``shepherd returns``: the operator's side of the shop.

Shipping an order and receiving or rejecting a return are warehouse decisions, never a shopper's
(a shopper cannot refund themselves). Each command runs the same commerce functions a warehouse
system would call, against the configured Postgres and payment provider, and publishes the
notice over Valkey so the shopper's live voice session on any node hears it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import click

from commerce.models import Order, OrderStatus, ReturnRequest, ReturnStatus, ShopError
from commerce.orders import OrderNotifier
from commerce.payments import PaymentProvider

ShopAction = Callable[[Any, PaymentProvider, OrderNotifier], Awaitable[Any]]
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
LIMIT_OPTION = click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)


def _shop(ctx: click.Context, action: ShopAction) -> Any:
    """Run ``action(pool, payment provider, notifier)``; a shop error becomes a one-line CLI error."""
    from commerce.payments import provider_from_settings
    from voice_server.platform.backends import open_backends
    from voice_server.platform.notice_hub import NoticeHub
    from voice_server.platform.shop_services import hub_notifier

    settings = ctx.obj

    async def go() -> Any:
        backends = await open_backends(settings, load_catalog=False)
        try:
            return await action(backends.pool, provider_from_settings(settings),
                                hub_notifier(NoticeHub(backends.valkey)))
        finally:
            await backends.close()

    try:
        return asyncio.run(go())
    except ShopError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


def _echo(records: list[Any], as_json: bool, line: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in records], indent=2))
    else:
        for record in records:
            click.echo(line(record))


def order_line(order: Order) -> str:
    items = ", ".join(f"{x.quantity} x {x.name}" + (f" ({x.size})" if x.size else "") for x in order.lines)
    return f"order {order.id}  {order.status.value:<16} ${order.total_cents / 100:,.2f}  {items}"


def return_line(ret: ReturnRequest) -> str:
    what = f"product {ret.product_id}" if ret.product_id is not None else "whole order"
    refund = f", refund ${ret.refund_cents / 100:,.2f}" if ret.refund_cents is not None else ""
    return f"return {ret.id}  {ret.status.value:<9} order {ret.order_id}, {what}{refund}"


@click.group()
def orders() -> None:
    """Operators: list orders and mark them shipped (the shopper hears it if they are talking)."""


@orders.command("list")
@click.option("--status", type=click.Choice([s.value for s in OrderStatus]), default=None,
              help="Only orders in this status (paid: waiting to ship).")
@LIMIT_OPTION
@JSON_OPTION
@click.pass_context
def orders_list(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """Everyone's orders, newest first."""
    from commerce.orders import find_orders

    chosen = OrderStatus(status) if status else None
    _echo(_shop(ctx, lambda pool, _p, _n: find_orders(pool, status=chosen, limit=limit)), as_json, order_line)


@orders.command("fulfil")
@click.argument("order_id", type=int)
@JSON_OPTION
@click.pass_context
def orders_fulfil(ctx: click.Context, order_id: int, as_json: bool) -> None:
    """Mark paid order ORDER_ID as shipped ("Order N is on its way"). Safe to repeat."""
    from commerce.orders import fulfil_order

    order = _shop(ctx, lambda pool, _p, notify: fulfil_order(pool, order_id, notify=notify))
    _echo([order], as_json, order_line)


@click.group()
def returns() -> None:
    """Operators: receive returned goods (restock and refund) or reject a return."""


@returns.command("list")
@click.option("--status", type=click.Choice([s.value for s in ReturnStatus]), default=None,
              help="requested: on the way back; received: refund still due (the provider was down).")
@LIMIT_OPTION
@JSON_OPTION
@click.pass_context
def returns_list(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """Everyone's returns, newest first."""
    from commerce.order_returns import list_returns

    chosen = ReturnStatus(status) if status else None
    found = _shop(ctx, lambda pool, _p, _n: list_returns(pool, user_id=None, status=chosen, limit=limit))
    _echo(found, as_json, return_line)


@returns.command("receive")
@click.argument("return_id", type=int)
@JSON_OPTION
@click.pass_context
def returns_receive(ctx: click.Context, return_id: int, as_json: bool) -> None:
    """The goods of RETURN_ID arrived: restock them and refund the shopper (once, however often run)."""
    from commerce.order_returns import receive_return

    ret = _shop(ctx, lambda pool, provider, notify: receive_return(pool, provider, return_id, notify=notify))
    _echo([ret], as_json, return_line)


@returns.command("reject")
@click.argument("return_id", type=int)
@click.option("--note", default=None, help="Why (kept with the return for the shop's records).")
@JSON_OPTION
@click.pass_context
def returns_reject(ctx: click.Context, return_id: int, note: str | None, as_json: bool) -> None:
    """Refuse requested return RETURN_ID: nothing is restocked or refunded."""
    from commerce.order_returns import reject_return

    ret = _shop(ctx, lambda pool, _p, notify: reject_return(pool, return_id, note=note, notify=notify))
    _echo([ret], as_json, return_line)
