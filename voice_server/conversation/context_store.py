"""Thin async adapters for dialogue memory: state in Valkey, turn history in Postgres."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import WatchError

from commerce.models import Conflict, NotFound, ProductCard
from voice_server.conversation.dialogue.state import DialogueState

CONTEXT_TTL_S = 3600
SESSION_TTL_S = 24 * 3600
RECOMMENDATIONS_TTL_S = 30 * 60


def state_key(conversation_id: str) -> str:
    return f"shepherd:conv:{conversation_id}:state"


def session_key(session_id: str) -> str:
    return f"shepherd:session:{session_id}"


def recommendations_key(user_id: int, key: str) -> str:
    return f"shepherd:recs:{user_id}:{key}"


class ContextStore:
    """Dialogue state in Valkey (JSON, TTL refreshed per turn) with optimistic concurrency.

    `save` succeeds only if the stored revision still equals the revision the state was loaded at;
    otherwise it raises `Conflict`, so two processes can never silently clobber one turn.
    """

    def __init__(
        self,
        valkey: Redis,
        ttl_context_s: int = CONTEXT_TTL_S,
        ttl_session_s: int = SESSION_TTL_S,
        ttl_recommendations_s: int = RECOMMENDATIONS_TTL_S,
    ) -> None:
        self.valkey = valkey
        self.ttl_context_s = ttl_context_s
        self.ttl_session_s = ttl_session_s
        self.ttl_recommendations_s = ttl_recommendations_s

    async def load(self, conversation_id: str) -> DialogueState | None:
        raw = await self.valkey.get(state_key(conversation_id))
        return DialogueState.from_json(raw) if raw is not None else None

    async def load_or_new(self, conversation_id: str, user_id: int | None) -> DialogueState:
        state = await self.load(conversation_id)
        if state is None or state.user_id != user_id:
            return DialogueState(conversation_id=conversation_id, user_id=user_id)
        return state

    async def save(self, state: DialogueState) -> DialogueState:
        """Store `state` if nobody saved since it was loaded; returns it with the revision bumped."""
        key = state_key(state.conversation_id)
        saved = state.model_copy(update={"revision": state.revision + 1})
        async with self.valkey.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                raw = await pipe.get(key)
                current = DialogueState.from_json(raw).revision if raw is not None else 0
                if current != state.revision:
                    raise Conflict("conversation state changed", expected=state.revision, found=current)
                pipe.multi()
                pipe.set(key, saved.to_json(), ex=self.ttl_context_s)
                await pipe.execute()
            except WatchError as error:
                raise Conflict("conversation state changed concurrently") from error
        return saved

    async def touch(self, conversation_id: str) -> None:
        await self.valkey.expire(state_key(conversation_id), self.ttl_context_s)

    async def delete(self, conversation_id: str) -> None:
        await self.valkey.delete(state_key(conversation_id))

    async def save_session(self, session_id: str, data: dict[str, Any]) -> None:
        await self.valkey.set(session_key(session_id), json.dumps(data), ex=self.ttl_session_s)

    async def load_session(self, session_id: str) -> dict[str, Any] | None:
        raw = await self.valkey.get(session_key(session_id))
        return json.loads(raw) if raw is not None else None

    async def cache_recommendations(self, user_id: int, key: str, products: list[ProductCard]) -> None:
        payload = json.dumps([p.model_dump(mode="json") for p in products])
        await self.valkey.set(recommendations_key(user_id, key), payload, ex=self.ttl_recommendations_s)

    async def cached_recommendations(self, user_id: int, key: str) -> list[ProductCard] | None:
        raw = await self.valkey.get(recommendations_key(user_id, key))
        if raw is None:
            return None
        return [ProductCard.model_validate(item) for item in json.loads(raw)]


class TurnHistory:
    """Every turn of every conversation in Postgres (`conversations`, `turns`).

    Expects a pool from `commerce.db.create_pool` (json/jsonb codecs registered).
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def record(
        self,
        conversation_id: str,
        user_id: int,
        turn_index: int,
        user_text: str,
        intent: str,
        slots: dict[str, Any],
        reply_text: str,
        *,
        heard_text: str | None = None,
        product_ids: list[int] | None = None,
        metrics: dict[str, Any] | None = None,
        channel: str = "voice",
    ) -> None:
        """Insert one turn (idempotent per turn index); creates the conversation on first use."""
        conv = uuid.UUID(conversation_id)
        async with self.pool.acquire() as conn, conn.transaction():
            owner = await conn.fetchval(
                """INSERT INTO conversations (id, user_id, channel) VALUES ($1, $2, $3)
                   ON CONFLICT (id) DO UPDATE SET updated_at = now() RETURNING user_id""",
                conv,
                user_id,
                channel,
            )
            if owner != user_id:
                raise NotFound("conversation not found", conversation_id=conversation_id)
            await conn.execute(
                """INSERT INTO turns (conversation_id, turn_index, user_text, intent, slots, reply_text,
                                      heard_text, product_ids, metrics)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                   ON CONFLICT (conversation_id, turn_index) DO NOTHING""",
                conv,
                turn_index,
                user_text,
                intent,
                slots,
                reply_text,
                heard_text,
                list(product_ids or []),
                metrics or {},
            )

    async def mark_heard(self, conversation_id: str, turn_index: int, heard_text: str) -> None:
        """After a barge-in: store what was actually played of that turn's reply."""
        await self.pool.execute(
            "UPDATE turns SET heard_text = $3 WHERE conversation_id = $1 AND turn_index = $2",
            uuid.UUID(conversation_id),
            turn_index,
            heard_text,
        )

    async def history(self, conversation_id: str, user_id: int) -> list[dict[str, Any]]:
        """Turns of a conversation, oldest first; NotFound unless `user_id` owns it."""
        try:
            conv = uuid.UUID(conversation_id)
        except ValueError as error:
            raise NotFound("conversation not found") from error
        async with self.pool.acquire() as conn:
            owner = await conn.fetchval("SELECT user_id FROM conversations WHERE id = $1", conv)
            if owner is None or owner != user_id:
                raise NotFound("conversation not found", conversation_id=conversation_id)
            rows = await conn.fetch(
                """SELECT turn_index, user_text, intent, slots, reply_text, heard_text, product_ids,
                          metrics, created_at
                   FROM turns WHERE conversation_id = $1 ORDER BY turn_index""",
                conv,
            )
        return [
            {
                "turn_index": r["turn_index"],
                "user_text": r["user_text"],
                "intent": r["intent"],
                "slots": json.loads(r["slots"]) if isinstance(r["slots"], str) else r["slots"],
                "reply_text": r["reply_text"],
                "heard_text": r["heard_text"],
                "product_ids": list(r["product_ids"]),
                "metrics": json.loads(r["metrics"]) if isinstance(r["metrics"], str) else r["metrics"],
                "created_at": r["created_at"].isoformat(),
            }
            for r in rows
        ]
