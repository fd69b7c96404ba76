"""A bounded LRU cache of synthesised speech, and a `TtsEngine` wrapper that uses it.

Replies repeat phrases ("Added to your cart.", "Sorry, I didn't catch that. Could you say it again?",
the same product names): a hit costs no synthesis at all. Entries are keyed by (text, voice, rate):
`voice` names the engine and voice, `rate` the speaking rate and sample rate, so audio is never
reused across voices or speeds.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

from audio.tts.base import TtsEngine

CacheKey = tuple[str, str, str]


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0


class SpeechCache:
    """LRU of `key -> PCM chunks`, bounded by total bytes; a clip larger than a quarter of the
    budget is not kept (one long reply must not flush every short phrase)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.stats = CacheStats()
        self._entries: OrderedDict[CacheKey, tuple[bytes, ...]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> tuple[bytes, ...] | None:
        chunks = self._entries.get(key)
        if chunks is None:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return chunks

    def put(self, key: CacheKey, chunks: tuple[bytes, ...]) -> None:
        size = sum(len(c) for c in chunks)
        if size == 0 or size > self.max_bytes // 4 or key in self._entries:
            return
        self._entries[key] = chunks
        self.bytes += size
        while self.bytes > self.max_bytes and self._entries:
            _, old = self._entries.popitem(last=False)
            self.bytes -= sum(len(c) for c in old)
            self.stats.evictions += 1


class CachingTts:
    """`TtsEngine` that answers repeated texts from a `SpeechCache` and streams the rest from `inner`
    (what `inner` streamed is kept only when it finished without error)."""

    def __init__(self, inner: TtsEngine, cache: SpeechCache, voice: str, rate: float = 1.0) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.sample_rate = inner.sample_rate
        self.voice = voice
        self.rate = rate

    def key(self, text: str) -> CacheKey:
        return (" ".join(text.split()), self.voice, f"{self.rate:g}@{self.sample_rate}")

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        key = self.key(text)
        cached = self.cache.get(key)
        if cached is not None:
            for chunk in cached:
                yield chunk
            return
        chunks: list[bytes] = []
        async for chunk in self.inner.stream(text):
            chunks.append(chunk)
            yield chunk
        self.cache.put(key, tuple(chunks))

    def close(self) -> None:
        self.inner.close()
