"""Speculative turns and adaptive endpointing over a real websocket (real Whisper, Piper, dialogue).

The client controls the stream clock: it sends speech, then a little silence, and waits (without
sending) until the server's speculation has judged the transcript. Whatever the machine's speed,
the endpointer has then heard exactly the silence sent so far, so the early end (or its absence)
is decided by stream time, not by wall-clock luck.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY

from audio.pcm import resample_pcm16
from tests.voice.client import VoiceClient, load_pcm, silence, trimmed
from voice_server.platform.app_state import AppState
from voice_server.voice.session import VoiceSession
from voice_server.voice.speech_engines import local_voice
from voice_server.voice.websocket import registry_of

pytestmark = pytest.mark.slow
RATE = 16000


def speculative_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("shepherd_asr_speculative_total", {"outcome": outcome}) or 0.0


async def until(predicate: Callable[[], bool], within: float = 180.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def server_session(state: AppState, ready: dict[str, Any]) -> VoiceSession:
    return next(s for s in registry_of(state).sessions if s.session_id == ready["session_id"])


async def speak_and_wait_for_verdict(
    client: VoiceClient, session: VoiceSession, speech: bytes, pause_ms: int
) -> Any:
    """Send speech + `pause_ms` of silence (past the possible end), then wait for the verdict."""
    await client.stream(silence(300, RATE) + speech + silence(pause_ms, RATE), RATE, realtime=False)
    await until(lambda: session.speculation_verdict is not None, what="a verdict")
    return session.speculation_verdict


async def test_complete_request_ends_early_and_commits_the_speculation(
    connect, guest_token, voice_state
) -> None:
    client = await connect()
    ready = await client.hello(guest_token)
    session = server_session(voice_state, ready)
    early, committed = speculative_count("early_end"), speculative_count("committed")
    speech = trimmed(load_pcm("black_dresses_piper_16k.wav", RATE), RATE)

    verdict = await speak_and_wait_for_verdict(client, session, speech, 300)
    assert verdict.complete, verdict
    assert session.endpointer.in_speech  # 300 ms of silence: not ended yet
    await client.stream(silence(150, RATE), RATE, realtime=False)  # 450 ms in all, < 700 ms
    ended = await client.wait_for("speech_ended", within=30)
    assert ended["reason"] == "silence"
    assert speculative_count("early_end") == early + 1

    final = await client.wait_for("transcript", final=True, within=60)
    reply = await client.wait_for("reply", within=60)
    assert final["turn_id"] == reply["turn_id"] == ended["turn_id"]
    assert "dress" in final["text"].lower() and reply["intent"] == "search" and reply["products"]
    end = await client.wait_for("audio_end", within=90)
    assert end["reason"] == "complete" and end["duration_ms"] > 500
    metrics = await client.wait_for("metrics")
    assert metrics["speculative_hit"] is True
    assert speculative_count("committed") == committed + 1
    state = await voice_state.services.conversation.load_state(ready["conversation_id"])
    assert state.turn == 1 and state.last_intent == "search"  # committed exactly once


async def test_no_request_waits_for_the_full_silence(connect, guest_token, voice_state) -> None:
    client = await connect()
    ready = await client.hello(guest_token)
    session = server_session(voice_state, ready)
    piper = local_voice(voice_state.tts)
    assert piper is not None
    speech = resample_pcm16(piper.synthesize("The weather is lovely today."), piper.sample_rate, RATE)
    verdict = await speak_and_wait_for_verdict(client, session, trimmed(speech, RATE), 300)
    assert not verdict.complete, verdict
    await client.stream(silence(250, RATE), RATE, realtime=False)  # 550 ms: an early end would fire
    ep = session.endpointer
    await until(lambda: not ep.in_speech or ep.trailing_silence_ms >= 500, what="the silence to arrive")
    assert ep.in_speech  # no early end: the turn is still open after 500+ ms of silence
    assert not client.messages("speech_ended")
    await client.stream(silence(300, RATE), RATE, realtime=False)  # past end_silence_ms
    await client.wait_for("speech_ended", within=30)
    await client.wait_for("reply", within=90)
    state = await voice_state.services.conversation.load_state(ready["conversation_id"])
    assert state.turn == 1


async def test_speech_resuming_discards_the_speculation(connect, guest_token, voice_state) -> None:
    client = await connect()
    await client.hello(guest_token)
    discarded = speculative_count("discarded")
    pcm = load_pcm("pause_inside_piper_16k.wav", RATE) + silence(1200, RATE)
    await client.stream(pcm, RATE)  # real time: the 500 ms pause inside is heard as it happens
    final = await client.wait_for("transcript", final=True, within=90)
    text = final["text"].lower()
    assert "size" in text and "medium" in text, text  # one turn, not cut at the pause
    assert len(client.messages("speech_started")) == 1
    assert speculative_count("discarded") >= discarded + 1
    await client.wait_for("reply", within=90)


async def test_the_end_of_turn_model_ends_a_finished_request_after_its_short_silence(
    connect, guest_token, voice_state
) -> None:
    """SHEPHERD_VOICE_TURN_MODEL=smart-turn: P(complete) alone ends the turn after 300 ms (< the text rule's 400)."""
    registry = registry_of(voice_state)
    saved = registry.options
    spec = saved.speculation.model_copy(update={"turn_model": True, "turn_model_end_ms": 300})
    registry.options = saved.model_copy(update={"speculation": spec})
    try:
        client = await connect()
        ready = await client.hello(guest_token)
    finally:
        registry.options = saved
    session = server_session(voice_state, ready)
    utterance = lambda: session.core.utterance  # noqa: E731
    speech = trimmed(load_pcm("black_dresses_piper_16k.wav", RATE), RATE)

    await client.stream(silence(300, RATE) + speech + silence(210, RATE), RATE, realtime=False)
    await until(lambda: (u := utterance()) is not None and u.p_complete is not None, what="P(complete)")
    u = utterance()
    assert u is not None and u.p_complete is not None and u.p_complete > 0.5
    assert session.endpointer.in_speech  # 210 ms of silence: not ended yet
    await client.stream(silence(120, RATE), RATE, realtime=False)  # 330 ms in all: past 300, before 400
    ended = await client.wait_for("speech_ended", within=30)
    assert ended["reason"] == "silence"
    reply = await client.wait_for("reply", within=90)
    assert reply["turn_id"] == ended["turn_id"] and reply["intent"] == "search"
