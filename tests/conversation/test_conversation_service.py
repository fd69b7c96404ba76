"""ConversationService over the real Postgres catalog, Valkey state and the real dialogue engine."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from commerce.auth import create_guest
from commerce.models import NotFound
from commerce.shopper_advice import fit_models
from tests.conversation.helpers import new_service
from voice_server.conversation.service import ConversationService
from voice_server.platform.backends import Backends, valkey_client
from voice_server.platform.settings import Settings


async def _db_price(pool: Any, product_id: int) -> int:
    return int(await pool.fetchval("SELECT price_cents FROM products WHERE id = $1", product_id))


async def test_search_refine_size_cart_checkout(service: ConversationService, guest: int, pool: Any) -> None:
    cid = await service.open(guest, None)

    r = await service.handle_text(cid, guest, "show me black dresses under 80 dollars")
    assert r.intent == "search"
    assert r.slots.get("category") == "dresses" and r.slots.get("colour") == "black"
    assert r.products, r.reply_text
    for card in r.products:
        assert card.category == "dresses"
        assert card.price_cents <= 8000
        assert (card.colour or "").lower() == "black"
        assert card.price_cents == await _db_price(pool, card.id)
    assert r.payload["turn"] == 1 and r.payload["nlu_ms"] > 0

    r = await service.handle_text(cid, guest, "do you have that in blue")
    assert r.intent == "refine"
    assert r.products, r.reply_text
    for card in r.products:
        assert card.category == "dresses" and card.price_cents <= 8000  # earlier filters kept
        assert "blue" in (card.colour or "").lower() or (card.colour or "").lower() in {"navy", "teal"}
    first = r.products[0]

    r = await service.handle_text(cid, guest, "what size should I get for the first one")
    assert r.intent == "size_advice"
    assert r.payload["size_advice"]["model_version"] == fit_models().get().version  # names the fit model

    size = first.sizes_available[0] if first.sizes_available else "M"
    r = await service.handle_text(cid, guest, f"add the first one in size {size}")
    assert r.intent == "add_to_cart", r.reply_text
    if r.cart is None or not r.cart.lines:  # the engine asked which size
        r = await service.handle_text(cid, guest, size)
    assert r.cart is not None and len(r.cart.lines) == 1, r.reply_text
    line = r.cart.lines[0]
    assert line.product_id == first.id and line.quantity == 1
    assert line.unit_price_cents == await _db_price(pool, first.id)
    assert r.cart.subtotal_cents == line.unit_price_cents
    assert r.cart.total_cents == r.cart.subtotal_cents + r.cart.shipping_cents + r.cart.tax_cents

    r = await service.handle_text(cid, guest, "checkout")
    assert r.intent == "checkout"
    assert r.payload.get("pending", {}).get("kind") == "checkout", r.reply_text

    r = await service.handle_text(cid, guest, "yes")
    assert r.intent == "confirm"
    order = await pool.fetchrow(
        "SELECT id, status, total_cents FROM orders WHERE user_id = $1 ORDER BY id DESC LIMIT 1", guest
    )
    assert order is not None and order["status"] in {"awaiting_payment", "paid"}
    assert str(order["id"]) in r.reply_text
    items = await pool.fetch("SELECT product_id, unit_price_cents FROM order_items WHERE order_id = $1",
                             order["id"])
    assert [(i["product_id"], i["unit_price_cents"]) for i in items] == [(first.id, line.unit_price_cents)]

    rows = await pool.fetch(
        "SELECT turn_index, user_text, intent, metrics FROM turns"
        " WHERE conversation_id = $1 ORDER BY turn_index",
        uuid.UUID(cid),
    )
    assert [row["turn_index"] for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["user_text"] == "show me black dresses under 80 dollars"
    assert rows[0]["intent"] == "search" and rows[-1]["intent"] == "confirm"
    assert rows[0]["metrics"]["nlu_ms"] > 0


async def test_state_survives_restart_and_moves_between_processes(
    settings: Settings, backends: Backends, guest: int,
) -> None:
    first = await new_service(settings, backends, "node-a")
    cid = await first.open(guest, None)
    r = await first.handle_text(cid, guest, "show me red kurtas for women")
    assert r.intent == "search" and r.products
    shown = [p.id for p in r.products]

    restarted = await new_service(settings, backends, "node-a-restarted")  # simulated restart
    r = await restarted.handle_text(cid, guest, "show me more")
    assert r.intent == "more_results"
    assert r.products and not set(shown) & {p.id for p in r.products}
    assert all(p.category == "kurtas" for p in r.products)

    other_valkey = valkey_client(backends.valkey_url)  # another process: its own connections
    try:
        other_backends = Backends(pool=backends.pool, valkey=other_valkey, database_dsn=backends.database_dsn,
                                  valkey_url=backends.valkey_url)
        node_b = await new_service(settings, other_backends, "node-b")
        assert await node_b.open(guest, cid) == cid
        r = await node_b.handle_text(cid, guest, "do you have them in blue")
        assert r.intent == "refine"
        assert r.products and all(p.category == "kurtas" for p in r.products)
        state = await node_b.load_state(cid)
        assert state.turn == 3 and state.user_id == guest
    finally:
        await other_valkey.aclose()


async def test_another_users_conversation_is_refused(service: ConversationService, pool: Any) -> None:
    alice, mallory = (await create_guest(pool)).id, (await create_guest(pool)).id
    cid = await service.open(alice, None)
    await service.handle_text(cid, alice, "hello")
    with pytest.raises(NotFound):
        await service.open(mallory, cid)
    with pytest.raises(NotFound):
        await service.handle_text(cid, mallory, "what's in my cart")
    with pytest.raises(NotFound):
        await service.open(mallory, "not-a-uuid")
    assert await service.open(alice, cid) == cid  # the owner may come back
    count = await pool.fetchval("SELECT count(*) FROM turns WHERE conversation_id = $1", uuid.UUID(cid))
    assert count == 1


async def test_interruption_metrics_and_hotwords(service: ConversationService, guest: int, pool: Any) -> None:
    cid = await service.open(guest, None)
    r = await service.handle_text(cid, guest, "show me white sneakers for men")
    assert r.products
    heard = r.reply_text[: max(1, len(r.reply_text) // 4)]
    await service.note_interrupted(cid, heard)
    state = await service.load_state(cid)
    assert state.last_reply == heard.strip()
    await service.record_metrics(cid, r.payload["turn"], {"type": "metrics", "turn_id": 1,
                                                          "asr_ms": 120.5, "voice_to_voice_ms": 900})
    row = await pool.fetchrow(
        "SELECT heard_text, metrics FROM turns WHERE conversation_id = $1 AND turn_index = 1", uuid.UUID(cid)
    )
    assert row["heard_text"] == heard
    assert row["metrics"]["asr_ms"] == 120.5 and row["metrics"]["nlu_ms"] > 0
    assert "type" not in row["metrics"]

    words = service.hotwords()
    top_brand = await pool.fetchval(
        "SELECT b.name FROM brands b JOIN products p ON p.brand_id = b.id"
        " GROUP BY b.name ORDER BY count(*) DESC LIMIT 1"
    )
    assert top_brand in words and "Sizes:" in words and len(words) < 1500
