"""Payment providers (offline | Stripe) behind one Protocol, and Stripe webhook handling."""

from __future__ import annotations

from typing import Any

from commerce.payments.base import (
    PaymentProvider,
    PaymentResult,
    PaymentUnavailable,
    WebhookError,
)
from commerce.payments.offline import OfflineProvider
from commerce.payments.stripe_provider import StripeProvider

__all__ = [
    "OfflineProvider",
    "PaymentProvider",
    "PaymentResult",
    "PaymentUnavailable",
    "StripeProvider",
    "WebhookError",
    "provider_from_settings",
]


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return raw or None


def provider_from_settings(settings_like: Any) -> PaymentProvider:
    """Stripe when ``stripe_secret_key`` is set (``stripe_api_base`` optional), else offline."""
    key = _secret(getattr(settings_like, "stripe_secret_key", None))
    if key:
        return StripeProvider(key, api_base=getattr(settings_like, "stripe_api_base", None))
    return OfflineProvider()
