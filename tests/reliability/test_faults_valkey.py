"""Valkey restarted for real in the middle of a conversation (issue #8, faults).

The server runs against a private valkey-server (AOF on). Mid-conversation the process is shut
down: the turn during the outage gets a typed error on the open websocket (no crash, the session
keeps answering); once the same server is started again on the same port, the conversation goes
on with its dialogue context intact, on the same socket and after a resume with the resume token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.reliability.conftest import LiveServer, StartServer
from tests.reliability.faults_support import RestartableValkey, eventually, guest_token, ping, text_turn
from tests.voice.client import VoiceClient
from voice_server.conversation.context_store import ContextStore
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.voice.session import FAILED_APOLOGY
from voice_server.voice.speech_engines import build_tts


@pytest.fixture
def private_valkey(tmp_path: Path) -> Iterator[RestartableValkey]:
    server = RestartableValkey(tmp_path)
    server.start()
    yield server
    server.embedded.stop()


async def _connect(server: LiveServer, **hello: Any) -> tuple[VoiceClient, dict[str, Any]]:
    ws = await server.client.ws_connect("/ws/voice", max_msg_size=0)
    client = VoiceClient(ws)
    client.start_reading()
    ready = await client.hello(**hello)
    return client, ready


async def _state(server: LiveServer, conversation_id: str) -> DialogueState | None:
    return await ContextStore(server.state.valkey).load(conversation_id)


@pytest.mark.parametrize("how", ["shutdown", "crash"])
async def test_valkey_restart_mid_conversation(
    start_server: StartServer, private_valkey: RestartableValkey, how: str
) -> None:
    server = await start_server(valkey_url=SecretStr(private_valkey.url))
    server.state.tts = await asyncio.to_thread(build_tts, server.settings)  # Piper, no Whisper needed
    _, token = await guest_token(server.state.pool, server.settings.token_key())
    client, ready = await _connect(server, token=token)
    cid = ready["conversation_id"]

    first = await text_turn(client, "show me black dresses")
    assert first["reply"] is not None and first["reply"]["intent"] == "search", first
    assert first["reply"]["products"], "the search found nothing"
    before = await _state(server, cid)
    assert before is not None and before.turn == 1

    if how == "crash":  # AOF is fsynced every second: give it that second, then SIGKILL
        await eventually(lambda: _aof_mentions(private_valkey, cid), 30, "AOF holds the conversation")
        private_valkey.kill()
    else:
        private_valkey.stop()
    assert not private_valkey.is_up()

    during = await text_turn(client, "only under 50 dollars")
    assert [e["code"] for e in during["errors"]] == ["turn_failed"], during
    assert during["reply"] is not None and during["reply"]["text"] == FAILED_APOLOGY, during
    assert during["audio_end"]["duration_ms"] > 0  # the apology is spoken, not just sent
    assert not client.ws.closed
    await ping(client, "during-outage")

    private_valkey.restart_same_port()
    after_restart = await _state(server, cid)
    assert after_restart == before, "the dialogue context did not survive the restart"

    # the same socket continues: the refinement applies to the black dresses of turn 1
    second = await text_turn(client, "show me cheaper ones")
    assert second["reply"] is not None, second
    assert second["reply"]["payload"]["turn"] == 2
    state = await _state(server, cid)
    assert state is not None and state.turn == 2 and state.revision == before.revision + 1

    # and a new socket resumes the same conversation with the resume token
    await client.close()
    resumed, again = await _connect(server, token=None, resume_token=ready["resume_token"])
    assert again["resumed"] is True and again["conversation_id"] == cid
    third = await text_turn(resumed, "show me the first one")
    assert third["reply"] is not None and third["reply"]["payload"]["turn"] == 3, third
    await resumed.close()


def _aof_mentions(server: RestartableValkey, conversation_id: str) -> bool:
    return any(conversation_id.encode() in path.read_bytes()
               for path in server.embedded.dir.rglob("*.aof") if path.is_file())
