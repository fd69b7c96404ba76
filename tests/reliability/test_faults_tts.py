"""ElevenLabs failing mid-conversation (issue #8, faults): the reply still plays, in Piper's voice,
within the same turn, through the real server path (websocket → dialogue → FallbackTts → pacing).

The ElevenLabs endpoint is the local fake (tests/audio/fake_elevenlabs.py) answering 5xx, hanging
before the first byte, or closing the stream mid-way; the fallback is the real Piper voice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from audio.tts import FallbackTts, split_clauses
from tests.audio.fake_elevenlabs import API_KEY, FakeElevenLabs
from tests.reliability.conftest import LiveServer, StartServer
from tests.reliability.faults_support import audio_bytes_after, guest_token, ping, serve, text_turn
from tests.voice.client import VoiceClient
from voice_server.voice.speech_engines import build_tts

OUT_RATE = 16000


@pytest.fixture
async def eleven() -> AsyncIterator[tuple[FakeElevenLabs, str]]:
    fake = FakeElevenLabs(hang_s=6.0)
    runner, url = await serve(fake.app())
    yield fake, url
    await runner.cleanup()


async def _server_with_elevenlabs(start_server: StartServer, url: str) -> LiveServer:
    server = await start_server(elevenlabs_api_key=SecretStr(API_KEY), elevenlabs_base_url=url,
                                tts_first_byte_timeout_s=1.5)
    server.state.tts = await asyncio.to_thread(build_tts, server.settings)
    assert isinstance(server.state.tts, FallbackTts)
    return server


async def _piper_ms(tts: FallbackTts, text: str) -> float:
    total = 0
    for clause in split_clauses(text) or [text]:
        async for pcm in tts.fallback.stream(clause):
            total += len(pcm)
    return total / 2 / tts.fallback.sample_rate * 1000


@pytest.mark.parametrize(("mode", "reason"), [
    ("500", "http_500"), ("hang", "first_byte_timeout"), ("close_mid_stream", "network"),
])
async def test_reply_falls_back_to_piper_within_the_turn(
    start_server: StartServer, eleven: tuple[FakeElevenLabs, str], mode: str, reason: str
) -> None:
    fake, url = eleven
    server = await _server_with_elevenlabs(start_server, url)
    tts: FallbackTts = server.state.tts
    _, token = await guest_token(server.state.pool, server.settings.token_key())
    client = VoiceClient(await server.client.ws_connect("/ws/voice", max_msg_size=0))
    client.start_reading()
    await client.hello(token, out_rate=OUT_RATE)

    fake.modes = [mode]
    turn = await text_turn(client, "show me black dresses")
    assert turn["reply"] is not None and turn["reply"]["text"], turn
    assert turn["errors"] == [], "the shopper must not see the primary voice's failure"
    assert turn["audio_end"]["reason"] == "complete", turn["audio_end"]
    assert fake.requests, "ElevenLabs was not even tried"
    assert tts.fallbacks[reason] == 1, tts.fallbacks

    # the whole reply was spoken, by Piper, in this turn: as long as Piper alone takes to say it
    spoken_ms = turn["audio_end"]["duration_ms"]
    expected_ms = await _piper_ms(tts, turn["reply"]["text"])
    assert spoken_ms >= 0.9 * expected_ms, (spoken_ms, expected_ms)
    received_ms = audio_bytes_after(client, turn["turn_id"]) / 2 / OUT_RATE * 1000
    assert received_ms >= 0.9 * expected_ms, (received_ms, expected_ms)

    await ping(client, "after-fallback")  # the session is fine; the next turn works too
    nxt = await text_turn(client, "show me cheaper ones")
    assert nxt["reply"] is not None and nxt["audio_end"]["reason"] == "complete" and not nxt["errors"]
    await client.close()
