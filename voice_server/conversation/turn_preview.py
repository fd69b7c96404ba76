"""Dry run of a dialogue turn, and its commit: the side-effect boundary of speculative turns.

`preview_turn` runs NLU + policy on the stored dialogue state against a `ReadOnlyShop`: reads
(search, product details, size advice, cart, order status) go to the real shop; any write (add to
or remove from the cart, place an order, start a return, update the profile) raises
`WriteBlocked`, and the preview then carries no result: the turn runs normally once confirmed.
Nothing is stored by a preview. `commit_preview` stores the previewed state (optimistic
concurrency: if anything saved the conversation since the preview loaded it, the commit is
refused) and records the turn in the history, exactly like `ConversationService.handle_text`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from commerce.models import Conflict, NotFound
from voice_server.conversation.dialogue.policy import DialogueEngine, TurnResult
from voice_server.conversation.dialogue.understanding import Understanding
from voice_server.platform.logs import get_logger

log = get_logger(__name__)

WRITE_OPERATIONS = frozenset(
    {"add_to_cart", "remove_from_cart", "set_quantity", "place_order", "start_return", "review_fit",
     "update_profile"}
)
"""ShopPort methods with side effects: never called by a preview."""


class WriteBlocked(Exception):
    """A preview tried a shop write (deliberately not a ShopError: the policy must not catch it)."""

    def __init__(self, operation: str) -> None:
        super().__init__(operation)
        self.operation = operation


class ReadOnlyShop:
    """Wraps a ShopPort: reads pass through, writes raise WriteBlocked."""

    def __init__(self, shop: Any) -> None:
        self._shop = shop

    def __getattr__(self, name: str) -> Any:
        if name in WRITE_OPERATIONS:
            async def blocked(*_: Any, **__: Any) -> Any:
                raise WriteBlocked(name)

            return blocked
        return getattr(self._shop, name)


@dataclass(frozen=True, slots=True)
class TurnPreview:
    """What a turn would do. `result` is None when the turn needs a write (`blocked` names it)."""

    text: str
    base_revision: int
    understanding: Understanding
    result: TurnResult | None
    blocked: str | None
    ms: float


async def preview_turn(
    engine: DialogueEngine, load_state: Callable[[], Awaitable[Any]], text: str, user_id: int
) -> TurnPreview:
    """Run `text` through NLU + policy on the state `load_state()` returns; store and change nothing."""
    started = time.perf_counter()
    state = await load_state()
    if state.user_id is not None and int(state.user_id) != int(user_id):
        raise NotFound("no such conversation", conversation_id=state.conversation_id)
    if state.user_id is None:
        state = state.model_copy(update={"user_id": user_id})
    understanding = await engine.understander.understand(text, state, engine.vocab)
    dry = DialogueEngine(ReadOnlyShop(engine.shop), engine.vocab, engine.understander,
                         currency_rates=engine.currency_rates,
                         large_budget_currency=engine.large_budget_currency, spoken_reply_chars=engine.spoken_reply_chars)
    result: TurnResult | None = None
    blocked: str | None = None
    try:
        result = await dry.respond(state, understanding)
    except WriteBlocked as exc:
        blocked = exc.operation
    return TurnPreview(
        text=text, base_revision=state.revision, understanding=understanding, result=result,
        blocked=blocked, ms=round((time.perf_counter() - started) * 1000.0, 2),
    )


async def commit_preview(
    service: Any,
    lock: AbstractAsyncContextManager[Any],
    conversation_id: str,
    user_id: int,
    preview: TurnPreview,
) -> TurnResult | None:
    """Store a preview as the turn (state + history); None when it cannot be used (run the turn anew)."""
    result = preview.result
    if result is None:
        return None
    async with lock:
        started = time.perf_counter()
        try:
            saved = await service.contexts.save(result.new_state)
        except Conflict:
            log.info("turn.preview_stale", conversation_id=conversation_id, base=preview.base_revision)
            return None
        result = result.model_copy(update={"new_state": saved})
        nlu_ms = round(preview.ms + (time.perf_counter() - started) * 1000.0, 2)
        turn_index = saved.turn
        result.payload["turn"] = turn_index
        result.payload["nlu_ms"] = nlu_ms
        await service.history.record(
            conversation_id, user_id, turn_index, preview.text, result.intent, result.slots,
            result.reply_text, product_ids=[p.id for p in result.products],
            metrics={"nlu_ms": nlu_ms, "speculative": True}, channel=service.channel,
        )
    log.info("turn.done", conversation_id=conversation_id, turn=turn_index, intent=result.intent,
             nlu_ms=nlu_ms, speculative=True)
    return result
