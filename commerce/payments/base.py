"""The payment provider contract shared by the offline and Stripe providers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from commerce.models import ShopError

log = logging.getLogger(__name__)
T = TypeVar("T")

SETTLED_PAYMENT = frozenset({"succeeded", "partially_refunded", "refunded"})
"""Payment statuses after the money moved: a late failure or a cancel never overwrites them."""


@dataclass(frozen=True)
class PaymentResult:
    """What a provider says about a new payment.

    ``status`` uses the provider's words; the shop only distinguishes ``succeeded`` from the rest
    (``requires_payment_method``, ``requires_confirmation``, ``processing``, ``offline``...).
    """

    provider_ref: str
    status: str
    client_secret: str | None = None


class PaymentUnavailable(ShopError):
    """The provider could not be reached or failed; retrying with the same key is safe."""

    code = "payment_unavailable"


class WebhookError(ShopError):
    """A webhook whose signature is missing, forged or too old, or whose body is not an event."""

    code = "invalid_webhook"


@runtime_checkable
class PaymentProvider(Protocol):
    name: str

    async def create_payment(self, order_id: int, amount_cents: int, currency: str, idempotency_key: str,
                             metadata: dict[str, Any]) -> PaymentResult: ...

    async def refund(self, provider_ref: str, amount_cents: int, idempotency_key: str) -> str: ...

    async def aclose(self) -> None:
        """Release the provider's HTTP client (app shutdown)."""
        ...


async def retry_each(ids: Iterable[int], settle: Callable[[int], Awaitable[T]], what: str) -> list[T]:
    """Run ``settle`` for each id, skipping (and logging) those the provider still cannot serve."""
    done: list[T] = []
    for item_id in ids:
        try:
            done.append(await settle(item_id))
        except PaymentUnavailable as exc:
            log.warning("%s %s still waiting: %s", what, item_id, exc.message)
    return done
