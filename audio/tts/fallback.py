"""Primary TTS with a fallback that takes over the rest of the reply when the primary fails."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator

from audio.pcm import Resampler
from audio.tts.base import TtsEngine, TtsError
from audio.tts.clauses import split_clauses


class FallbackTts:
    """Speak each clause with `primary`; on error, 5xx, first-byte timeout or a stalled stream,
    speak the unfinished clauses with `fallback` (resampled to the primary's rate).

    Clauses already spoken are never repeated; a clause cut mid-way is re-spoken by the fallback.
    After a failure the primary is skipped for `cooldown_s` so every turn does not pay the timeout.
    """

    def __init__(
        self,
        primary: TtsEngine,
        fallback: TtsEngine,
        first_byte_timeout_s: float = 1.5,
        chunk_timeout_s: float = 2.0,
        cooldown_s: float = 30.0,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.first_byte_timeout_s = first_byte_timeout_s
        self.chunk_timeout_s = chunk_timeout_s
        self.cooldown_s = cooldown_s
        self.name = f"{primary.name}+{fallback.name}"
        self.sample_rate = primary.sample_rate
        self.fallbacks: Counter[str] = Counter()
        """How often the fallback took over, by reason ("http_500", "first_byte_timeout", ...)."""
        self.last_error: str | None = None
        self._primary_down_until = 0.0

    def close(self) -> None:
        """Close both engines."""
        self.primary.close()
        self.fallback.close()

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        """Yield pcm_s16le at `sample_rate` for `text`, switching engines at most once."""
        clauses = split_clauses(text)
        index = 0
        if time.monotonic() >= self._primary_down_until:
            while index < len(clauses):
                try:
                    async for pcm in self._primary_clause(clauses[index]):
                        yield pcm
                except TtsError as exc:
                    self._record(exc.reason, str(exc))
                    break
                index += 1
        if index < len(clauses):
            async for pcm in self._fallback_stream(" ".join(clauses[index:])):
                yield pcm

    async def _primary_clause(self, clause: str) -> AsyncIterator[bytes]:
        chunks = aiter(self.primary.stream(clause))
        timeout, label = self.first_byte_timeout_s, "first_byte_timeout"
        try:
            while True:
                try:
                    async with asyncio.timeout(timeout):
                        pcm = await anext(chunks)
                except StopAsyncIteration:
                    return
                except TimeoutError as exc:
                    raise TtsError(label) from exc
                except TtsError:
                    raise
                except Exception as exc:
                    raise TtsError("primary_error", repr(exc)) from exc
                timeout, label = self.chunk_timeout_s, "stalled"
                yield pcm
        finally:
            with contextlib.suppress(Exception):
                await chunks.aclose()  # type: ignore[attr-defined]  # TtsEngine.stream is typed AsyncIterator; every engine's is an async generator, which has aclose()

    async def _fallback_stream(self, text: str) -> AsyncIterator[bytes]:
        resampler = Resampler(self.fallback.sample_rate, self.sample_rate)
        async for pcm in self.fallback.stream(text):
            out = resampler.process(pcm)
            if out:
                yield out
        tail = resampler.flush()
        if tail:
            yield tail

    def _record(self, reason: str, detail: str) -> None:
        self.fallbacks[reason] += 1
        self.last_error = detail
        self._primary_down_until = time.monotonic() + self.cooldown_s
