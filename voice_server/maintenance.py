"""Periodic upkeep each node runs in the background: retrying auto-refunds left pending.

A payment that succeeded after its order was cancelled is refunded at once; when the provider is
down at that moment the refund stays ``pending`` in ``auto_refunds`` and this loop settles it.
Several nodes may run it at once: ``settle_auto_refund`` locks the row, so each refund is made once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from commerce.payments.outcomes import settle_pending_refunds
from voice_server.api.services import order_notifier, payments
from voice_server.logs import get_logger
from voice_server.state import APP_STATE, AppState

log = get_logger(__name__)


async def retry_pending_refunds(state: AppState) -> int:
    """One pass: settle what can be settled now; returns how many refunds were made."""
    settled = await settle_pending_refunds(state.pool, payments(state), notify=order_notifier(state))
    if settled:
        log.info("refunds.settled", count=len(settled))
    return len(settled)


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
