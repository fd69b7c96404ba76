"""Stripe webhooks: public, authenticated by the Stripe signature instead of a token."""

from __future__ import annotations

from aiohttp import web

from commerce.payments.webhooks import process_event, verify_event
from voice_server.api.errors import api_error
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import WebhookAck
from voice_server.platform.shop_services import order_notifier, payments

router = ApiRouter(tags=("webhooks",))


@router.post("/api/webhooks/stripe", summary="Stripe events", public=True, raw_body=True,
             response=WebhookAck, errors=(400, 503))
async def stripe_webhook(call: ApiCall) -> WebhookAck | web.Response:
    """Verified with `Stripe-Signature` (400 when forged, stale or missing); an event already seen
    is acknowledged with `duplicate: true` and changes nothing."""
    secret = call.state.settings.stripe_webhook_secret
    if secret is None:
        return api_error("webhooks_not_configured", "Stripe webhooks are not configured", 503)
    payload = await call.request.read()
    event = verify_event(payload, call.request.headers.get("Stripe-Signature", ""), secret.get_secret_value())
    fresh = await process_event(call.pool, event, notify=order_notifier(call.state),
                                payments=payments(call.state))
    return WebhookAck(duplicate=not fresh)
