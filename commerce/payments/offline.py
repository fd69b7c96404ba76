"""Offline payments: the order is recorded as awaiting payment (paid later, e.g. at pick-up)."""

from __future__ import annotations

from typing import Any

from commerce.payments.base import PaymentResult


class OfflineProvider:
    """Deterministic references derived from the idempotency key, so retries are naturally idempotent."""

    name = "offline"

    async def create_payment(self, order_id: int, amount_cents: int, currency: str, idempotency_key: str,
                             metadata: dict[str, Any]) -> PaymentResult:
        return PaymentResult(provider_ref=f"offline_{order_id}", status="offline", client_secret=None)

    async def refund(self, provider_ref: str, amount_cents: int, idempotency_key: str) -> str:
        return f"offline_refund_{idempotency_key}"

    async def aclose(self) -> None:
        """Nothing to release."""

    async def cancel_payment(self, provider_ref: str) -> None:
        return None
