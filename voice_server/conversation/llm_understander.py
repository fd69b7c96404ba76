"""Language-model understanding behind the `Understander` interface, with the rules as the safety net.

`LlmUnderstander.understand` asks an OpenAI-compatible endpoint for an `Understanding` (JSON
schema built from the pydantic model) within a latency budget. On a timeout, a transport or HTTP
error, or an answer that is not a valid `Understanding` of this catalog, it logs a warning with
the reason, counts it in ``shepherd_llm_fallbacks_total{reason}`` and answers with the embedded
understander instead. Which one answered is recorded for the turn (`tracking_answer`), so the
turn payload and history show it: no fallback goes unseen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Histogram
from pydantic import ValidationError

from voice_server.conversation.dialogue.llm_prompt import (
    build_messages,
    catalog_enums,
    system_prompt,
    understanding_schema,
)
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.conversation.dialogue.understanding import Understander, Understanding
from voice_server.conversation.dialogue.vocabulary import Vocabulary
from voice_server.conversation.llm_client import ChatClient, ChatEndpoint, LlmFailure
from voice_server.platform.logs import get_logger

if TYPE_CHECKING:
    from voice_server.platform.settings import Settings

log = get_logger(__name__)

CIRCUIT_OPEN = "circuit_open"
ENDPOINT_FAILURES = frozenset({"timeout", "unreachable", "http_429", "http_500", "http_502", "http_503", "http_504"})

FALLBACKS = Counter(
    "shepherd_llm_fallbacks_total", "Turns the LLM understander handed to the rules, by reason", ["reason"]
)
LLM_MS = Histogram(
    "shepherd_llm_understanding_ms", "Time spent asking the LLM per turn (ms), by outcome", ["outcome"],
    buckets=(50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000),
)


@dataclass
class Answered:
    """Who understood the turn: ``llm``, or ``rules`` (with ``fallback_reason`` when the LLM failed)."""

    understander: str = "rules"
    fallback_reason: str | None = None
    llm_ms: float | None = None

    def as_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"understander": self.understander}
        if self.fallback_reason is not None:
            data["understander_fallback"] = self.fallback_reason
        if self.llm_ms is not None:
            data["llm_ms"] = self.llm_ms
        return data


_ANSWERED: ContextVar[Answered | None] = ContextVar("shepherd_understander_answered", default=None)


@contextmanager
def tracking_answer() -> Iterator[Answered]:
    """Record who answers the understand() calls made inside this block (same task or child tasks)."""
    answered = Answered()
    token = _ANSWERED.set(answered)
    try:
        yield answered
    finally:
        _ANSWERED.reset(token)


def _note(understander: str, reason: str | None, llm_ms: float) -> None:
    answered = _ANSWERED.get()
    if answered is not None:
        answered.understander, answered.fallback_reason, answered.llm_ms = understander, reason, llm_ms


@dataclass
class Breaker:
    """After ``threshold`` endpoint failures in a row, skip the LLM for ``cooldown_s`` (no budget spent)."""

    threshold: int = 3
    cooldown_s: float = 30.0
    failures: int = 0
    open_until: float = 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self.open_until

    def record(self, reason: str | None) -> None:
        if reason not in ENDPOINT_FAILURES:  # an answer came back (good or not): the endpoint is up
            self.failures = 0
            return
        self.failures += 1
        if self.failures >= self.threshold:
            self.open_until, self.failures = time.monotonic() + self.cooldown_s, 0


def parse_understanding(raw: str, enums: dict[str, list[str]]) -> Understanding:
    """The model's JSON as an `Understanding`; `LlmFailure("invalid_output")` if it is not one."""
    try:
        understanding = Understanding.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise LlmFailure("invalid_output", f"{where}: {first.get('msg')}"[:200]) from exc
    for slot, values in enums.items():
        value = getattr(understanding.slots, slot, None)
        if value is not None and value not in values:
            raise LlmFailure("invalid_output", f"{slot} {value!r} is not in the catalog")
    return understanding


class LlmUnderstander:
    """`Understander` over an OpenAI-compatible endpoint; ``fallback`` answers whenever it cannot."""

    def __init__(self, client: ChatClient, fallback: Understander, *, budget_ms: float,
                 breaker: Breaker | None = None) -> None:
        self.client = client
        self.fallback = fallback
        self.budget_s = budget_ms / 1000.0
        self.breaker = breaker or Breaker()
        self._prepared: tuple[Vocabulary, dict[str, Any], str, dict[str, list[str]]] | None = None

    def _prepare(self, vocab: Vocabulary) -> tuple[dict[str, Any], str, dict[str, list[str]]]:
        """Schema, system prompt and catalog enums, built once per vocabulary."""
        if self._prepared is None or self._prepared[0] is not vocab:
            schema = understanding_schema(vocab)
            self._prepared = (vocab, schema, system_prompt(schema, vocab), catalog_enums(vocab))
        _, schema, system, enums = self._prepared
        return schema, system, enums

    async def ask(self, text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
        """Only the LLM (no fallback): `LlmFailure` or `TimeoutError` when it gives no valid answer."""
        schema, system, enums = self._prepare(vocab)
        async with asyncio.timeout(self.budget_s):
            raw = await self.client.complete_json(build_messages(system, text, state), schema)
        return parse_understanding(raw, enums)

    async def understand(self, text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
        started = time.perf_counter()
        detail = ""
        try:
            if not self.breaker.allows():
                raise LlmFailure(CIRCUIT_OPEN, f"{self.breaker.threshold} endpoint failures in a row")
            understanding = await self.ask(text, state, vocab)
        except TimeoutError:
            reason = "timeout"
        except LlmFailure as failure:
            reason, detail = failure.reason, failure.detail
        except Exception as exc:  # a bug or an odd answer must cost one turn's quality, never the turn
            reason, detail = "error", repr(exc)[:200]
        else:
            self.breaker.record(None)
            ms = _elapsed_ms(started)
            LLM_MS.labels(outcome="ok").observe(ms)
            _note("llm", None, ms)
            return understanding
        if reason != CIRCUIT_OPEN:
            self.breaker.record(reason)
        ms = _elapsed_ms(started)
        LLM_MS.labels(outcome="fallback").observe(ms)
        FALLBACKS.labels(reason=reason).inc()
        log.warning("understanding.llm_fallback", reason=reason, detail=detail, llm_ms=ms,
                    budget_ms=round(self.budget_s * 1000.0))
        _note("rules", reason, ms)
        return await self.fallback.understand(text, state, vocab)

    async def aclose(self) -> None:
        await self.client.aclose()


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)


def build_understander(settings: Settings, fallback: Understander) -> LlmUnderstander | None:
    """The LLM understander when ``SHEPHERD_LLM_BASE_URL`` is set, else None (rules only)."""
    if not settings.llm_base_url:
        return None
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    endpoint = ChatEndpoint(
        base_url=settings.llm_base_url, model=settings.llm_model, api_key=api_key,
        mode=settings.llm_mode, max_tokens=settings.llm_max_tokens,
    )
    log.info("understanding.llm_enabled", base_url=settings.llm_base_url, model=settings.llm_model,
             mode=settings.llm_mode, budget_ms=settings.llm_timeout_ms)
    breaker = Breaker(settings.llm_breaker_failures, settings.llm_breaker_cooldown_s)
    return LlmUnderstander(ChatClient(endpoint), fallback, budget_ms=settings.llm_timeout_ms, breaker=breaker)
