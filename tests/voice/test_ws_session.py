"""Session behaviour over a real websocket: auth, typed errors, limits, interruption, resume, slow clients."""

from __future__ import annotations

import asyncio
import time

from tests.voice.client import load_pcm, silence
from voice_server.voice.websocket import registry_of

LONG_TEXT = "show me long black dresses"


def binary_after(client, index: int) -> list:
    return [i for i in client.log[index + 1 :] if i.kind == "binary"]


async def test_missing_and_bad_token_close_4401(connect) -> None:
    for token in (None, "not-a-token"):
        client = await connect()
        await client.send(type="hello", token=token)
        error = await client.wait_for("error")
        assert error["code"] == "unauthorized" and error["fatal"] and error["close_code"] == 4401
        assert await client.wait_closed() == 4401


async def test_unsupported_rate_closes_4400(connect, guest_token) -> None:
    client = await connect()
    await client.send(type="hello", token=guest_token, input={"sample_rate": 22050})
    assert (await client.wait_for("error"))["code"] == "unsupported_format"
    assert await client.wait_closed() == 4400


async def test_handshake_timeout_4408(connect, voice_state) -> None:
    registry = registry_of(voice_state)
    saved = registry.options
    registry.options = saved.model_copy(update={"hello_timeout_s": 0.5})
    try:
        client = await connect()  # says nothing (any frame but hello would close 4400 at once)
        error = await client.wait_for("error")
        assert (error["code"], error["close_code"]) == ("handshake_timeout", 4408)
        assert await client.wait_closed() == 4408
    finally:
        registry.options = saved


async def test_typed_errors_keep_session_alive(connect, guest_token) -> None:
    client = await connect()
    await client.hello(guest_token)
    await client.ws.send_str("{oops")
    await client.send(type="dance")
    await client.ws.send_bytes(b"\x00\x00\x00")
    await client.send(type="ping", id=1)
    await client.wait_for("pong", id=1)
    codes = [m["code"] for m in client.messages("error")]
    assert codes == ["bad_json", "unknown_type", "bad_frame"]
    assert not client.ws.closed


async def test_oversize_message_closes_1009(connect, guest_token, settings) -> None:
    client = await connect()
    await client.hello(guest_token)
    await client.ws.send_bytes(b"\x00" * (settings.max_message_bytes + 2))
    assert await client.wait_closed() == 1009


async def test_server_full_4503(connect, guest_token, settings, voice_state) -> None:
    first = await connect()
    await first.hello(guest_token)
    saved = settings.max_sessions
    settings.max_sessions = len(registry_of(voice_state))
    try:
        client = await connect()
        assert (await client.wait_for("error"))["code"] == "server_full"
        assert await client.wait_closed() == 4503
    finally:
        settings.max_sessions = saved


async def test_full_node_refuses_at_hello_and_readyz_says_so(connect, guest_token, settings, voice_app) -> None:
    """Admission control (voice_server.platform.capacity): with room for one talking shopper, a second new session is
    refused at hello (server_full, 4503, retry hint), /readyz answers 503 "full" and the gauge reads 0."""
    saved = settings.max_talking_sessions
    assert (await voice_app.get("/readyz")).status == 200
    try:
        settings.max_talking_sessions = 1
        first = await connect()
        await first.hello(guest_token)
        await first.send(type="text", text="hello")  # a turn: the session now counts as talking
        await first.wait_for("reply", within=60)
        client = await connect()
        await client.send(type="hello", token=guest_token, input={"sample_rate": 16000},
                          output={"sample_rate": 16000})
        error = await client.wait_for("error")
        assert (error["code"], error["fatal"], error["close_code"]) == ("server_full", True, 4503)
        assert error["retry_after_s"] == settings.admission_retry_after_s
        assert await client.wait_closed() == 4503
        response = await voice_app.get("/readyz")
        body = await response.json()
        assert response.status == 503 and body["status"] == "full"
        assert body["checks"]["capacity"] == {
            "ok": False, "free": 0, "reason": "talking", "retry_after_s": settings.admission_retry_after_s
        }
        assert "shepherd_voice_free_capacity 0.0" in await (await voice_app.get("/metrics")).text()
        settings.max_talking_sessions = 2  # room again: admitted
        again = await connect()
        assert (await again.hello(guest_token))["type"] == "ready"
    finally:
        settings.max_talking_sessions = saved
    response = await voice_app.get("/readyz")
    assert response.status == 200 and (await response.json())["checks"]["capacity"]["ok"]


