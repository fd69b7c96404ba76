"""Stripe PaymentIntents and refunds through the official SDK's async methods."""

from __future__ import annotations

from typing import Any

import stripe

from commerce.models import PaymentDeclined
from commerce.payments.base import PaymentResult, PaymentUnavailable


def _declined(exc: stripe.CardError) -> PaymentDeclined:
    message = exc.user_message or (exc.error.message if exc.error else None) or "Your card was declined."
    decline_code = getattr(exc.error, "decline_code", None) if exc.error else None
    return PaymentDeclined(message, code=exc.code, decline_code=decline_code)


class StripeProvider:
    """Creates one PaymentIntent per order (idempotency key = the order's checkout key).

    ``api_base`` points the SDK at another host (a local test server speaking Stripe's wire format).
    """

    name = "stripe"

    def __init__(self, secret_key: str, api_base: str | None = None, *, max_network_retries: int = 2,
                 timeout_s: float = 20.0) -> None:
        self._http = stripe.HTTPXClient(timeout=timeout_s)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else {},
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    async def create_payment(self, order_id: int, amount_cents: int, currency: str, idempotency_key: str,
                             metadata: dict[str, Any]) -> PaymentResult:
        params: dict[str, Any] = {
            "amount": amount_cents,
            "currency": currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "metadata": {**{k: str(v) for k, v in metadata.items()}, "order_id": str(order_id)},
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]  # a plain dict; the SDK declares a TypedDict of every optional field
                {"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            raise _declined(exc) from exc
        except stripe.StripeError as exc:
            raise PaymentUnavailable("The payment service is not available right now.",
                                     provider_error=type(exc).__name__) from exc
        return PaymentResult(provider_ref=intent.id, status=intent.status, client_secret=intent.client_secret)

    async def refund(self, provider_ref: str, amount_cents: int, idempotency_key: str) -> str:
        try:
            refund = await self._client.v1.refunds.create_async(
                {"payment_intent": provider_ref, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise PaymentUnavailable("The refund could not be made right now.",
                                     provider_error=type(exc).__name__) from exc
        return refund.id

    async def cancel_payment(self, provider_ref: str) -> None:
        """Cancel an unpaid PaymentIntent (best effort: an already final intent is left alone)."""
        try:
            await self._client.v1.payment_intents.cancel_async(provider_ref)
        except stripe.InvalidRequestError:
            return
        except stripe.StripeError as exc:
            raise PaymentUnavailable("The payment could not be cancelled right now.",
                                     provider_error=type(exc).__name__) from exc

    async def aclose(self) -> None:
        await self._http.close_async()
