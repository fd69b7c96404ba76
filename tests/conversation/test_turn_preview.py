"""The side-effect boundary of speculative turns: a preview stores nothing and writes nothing.

Real ConversationService over the session's Postgres catalog and Valkey state.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from voice_server.conversation.service import ConversationService
from voice_server.conversation.turn_preview import WRITE_OPERATIONS, ReadOnlyShop, WriteBlocked


async def _history_rows(pool: Any, cid: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM turns WHERE conversation_id = $1", uuid.UUID(cid)))


async def _cart_lines(service: ConversationService, guest: int) -> int:
    return len((await service.engine.shop.get_cart(guest)).lines)


async def test_preview_stores_nothing_and_commit_equals_a_normal_turn(
    service: ConversationService, guest: int, pool: Any
) -> None:
    cid = await service.open(guest, None)
    before = await service.contexts.load(cid)
    preview = await service.preview_text(cid, guest, "show me black dresses under 80 dollars")
    assert preview.blocked is None and preview.result is not None
    assert preview.understanding.intent.value == "search" and preview.result.products
    assert await service.contexts.load(cid) == before  # nothing stored ...
    assert await _history_rows(pool, cid) == 0  # ... and nothing recorded

    committed = await service.commit_preview(cid, guest, preview)
    assert committed is not None and committed.payload["turn"] == 1
    stored = await service.load_state(cid)
    assert stored.turn == 1 and [p.id for p in stored.shown] == [p.id for p in committed.products]
    assert await _history_rows(pool, cid) == 1

    # the same text through the normal path on a twin conversation gives the same reply
    twin = await service.open(guest, None)
    normal = await service.handle_text(twin, guest, "show me black dresses under 80 dollars")
    assert normal.reply_text == committed.reply_text and normal.intent == committed.intent


async def test_a_preview_that_needs_a_write_is_blocked_and_the_cart_untouched(
    service: ConversationService, guest: int
) -> None:
    cid = await service.open(guest, None)
    shown = await service.handle_text(cid, guest, "show me white sneakers for men")
    assert shown.products, shown.reply_text
    size = shown.products[0].sizes_available[0]
    lines = await _cart_lines(service, guest)
    revision = (await service.load_state(cid)).revision

    preview = await service.preview_text(cid, guest, f"add the first one in size {size}")
    assert preview.understanding.intent.value == "add_to_cart"
    assert preview.result is None and preview.blocked == "add_to_cart"
    assert await service.commit_preview(cid, guest, preview) is None  # the turn must run for real
    assert await _cart_lines(service, guest) == lines
    assert (await service.load_state(cid)).revision == revision

    real = await service.handle_text(cid, guest, f"add the first one in size {size}")
    assert real.intent == "add_to_cart" and await _cart_lines(service, guest) == lines + 1


async def test_a_stale_preview_is_refused(service: ConversationService, guest: int, pool: Any) -> None:
    cid = await service.open(guest, None)
    preview = await service.preview_text(cid, guest, "show me jeans")
    await service.handle_text(cid, guest, "show me red dresses")  # the state moved on meanwhile
    assert await service.commit_preview(cid, guest, preview) is None
    state = await service.load_state(cid)
    assert state.turn == 1 and state.filters.category == "dresses"
    assert await _history_rows(pool, cid) == 1


async def test_read_only_shop_blocks_every_write(service: ConversationService) -> None:
    shop = ReadOnlyShop(service.engine.shop)
    for name in sorted(WRITE_OPERATIONS):
        with pytest.raises(WriteBlocked) as caught:
            await getattr(shop, name)(1, 2, 3)
        assert caught.value.operation == name
    assert (await shop.get_cart(None)).lines == []  # reads pass through
