"""The 109 scripted conversations against the REAL shop: PostgresShop over the embedded Postgres
(demo catalog, ~11k products), preferences in Valkey, offline payments — not the memory shop.

Every conversation runs as its own fresh guest shopper. The bar is the same as for the memory
shop (intent accuracy, slot F1, no product breaking an active constraint); timing is not asserted
(the shop does real SQL on a loaded machine).
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.dialogue_eval import evaluate, load_conversations
from commerce.auth import create_guest
from commerce.orders import cancel_order
from commerce.payments import OfflineProvider
from tests.dialogue.test_conversations import CONVERSATIONS
from voice_server.conversation.dialogue import DialogueEngine
from voice_server.conversation.postgres_shop import PostgresShop
from voice_server.conversation.profile_cache import ProfileCache
from voice_server.conversation.vocabulary_loader import load_vocabulary


@pytest.mark.slow
async def test_scripted_conversations_on_the_postgres_shop(pool: Any, valkey: Any) -> None:
    await pool.execute("ANALYZE products, product_variants, brands")
    conversations = load_conversations(CONVERSATIONS)
    assert len(conversations) >= 80
    for conversation in conversations:  # each its own shopper (ids in the scripts are placeholders)
        conversation["user_id"] = (await create_guest(pool)).id
    vocab = await load_vocabulary(pool)
    provider = OfflineProvider()
    shop = PostgresShop(pool, provider, profiles=ProfileCache(valkey, pool))
    try:
        report = await evaluate(conversations, lambda: DialogueEngine(shop, vocab))
    finally:  # give back the stock the scripted checkouts reserved (the session DB is shared)
        users = [c["user_id"] for c in conversations]
        for row in await pool.fetch(
            "SELECT id, user_id FROM orders WHERE user_id = ANY($1::bigint[]) AND status = 'awaiting_payment'",
            users,
        ):
            await cancel_order(pool, provider, row["user_id"], row["id"])
    print("postgres shop:", report.summary())
    for failure in report.outcome_failures:
        print("  outcome:", failure)
    for error in report.intent_errors:
        print("  intent:", error)
    assert report.intent_accuracy >= 0.95, report.intent_errors
    assert report.slot_f1 >= 0.90, report.slot_errors
    assert report.constraint_violations == []
