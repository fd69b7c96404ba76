"""Faults over a real socket: ASR failure → spoken apology; a client that never reads → close 4429."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from prometheus_client import REGISTRY

from tests.voice.client import load_pcm, silence
from voice_server.voice.session import APOLOGY
from voice_server.voice.websocket import registry_of

pytestmark = pytest.mark.slow


class FailingEngine:
    """Wraps the real WhisperEngine; every decode raises RuntimeError while `armed`."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.armed = True
        self.failures = 0

    def transcribe_batch(self, audios: Sequence[np.ndarray], hotwords: Sequence[str | None]) -> list[Any]:
        if self.armed:
            self.failures += 1
            raise RuntimeError("injected ASR failure")
        return self.engine.transcribe_batch(audios, hotwords)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


async def test_asr_failure_is_apologised_for_and_the_session_lives_on(
    connect, guest_token, voice_state
) -> None:
    client = await connect()
    await client.hello(guest_token)
    transcriber = voice_state.asr
    failing = FailingEngine(transcriber.engine)
    transcriber.engine = failing
    try:
        pcm = load_pcm("black_dresses_piper_16k.wav", 16000) + silence(1200, 16000)
        await client.stream(pcm, 16000, realtime=False)
        started = await client.wait_for("speech_started", within=30)
        error = await client.wait_for("error", within=120, code="asr_failed")
        assert error["turn_id"] == started["turn_id"] and not error.get("fatal")
        reply = await client.wait_for("reply", within=60, turn_id=started["turn_id"])
        assert reply["text"] == APOLOGY and reply["intent"] == "unknown"
        end = await client.wait_for("audio_end", within=90, turn_id=started["turn_id"])
        assert end["reason"] == "complete" and end["duration_ms"] > 500  # the apology is spoken
        assert failing.failures >= 1
        assert not client.messages("transcript")  # no made-up transcript
    finally:
        transcriber.engine = failing.engine
    # the session (and the shared transcriber) keep working
    await client.stream(pcm, 16000, realtime=False)
    final = await client.wait_for("transcript", final=True, within=120)
    assert "dress" in final["text"].lower()
    assert (await client.wait_for("reply", within=60, turn_id=final["turn_id"]))["intent"] == "search"


def _errors(code: str) -> float:
    return REGISTRY.get_sample_value("shepherd_voice_errors_total", {"code": code}) or 0.0


async def test_a_client_that_never_reads_is_closed_4429_and_others_are_unaffected(
    connect, guest_token, voice_state
) -> None:
    registry = registry_of(voice_state)
    fast = await connect()
    await fast.hello(guest_token)
    before = set(registry.sessions)
    slow = await connect(read=False)  # never reads: its socket buffers fill up
    await slow.send(type="hello", token=guest_token)
    for _ in range(600):
        new = [s for s in registry.sessions - before if s.negotiated is not None]
        if new:
            break
        await asyncio.sleep(0.05)
    (victim,) = new
    slow_errors = _errors("slow_client")

    async def flood() -> int:
        """Pings with 64 KiB ids: every pong is as big; stop once the server gave up on us."""
        sent = 0
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            while victim.close_code is None and sent < 2000:
                await asyncio.wait_for(slow.ws.send_str(json.dumps({"type": "ping", "id": "x" * 65536})), 10)
                sent += 1
                if sent % 8 == 0:
                    await asyncio.sleep(0)
        return sent

    async def fast_turn() -> dict:
        await fast.send(type="text", text="show me jeans")
        await fast.wait_for("reply", within=120)
        return await fast.wait_for("audio_end", within=120)

    sent, end = await asyncio.gather(flood(), fast_turn())
    for _ in range(300):
        if victim.close_code is not None and victim not in registry.sessions:
            break
        await asyncio.sleep(0.05)
    assert victim.close_code == 4429, (victim.close_code, sent)
    assert victim not in registry.sessions and victim.live_tasks() == 0  # everything freed
    assert _errors("slow_client") >= slow_errors + 1
    assert end["reason"] == "complete"  # the other session was served normally meanwhile
    await fast.send(type="ping", id="still-here")
    await fast.wait_for("pong", id="still-here")


async def test_a_dead_peer_is_dropped_after_an_unanswered_ping_and_a_live_one_is_not(
    connect, guest_token, voice_state
) -> None:
    """The session's keepalive (aiohttp's per-chunk heartbeat is off): a client silent for heartbeat_s is
    pinged; one that answers (aiohttp answers pings while it reads) stays, one that never reads is dropped."""
    registry = registry_of(voice_state)
    options = registry.options
    registry.options = options.model_copy(update={"heartbeat_s": 0.4})
    try:
        live = await connect()
        await live.hello(guest_token)
        before = set(registry.sessions)
        dead = await connect(read=False)
        await dead.send(type="hello", token=guest_token)
        for _ in range(600):
            new = [s for s in registry.sessions - before if s.negotiated is not None]
            if new:
                break
            await asyncio.sleep(0.05)
        (victim,) = new
        (alive,) = [s for s in before if s.negotiated is not None and s.options.heartbeat_s == 0.4]
        for _ in range(100):
            if victim not in registry.sessions:
                break
            await asyncio.sleep(0.05)
        assert victim not in registry.sessions and victim.live_tasks() == 0
        assert alive in registry.sessions  # silent as long, but it answered the pings
        await live.send(type="ping", id="still-here")
        await live.wait_for("pong", id="still-here")
    finally:
        registry.options = options
