"""ConversationService: the one turn runner behind the voice session, `shepherd chat` and replay.

One turn = load the DialogueState from Valkey (ContextStore), run the DialogueEngine over the
Postgres shop, save the new state, append the turn to the history in Postgres (TurnHistory).
Because the state lives in Valkey, any process sharing it continues any conversation.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiohttp import web

from commerce.models import NotFound
from voice_server.conversation.asr_correction import CorrectionLexicon, pick_hypothesis
from voice_server.conversation.asr_hints import catalog_prompt, default_correction_lexicon
from voice_server.conversation.context_store import ContextStore, TurnHistory
from voice_server.conversation.dialogue.nlu import RuleBasedUnderstander
from voice_server.conversation.dialogue.policy import DialogueEngine, TurnResult
from voice_server.conversation.dialogue.semantic_fallback import SemanticFallbackUnderstander
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.conversation.dialogue.understanding import Understander, Understanding
from voice_server.conversation.dialogue.vocabulary import Vocabulary
from voice_server.conversation.dialogue.vocabulary import hotwords as vocab_hotwords
from voice_server.conversation.llm_understander import LlmUnderstander, build_understander, tracking_answer
from voice_server.conversation.postgres_shop import PostgresShop
from voice_server.conversation.profile_cache import ProfileCache
from voice_server.conversation.turn_preview import TurnPreview, commit_preview, preview_turn
from voice_server.conversation.vocabulary_loader import VocabularyCache
from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.platform.cpu_budget import charger, timed
from voice_server.platform.logs import get_logger
from voice_server.platform.shop_services import payments

log = get_logger(__name__)

_vocab_cache = VocabularyCache()


class TimedUnderstander:
    """An `Understander` whose on-loop CPU is charged to the `understanding` stage of the CPU budget."""

    def __init__(self, inner: Understander) -> None:
        self.inner = inner

    async def understand(self, text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
        return await timed(self.inner.understand(text, state, vocab), charger("understanding"))


def parse_conversation_id(raw: str) -> str:
    """Canonical UUID text, or NotFound (ids are never guessable strings)."""
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError as exc:
        raise NotFound("no such conversation", conversation_id=raw) from exc


class ConversationService:
    """Runs turns of any conversation; safe to share by all sessions of a process."""

    def __init__(
        self, pool: Any, valkey: Any, engine: DialogueEngine, vocab: Vocabulary,
        contexts: ContextStore, history: TurnHistory, *, channel: str = "voice",
    ) -> None:
        self.pool = pool
        self.valkey = valkey
        self.engine = engine
        self.vocab = vocab
        self.contexts = contexts
        self.history = history
        self.channel = channel
        self._hotwords = vocab_hotwords(vocab)
        self._catalog_prompt = catalog_prompt(vocab)
        self._asr_lexicon: CorrectionLexicon | None = None
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # ---------------------------------------------------------------- conversations
    async def open(
        self, user_id: int, conversation_id: str | None = None, *, channel: str | None = None
    ) -> str:
        """Start a conversation (new uuid) or join one of this user's; another user's -> NotFound."""
        cid = parse_conversation_id(conversation_id) if conversation_id else str(uuid.uuid4())
        owner = await self.pool.fetchval(
            """INSERT INTO conversations (id, user_id, channel) VALUES ($1, $2, $3)
               ON CONFLICT (id) DO UPDATE SET updated_at = now()
               RETURNING user_id""",
            uuid.UUID(cid), user_id, channel or self.channel,
        )
        if int(owner) != int(user_id):
            raise NotFound("no such conversation", conversation_id=cid)
        return cid

    async def owner_of(self, conversation_id: str) -> int | None:
        """The user who owns a conversation (None when it does not exist)."""
        cid = parse_conversation_id(conversation_id)
        owner = await self.pool.fetchval("SELECT user_id FROM conversations WHERE id = $1", uuid.UUID(cid))
        return int(owner) if owner is not None else None

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def load_state(self, conversation_id: str, user_id: int | None = None) -> DialogueState:
        state = await self.contexts.load(conversation_id)
        if state is None:
            state = DialogueState(conversation_id=conversation_id, user_id=user_id)
        return state

    # ---------------------------------------------------------------- turns
    async def handle_text(self, conversation_id: str, user_id: int, text: str) -> TurnResult:
        """Run one turn. ``result.payload`` gains ``turn`` (history index) and ``nlu_ms``."""
        async with self._lock(conversation_id):
            started = time.perf_counter()
            state = await self.load_state(conversation_id, user_id)
            if state.user_id is not None and int(state.user_id) != int(user_id):
                raise NotFound("no such conversation", conversation_id=conversation_id)
            if state.user_id is None:
                state = state.model_copy(update={"user_id": user_id})
            with tracking_answer() as answered:
                result = await self.engine.handle(state, text)
            await self.contexts.save(result.new_state)
            nlu_ms = round((time.perf_counter() - started) * 1000.0, 2)
            turn_index = result.new_state.turn
            result.payload["turn"] = turn_index
            result.payload["nlu_ms"] = nlu_ms
            result.payload.update(answered.as_payload())
            await self.history.record(
                conversation_id, user_id, turn_index, text, result.intent, result.slots, result.reply_text,
                product_ids=[p.id for p in result.products], metrics={"nlu_ms": nlu_ms, **answered.as_payload()},
                channel=self.channel,
            )
        log.info("turn.done", conversation_id=conversation_id, turn=turn_index, intent=result.intent,
                 nlu_ms=nlu_ms)
        return result

    async def preview_text(self, conversation_id: str, user_id: int, text: str) -> TurnPreview:
        """Dry run of `handle_text` (read-only shop, nothing stored): for speculative voice turns."""
        with tracking_answer() as answered:
            preview = await preview_turn(self.engine, lambda: self.load_state(conversation_id, user_id), text, user_id)
        if preview.result is not None:
            preview.result.payload.update(answered.as_payload())
        return preview

    async def commit_preview(self, conversation_id: str, user_id: int, preview: TurnPreview) -> TurnResult | None:
        """Store a preview as the turn; None if it needed a write or the state moved on (run it anew)."""
        return await commit_preview(self, self._lock(conversation_id), conversation_id, user_id, preview)

    async def note_interrupted(self, conversation_id: str, heard_text: str) -> None:
        """Barge-in: the shopper heard only ``heard_text`` of the last reply."""
        async with self._lock(conversation_id):
            state = await self.contexts.load(conversation_id)
            if state is None:
                return
            trimmed = self.engine.note_interrupted(state, heard_text)
            if trimmed is not state:
                await self.contexts.save(trimmed)
            await self.history.mark_heard(conversation_id, state.turn, heard_text)

    async def record_metrics(self, conversation_id: str, turn_index: int, metrics: dict[str, Any]) -> None:
        """Merge per-turn latency metrics (voice session) into the history row of that turn."""
        clean = json.loads(json.dumps(
            {k: v for k, v in metrics.items() if k not in ("type", "turn_id")}, default=str
        ))
        await self.pool.execute(
            """UPDATE turns SET metrics = metrics || $3::jsonb
                WHERE conversation_id = $1 AND turn_index = $2""",
            uuid.UUID(parse_conversation_id(conversation_id)), turn_index, clean,
        )

    def hotwords(self) -> str:
        """Whisper prompt biasing recognition towards catalog brands, colours and sizes."""
        return self._hotwords

    def catalog_prompt(self) -> str:
        """Short Whisper prompt naming the garments and main colours the shop sells (docs/audio.md)."""
        return self._catalog_prompt

    def asr_lexicon(self) -> CorrectionLexicon:
        """Catalog words + English word lists, built on first use (~0.3 s, then kept)."""
        if self._asr_lexicon is None:
            self._asr_lexicon = default_correction_lexicon(self.vocab)
        return self._asr_lexicon

    def correct_transcript(self, hypotheses: Sequence[tuple[str, float]]) -> str:
        """What the shopper most likely said: ASR hypotheses (text, avg_logprob), best first, with
        misheard catalog words mapped back by sound and rescored against the catalog
        (`voice_server.conversation.asr_correction.pick_hypothesis`; one hypothesis with greedy decoding)."""
        return pick_hypothesis(hypotheses, self.asr_lexicon())


async def build_conversation_service(state: AppState, *, channel: str = "voice") -> ConversationService:
    """Assemble the service from the open backends (vocabulary read once per process)."""
    pool, valkey = state.pool, state.valkey
    vocab = await _vocab_cache.get(pool)
    # The app's one payment provider (shared with the REST routes: one Stripe client), and
    # preferences cached in Valkey for 1 h with Postgres behind them.
    shop = PostgresShop(pool, payments(state), profiles=ProfileCache(valkey, pool))
    # The embedded understander: rules, and sentence embeddings for what they leave empty; with
    # SHEPHERD_LLM_BASE_URL set a language model answers first and the embedded one when it cannot.
    understander: Understander = RuleBasedUnderstander()
    if state.settings.semantic_understanding:
        understander = await asyncio.to_thread(SemanticFallbackUnderstander, understander)
    understander = TimedUnderstander(understander)  # its CPU is a stage of the turn's budget
    understander = build_understander(state.settings, understander) or understander
    engine = DialogueEngine(shop, vocab, understander, currency_rates=state.settings.currency_rates,
                            large_budget_currency=state.settings.large_budget_currency,
                            spoken_reply_chars=state.settings.spoken_reply_chars)
    return ConversationService(pool, valkey, engine, vocab, ContextStore(valkey), TurnHistory(pool),
                               channel=channel)


async def conversation_ctx(app: web.Application) -> AsyncIterator[None]:
    """aiohttp cleanup_ctx (after the backends): ``services.conversation``."""
    state = app[APP_STATE]
    service = await build_conversation_service(state)
    await asyncio.to_thread(service.asr_lexicon)  # so the first voice turn does not pay for it
    state.services.conversation = service
    yield
    state.services.conversation = None
    if isinstance(service.engine.understander, LlmUnderstander):
        await service.engine.understander.aclose()


__all__ = [
    "ConversationService", "build_conversation_service", "conversation_ctx", "parse_conversation_id",
]
