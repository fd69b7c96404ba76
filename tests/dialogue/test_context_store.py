"""ContextStore and TurnHistory against the real embedded Valkey and Postgres (shared fixtures)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from commerce.models import Conflict, NotFound, ProductCard
from voice_server.conversation.context_store import ContextStore, TurnHistory, state_key
from voice_server.conversation.dialogue import DialogueState


async def test_state_round_trip_with_ttl(valkey: Any) -> None:
    store = ContextStore(valkey)
    conv = str(uuid.uuid4())
    saved = await store.save(DialogueState(conversation_id=conv, user_id=5, turn=3))
    assert saved.revision == 1
    loaded = await store.load(conv)
    assert loaded == saved
    assert 3500 < await valkey.ttl(state_key(conv)) <= 3600
    assert (await store.load_or_new(conv, user_id=6)).turn == 0  # another user's state is never reused


async def test_concurrent_saves_cannot_clobber(valkey: Any) -> None:
    store = ContextStore(valkey)
    conv = str(uuid.uuid4())
    base = await store.save(DialogueState(conversation_id=conv))
    first = base.model_copy(update={"last_reply": "from process A"})
    second = base.model_copy(update={"last_reply": "from process B"})
    await store.save(first)
    with pytest.raises(Conflict):
        await store.save(second)
    assert (await store.load(conv)).last_reply == "from process A"  # type: ignore[union-attr]


async def test_cached_recommendations(valkey: Any) -> None:
    store = ContextStore(valkey)
    card = ProductCard(id=1, name="Tee", brand="Puma", price_cents=1999, category="tshirts", gender="men")
    assert await store.cached_recommendations(9, "home") is None
    await store.cache_recommendations(9, "home", [card])
    assert await store.cached_recommendations(9, "home") == [card]
    assert 1700 < await valkey.ttl("shepherd:recs:9:home") <= 1800


async def _user(pool: Any) -> int:
    return await pool.fetchval("INSERT INTO users (kind) VALUES ('guest') RETURNING id")


async def test_history_records_turns_for_owner_only(pool: Any) -> None:
    history = TurnHistory(pool)
    owner, stranger = await _user(pool), await _user(pool)
    conv = str(uuid.uuid4())
    await history.record(
        conv,
        owner,
        0,
        "red dresses",
        "search",
        {"category": "dresses"},
        "Here are...",
        product_ids=[1, 2],
        metrics={"asr_ms": 120},
    )
    await history.record(
        conv, owner, 1, "the second one", "product_details", {"reference": "ordinal:2"}, "This is the ..."
    )
    await history.mark_heard(conv, 1, "This is")
    turns = await history.history(conv, owner)
    assert [t["intent"] for t in turns] == ["search", "product_details"]
    assert turns[0]["slots"] == {"category": "dresses"} and turns[0]["product_ids"] == [1, 2]
    assert turns[0]["metrics"] == {"asr_ms": 120} and turns[1]["heard_text"] == "This is"
    with pytest.raises(NotFound):
        await history.history(conv, stranger)
    with pytest.raises(NotFound):
        await history.record(conv, stranger, 2, "hi", "greeting", {}, "hello")
    with pytest.raises(NotFound):
        await history.history("not-a-uuid", owner)


def test_a_question_kind_no_longer_asked_is_dropped_on_load() -> None:
    """A state saved before an upgrade ("only 2 left, shall I add 2?") loads without its question."""
    saved = DialogueState(conversation_id="c1").model_dump(mode="json")
    saved["pending"] = {"kind": "choose_quantity", "product_id": 7, "quantity": 2}
    assert DialogueState.model_validate(saved).pending is None
    saved["pending"] = {"kind": "checkout", "total_cents": 1200}
    state = DialogueState.model_validate(saved)
    assert state.pending is not None and state.pending.kind == "checkout"
