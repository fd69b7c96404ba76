"""Periodic upkeep each node runs in the background: retrying refunds the provider could not make.

A payment that succeeded after its order was cancelled is refunded at once; when the provider is
down at that moment the refund stays ``pending`` in ``auto_refunds`` and this loop settles it.
Likewise a received return whose refund failed stays ``received`` until this loop refunds it.
Several nodes may run it at once: rows are locked and the provider is called with the same
idempotency key, so each refund is made once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from commerce.order_returns import settle_received_returns
from commerce.payments.outcomes import settle_pending_refunds
from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.platform.logs import get_logger
from voice_server.platform.shop_services import order_notifier, payments

log = get_logger(__name__)


async def retry_pending_refunds(state: AppState) -> int:
    """One pass: settle what can be settled now; returns how many refunds were made."""
    provider, notify = payments(state), order_notifier(state)
    settled = len(await settle_pending_refunds(state.pool, provider, notify=notify))
    settled += len(await settle_received_returns(state.pool, provider, notify=notify))
    if settled:
        log.info("refunds.settled", count=settled)
    return settled


async def _refund_loop(state: AppState) -> None:
    while True:
        await asyncio.sleep(state.settings.refund_retry_interval_s)
        try:
            await retry_pending_refunds(state)
        except (OSError, asyncpg.PostgresError) as exc:  # the database is restarting: next pass
            log.warning("refunds.retry_failed", error=type(exc).__name__)


async def maintenance_ctx(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup context: the background loops of this node."""
    task = asyncio.create_task(_refund_loop(app[APP_STATE]), name="refund-retry")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