async def test_typed_turn_and_resume(connect, guest_token) -> None:
    client = await connect()
    ready = await client.hello(guest_token, out_rate=8000)
    await client.send(type="text", text="show me black dresses")
    reply = await client.wait_for("reply")
    assert reply["conversation_id"] == ready["conversation_id"] and reply["text"]
    end = await client.wait_for("audio_end", within=90)
    assert end["reason"] == "complete" and end["duration_ms"] > 300
    metrics = await client.wait_for("metrics")
    assert metrics["nlu_ms"] is not None and metrics["voice_to_voice_ms"] is not None
    await client.send(type="bye")
    assert await client.wait_closed() == 1000

    again = await connect()
    await again.send(type="hello", resume_token=ready["resume_token"])
    resumed = await again.wait_for("ready")
    assert resumed["resumed"] and resumed["conversation_id"] == ready["conversation_id"]


async def test_cancel_stops_audio(connect, guest_token) -> None:
    client = await connect()
    await client.hello(guest_token)
    await client.send(type="text", text=LONG_TEXT)
    start = await client.wait_for("audio_start", within=90)
    await client.wait_for("binary", within=30)
    await client.send(type="cancel")
    interruption = await client.wait_for("interruption")
    assert interruption["turn_id"] == start["turn_id"] and interruption["reason"] == "cancel"
    await asyncio.sleep(0.8)
    index = next(i for i, r in enumerate(client.log) if r.kind == "interruption")
    assert binary_after(client, index) == []
    assert not [m for m in client.messages("audio_end") if m["turn_id"] == start["turn_id"]]


async def test_barge_in_interrupts_reply(connect, guest_token, voice_state) -> None:
    client = await connect()
    await client.hello(guest_token)
    await client.send(type="text", text=LONG_TEXT)
    start = await client.wait_for("audio_start", within=90)
    await client.wait_for("binary", within=30)
    await asyncio.sleep(0.6)  # past the echo guard
    speech = load_pcm("puma_sneakers_piper_16k.wav", 16000) + silence(1200, 16000)
    sender = asyncio.create_task(client.stream(speech, 16000))
    interruption = await client.wait_for("interruption", within=30)
    assert interruption["turn_id"] == start["turn_id"] and interruption["reason"] == "barge_in"
    assert interruption["played_ms"] > 0
    index = next(i for i, r in enumerate(client.log) if r.kind == "interruption")
    started = await client.wait_for("speech_started")
    assert started["turn_id"] > start["turn_id"]
    await sender
    await client.wait_for("transcript", final=True, turn_id=started["turn_id"], within=60)
    # no audio of the interrupted turn after the interruption: only the next turn's, after its audio_start
    later = client.log[index + 1 :]
    first_start = next((k for k, r in enumerate(later) if r.kind == "audio_start"), len(later))
    assert [r for r in later[:first_start] if r.kind == "binary"] == []


async def test_slow_client_does_not_delay_others_and_is_freed(connect, guest_token, voice_state) -> None:
    registry = registry_of(voice_state)
    slow = await connect(read=False)
    await slow.send(type="hello", token=guest_token, output={"sample_rate": 48000})  # never reads
    await slow.send(type="text", text=LONG_TEXT)
    await asyncio.sleep(1.0)
    fast = await connect()
    await fast.hello(guest_token)
    t0 = time.monotonic()
    await fast.send(type="text", text="show me jeans")
    await fast.wait_for("audio_start", within=60)
    elapsed = time.monotonic() - t0
    assert elapsed < 30, elapsed
    sessions = set(registry.sessions)
    await slow.ws.close()
    for _ in range(100):
        if len(registry.sessions) < len(sessions):
            break
        await asyncio.sleep(0.1)
    gone = sessions - registry.sessions
    assert len(gone) == 1
    assert all(s.live_tasks() == 0 for s in gone)
