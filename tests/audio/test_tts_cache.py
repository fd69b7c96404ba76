"""audio.tts.cache: repeated phrases come from the LRU cache, byte for byte, without calling the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from audio.tts import CachingTts, SpeechCache, TtsEngine, TtsError


class CountingEngine:
    """A fake voice: deterministic PCM per text, counts its calls, fails on request."""

    name = "fake"
    sample_rate = 16000

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail = False

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        self.calls.append(text)
        yield text.encode().ljust(64, b"\0")
        if self.fail:
            raise TtsError("boom")
        yield bytes(range(64))

    def close(self) -> None:
        pass


async def collect(tts: TtsEngine, text: str) -> list[bytes]:
    return [chunk async for chunk in tts.stream(text)]


async def test_hit_returns_identical_audio_without_calling_the_engine() -> None:
    engine = CountingEngine()
    tts = CachingTts(engine, SpeechCache(1 << 20), voice="fake:a", rate=1.0)
    assert isinstance(tts, TtsEngine) and tts.sample_rate == 16000 and tts.name == "fake"
    first = await collect(tts, "Added to your cart.")
    again = await collect(tts, "Added  to your cart.")  # same words, other spacing
    assert again == first and engine.calls == ["Added to your cart."]
    assert (tts.cache.stats.hits, tts.cache.stats.misses) == (1, 1)


async def test_key_is_text_voice_and_rate() -> None:
    engine = CountingEngine()
    cache = SpeechCache(1 << 20)
    await collect(CachingTts(engine, cache, voice="fake:a", rate=1.0), "Hello.")
    await collect(CachingTts(engine, cache, voice="fake:b", rate=1.0), "Hello.")
    await collect(CachingTts(engine, cache, voice="fake:a", rate=1.2), "Hello.")
    await collect(CachingTts(engine, cache, voice="fake:a", rate=1.0), "Hello!")
    assert len(engine.calls) == 4 and len(cache) == 4


async def test_failed_synthesis_is_not_cached() -> None:
    engine = CountingEngine()
    tts = CachingTts(engine, SpeechCache(1 << 20), voice="fake:a")
    engine.fail = True
    with pytest.raises(TtsError):
        await collect(tts, "Sorry.")
    engine.fail = False
    await collect(tts, "Sorry.")
    assert len(engine.calls) == 2 and len(tts.cache) == 1


def test_lru_is_bounded_by_bytes() -> None:
    cache = SpeechCache(max_bytes=1000)
    for i in range(10):
        cache.put((f"t{i}", "v", "1"), (bytes(200),))
        cache.get(("t0", "v", "1"))  # t0 stays the most recently used
    assert cache.bytes <= 1000 and len(cache) == 5
    assert cache.get(("t0", "v", "1")) is not None and cache.get(("t1", "v", "1")) is None
    cache.put(("huge", "v", "1"), (bytes(600),))  # over a quarter of the budget: not kept
    assert cache.get(("huge", "v", "1")) is None and cache.stats.evictions == 5
