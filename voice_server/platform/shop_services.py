"""Per-app shared services the routes use: the payment provider and the order notifier."""

from __future__ import annotations

from commerce.orders import OrderNotifier
from commerce.payments import PaymentProvider, provider_from_settings
from voice_server.platform.app_state import AppState
from voice_server.platform.notice_hub import NoticeHub

ORDER_NOTICE = "order_status"


def payments(state: AppState) -> PaymentProvider:
    """One payment provider per app (``services.payments``), created on first use."""
    if state.services.payments is None:
        state.services.payments = provider_from_settings(state.settings)
    return state.services.payments


def hub_notifier(hub: NoticeHub) -> OrderNotifier:
    """Publishes ``{"type": "order_status", order_id, status}`` to the shopper's live sessions, on any node."""

    async def notify(user_id: int, order_id: int, status: str) -> None:
        await hub.publish(user_id, {"type": ORDER_NOTICE, "order_id": order_id, "status": status})

    return notify


def order_notifier(state: AppState) -> OrderNotifier | None:
    """The app's notifier (None until its notice hub runs)."""
    hub = state.services.notices
    return None if hub is None else hub_notifier(hub)
