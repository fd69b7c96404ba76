"""No unauthenticated socket holds resources (docs/protocol.md "Handshake", docs/security.md).

Before `ready` the only frame the server takes is a valid `hello`: audio, any other message or bad
JSON closes the socket at once with 4400. One peer address may hold at most
`SHEPHERD_MAX_PENDING_HANDSHAKES` sockets that have not sent `hello`; more are refused with
`too_many_handshakes`, close 4429. Runs on its own app without speech models.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.reliability.conftest import LiveServer, StartServer
from tests.voice.client import VoiceClient, client_opener, silence
from voice_server.voice.websocket import registry_of

AT_ONCE_S = 5.0  # "at once": far below the 10 s handshake timeout, even on a loaded 2-core machine


async def _sessions_gone(server: LiveServer) -> None:
    registry = registry_of(server.state)
    for _ in range(100):
        if len(registry) == 0 and len(registry.pending) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(registry)} sessions, {len(registry.pending)} pending handshakes left")


async def _refused(client: VoiceClient, code: str, close_code: int) -> None:
    started = time.monotonic()
    error = await client.wait_for("error", within=AT_ONCE_S)
    assert (error["code"], error["fatal"], error["close_code"]) == (code, True, close_code), error
    assert await client.wait_closed(within=AT_ONCE_S) == close_code
    assert time.monotonic() - started < AT_ONCE_S


@pytest.fixture
async def server(start_server: StartServer) -> LiveServer:
    return await start_server(max_pending_handshakes=2)


async def test_audio_before_hello_closes_4400_at_once(server: LiveServer) -> None:
    async with client_opener(server.client) as connect:
        client = await connect()
        await client.ws.send_bytes(silence(20, 16000))
        await _refused(client, "audio_before_hello", 4400)
        assert client.kinds() == ["error"]  # nothing else: no ready, no second error
    await _sessions_gone(server)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('{"type": "text", "text": "show me my cart"}', "message_before_hello"),
        ('{"type": "ping", "id": 1}', "message_before_hello"),
        ("{oops", "bad_json"),
        ('{"type": "dance"}', "unknown_type"),
    ],
)
async def test_any_other_message_before_hello_closes_4400(server: LiveServer, frame: str, code: str) -> None:
    async with client_opener(server.client) as connect:
        client = await connect()
        await client.ws.send_str(frame)
        await _refused(client, code, 4400)
    await _sessions_gone(server)


async def test_too_many_pending_handshakes_from_one_address_are_refused_4429(server: LiveServer) -> None:
    registry = registry_of(server.state)
    assert registry.pending.limit_per_address == 2 == server.settings.max_pending_handshakes
    async with client_opener(server.client) as connect:
        silent = [await connect(), await connect()]  # upgraded, no hello: both slots of 127.0.0.1
        for _ in range(100):
            if registry.pending.count("127.0.0.1") == 2:
                break
            await asyncio.sleep(0.02)
        assert registry.pending.count("127.0.0.1") == 2
        third = await connect()
        await _refused(third, "too_many_handshakes", 4429)
        # a frame frees its socket's slot (here a hello without a token: refused 4401) ...
        await silent[0].send(type="hello")
        await _refused(silent[0], "unauthorized", 4401)
        # ... so the address may open another socket, which is taken and times out or says hello as usual
        fourth = await connect()
        await fourth.send(type="hello")
        await _refused(fourth, "unauthorized", 4401)
        assert not silent[1].ws.closed and silent[1].kinds() == []
    await _sessions_gone(server)
