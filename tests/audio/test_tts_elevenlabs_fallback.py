"""ElevenLabsTts with the real SDK against tests/audio/fake_elevenlabs.py, and FallbackTts to Piper."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from audio.pcm import pcm16_to_float32, rms_dbfs
from audio.tts import ElevenLabsTts, FallbackTts, PiperTts, TtsError, split_clauses
from tests.audio.fake_elevenlabs import API_KEY, FakeElevenLabs, speech_like_pcm, start

REPLY = "I found a black Roadster dress for forty nine dollars. Shall I add it to your cart?"


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeElevenLabs, str]]:
    server = FakeElevenLabs(hang_s=5.0)
    runner, url = await start(server)
    yield server, url
    await runner.cleanup()


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_elevenlabs_streams_pcm_through_the_sdk(fake: tuple[FakeElevenLabs, str]) -> None:
    server, url = fake
    tts = ElevenLabsTts(API_KEY, "voice-42", base_url=url)
    chunks = [chunk async for chunk in tts.stream("Hello there")]
    assert len(chunks) > 1 and all(len(c) % 2 == 0 for c in chunks)
    assert b"".join(chunks) == speech_like_pcm("Hello there", 16000)
    assert server.requests == [
        {
            "voice_id": "voice-42",
            "text": "Hello there",
            "model_id": "eleven_flash_v2_5",
            "output_format": "pcm_16000",
        }
    ]


@pytest.mark.parametrize(("mode", "reason"), [("500", "http_500"), ("close_mid_stream", "network")])
async def test_elevenlabs_errors_are_typed(fake: tuple[FakeElevenLabs, str], mode: str, reason: str) -> None:
    server, url = fake
    server.modes = [mode]
    with pytest.raises(TtsError) as info:
        await collect(ElevenLabsTts(API_KEY, "v", base_url=url).stream(REPLY))
    assert info.value.reason == reason


async def test_wrong_key_is_an_error(fake: tuple[FakeElevenLabs, str]) -> None:
    with pytest.raises(TtsError) as info:
        await collect(ElevenLabsTts("wrong", "v", base_url=fake[1]).stream("Hi"))
    assert info.value.reason == "http_401"


def make_fallback(url: str, piper: PiperTts) -> FallbackTts:
    return FallbackTts(
        ElevenLabsTts(API_KEY, "v", base_url=url),
        piper,
        first_byte_timeout_s=0.5,
        chunk_timeout_s=0.5,
        cooldown_s=0.0,
    )


async def test_fallback_not_used_when_primary_is_healthy(
    fake: tuple[FakeElevenLabs, str], piper_tts: PiperTts
) -> None:
    _server, url = fake
    tts = make_fallback(url, piper_tts)
    audio = await collect(tts.stream(REPLY))
    assert audio == b"".join(speech_like_pcm(c, 16000) for c in split_clauses(REPLY))
    assert not tts.fallbacks and tts.last_error is None


@pytest.mark.parametrize(
    ("modes", "reason", "primary_clauses"),
    [
        (["500"], "http_500", 0),
        (["hang"], "first_byte_timeout", 0),
        (["close_mid_stream"], "network", 0),
        (["ok", "500"], "http_500", 1),
        (["ok", "close_mid_stream"], "network", 1),
    ],
)
async def test_fallback_takes_over_the_rest_of_the_reply(
    fake: tuple[FakeElevenLabs, str],
    piper_tts: PiperTts,
    modes: list[str],
    reason: str,
    primary_clauses: int,
) -> None:
    server, url = fake
    server.modes = list(modes)
    tts = make_fallback(url, piper_tts)
    started = time.perf_counter()
    pcm = await collect(tts.stream(REPLY))
    assert time.perf_counter() - started < 4.0  # a hang costs the first-byte timeout, not the server's 5 s
    assert tts.fallbacks == {reason: 1} and tts.last_error
    clauses = split_clauses(REPLY)
    assert len(server.requests) == primary_clauses + 1  # the primary is not asked again after failing
    # completed primary clauses come first, unrepeated; then Piper speaks the rest (resampled to 16 kHz)
    done = b"".join(speech_like_pcm(c, 16000) for c in clauses[:primary_clauses])
    assert pcm.startswith(done)
    rest = pcm16_to_float32(pcm[len(done) :])
    piper_only = await collect(piper_tts.stream(" ".join(clauses[primary_clauses:])))
    expected_s = len(piper_only) / 2 / piper_tts.sample_rate
    assert rest.size / 16000 >= expected_s * 0.9
    assert rms_dbfs(rest[-16000:]) > -40


async def test_cooldown_skips_a_failing_primary(
    fake: tuple[FakeElevenLabs, str], piper_tts: PiperTts
) -> None:
    server, url = fake
    server.modes = ["500"]
    tts = FallbackTts(ElevenLabsTts(API_KEY, "v", base_url=url), piper_tts, cooldown_s=60.0)
    await collect(tts.stream("Sure."))
    await collect(tts.stream("Anything else?"))
    assert len(server.requests) == 1 and tts.fallbacks["http_500"] == 1
    assert tts.sample_rate == 16000
