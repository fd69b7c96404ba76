"""Cross-node notices over Valkey pub/sub ("your payment went through", ...).

A payment webhook may be processed by node B while the shopper's voice session lives on
node A. Any node calls ``hub.publish(user_id, notice)``; every node runs one background
listener (a single pattern subscription, started and stopped with the app like aiohttp's
background-tasks example) and fans each notice out to the local subscribers of that user.

Local queues are bounded: a session that does not read its notices loses the oldest ones
instead of growing memory (a slow client never stalls the hub).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from aiohttp import web

from voice_server.platform.app_state import APP_STATE
from voice_server.platform.logs import get_logger

log = get_logger(__name__)

CHANNEL_PREFIX = "shepherd:notice:"
QUEUE_SIZE = 32
RECONNECT_MAX_S = 5.0

ORDER_STATUS_TEXT = {
    "paid": "Good news: your payment for order {order_id} went through.",
    "payment_failed": "Your payment for order {order_id} didn't go through. You can try again at checkout.",
    "refunded": "Your refund for order {order_id} has been issued.",
    "fulfilled": "Order {order_id} is on its way.",
    "return_rejected": "Your return for order {order_id} wasn't accepted, so no refund was made.",
    "cancelled": "Order {order_id} was cancelled.",
}


def notice_text(notice: dict[str, Any]) -> str | None:
    """What the assistant says about a published notice (None: nothing worth saying).

    ``{"type": "order_status", "order_id", "status"}`` (published by the payment webhook and refunds)
    has fixed wording; any other notice is spoken only when it carries its own ``text``.
    """
    text = notice.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    if notice.get("type") == "order_status":
        template = ORDER_STATUS_TEXT.get(str(notice.get("status")))
        if template is not None and notice.get("order_id") is not None:
            return template.format(order_id=notice["order_id"])
    return None


def channel(user_id: int, prefix: str = CHANNEL_PREFIX) -> str:
    return f"{prefix}{int(user_id)}"


def parse_message(data: bytes | str, prefix: str = CHANNEL_PREFIX) -> tuple[int, dict[str, Any]] | None:
    """Decode one published envelope; None when it is not a valid notice."""
    try:
        envelope = json.loads(data)
        user_id = int(envelope["user_id"])
        notice = envelope["notice"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(notice, dict):
        return None
    return user_id, notice


class Subscription:
    """Notices for one user on this node; an async iterator (``async for notice in sub``).

    Registered when created, so nothing published after ``subscribe()`` returns is missed.
    """

    def __init__(self, hub: NoticeHub, user_id: int, maxsize: int) -> None:
        self.hub = hub
        self.user_id = user_id
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize)
        self.dropped = 0
        self.closed = False

    def deliver(self, notice: dict[str, Any]) -> None:
        if self.closed:
            return
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(notice)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.hub._remove(self)
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)  # wakes a pending reader

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self.closed and self.queue.empty():
            raise StopAsyncIteration
        notice = await self.queue.get()
        if notice is None:
            raise StopAsyncIteration
        return notice

    async def get(self, wait_s: float | None = None) -> dict[str, Any] | None:
        """The next notice, or None after ``wait_s`` seconds / when closed."""
        try:
            return await asyncio.wait_for(self.__anext__(), wait_s)
        except (TimeoutError, StopAsyncIteration):
            return None

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class NoticeHub:
    """Publish notices to a user on any node; receive the ones for users connected here."""

    def __init__(self, valkey: Any, *, prefix: str = CHANNEL_PREFIX, queue_size: int = QUEUE_SIZE) -> None:
        self.valkey = valkey
        self.prefix = prefix
        self.queue_size = queue_size
        self._subs: dict[int, set[Subscription]] = {}
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, user_id: int, notice: dict[str, Any]) -> int:
        """Send ``notice`` (JSON-able dict, e.g. {kind, text}) to every node; returns nodes reached."""
        envelope = json.dumps({"user_id": int(user_id), "notice": notice}, default=str)
        return int(await self.valkey.publish(channel(user_id, self.prefix), envelope))

    def subscribe(self, user_id: int) -> Subscription:
        sub = Subscription(self, int(user_id), self.queue_size)
        self._subs.setdefault(sub.user_id, set()).add(sub)
        return sub

    def subscriber_count(self, user_id: int | None = None) -> int:
        if user_id is not None:
            return len(self._subs.get(int(user_id), ()))
        return sum(len(s) for s in self._subs.values())

    def _remove(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.user_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.user_id]

    def dispatch(self, data: bytes | str) -> int:
        """Fan one raw pub/sub payload out to local subscribers; returns how many got it."""
        parsed = parse_message(data, self.prefix)
        if parsed is None:
            log.warning("notices.bad_message")
            return 0
        user_id, notice = parsed
        subs = list(self._subs.get(user_id, ()))
        for sub in subs:
            sub.deliver(notice)
        return len(subs)

    async def start(self) -> None:
        """Start the listener; returns once the subscription is active."""
        if self._task is None:
            self._ready.clear()
            self._task = asyncio.create_task(self._listen(), name="notice-hub")
        waiter = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            self._task.result()  # surfaces the listener's failure

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for subs in list(self._subs.values()):
            for sub in list(subs):
                sub.close()

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            pubsub = self.valkey.pubsub()
            try:
                await pubsub.psubscribe(f"{self.prefix}*")
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind in (b"psubscribe", "psubscribe"):  # confirmed by the server
                        self._ready.set()
                        delay = 0.1
                    elif kind in (b"pmessage", "pmessage"):
                        self.dispatch(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: resubscribe with backoff
                log.warning("notices.listener_error", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()


async def notices_ctx(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup_ctx: the hub runs while the app runs (after the backends are open)."""
    state = app[APP_STATE]
    hub = NoticeHub(state.valkey)
    await hub.start()
    state.services.notices = hub
    yield
    state.services.notices = None
    await hub.stop()


__all__ = ["NoticeHub", "Subscription", "channel", "notice_text", "notices_ctx", "parse_message"]
