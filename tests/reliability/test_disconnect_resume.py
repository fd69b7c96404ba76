"""A client vanishing in the middle of a reply (issue #8, faults): the server frees everything the
session held (registry slot, tasks, queued audio) and the shopper resumes the same conversation,
context intact, with the resume token."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import LiveServer, OpenVoice, Shopper
from tests.reliability.faults_support import TURN_TIMEOUT_S, eventually, text_turn
from voice_server.conversation.context_store import ContextStore
from voice_server.voice.websocket import registry_of


@pytest.mark.parametrize("how", ["close", "drop"])
async def test_disconnect_mid_reply_frees_the_session_and_resume_works(
    live: LiveServer, voice: OpenVoice, shopper: Shopper, how: str
) -> None:
    registry = registry_of(live.state)
    client = await voice()
    ready = await client.hello(shopper.token)
    session = next(s for s in registry.sessions if s.session_id == ready["session_id"])
    others = len(registry) - 1

    await client.send(type="text", text="show me black dresses")
    reply = await client.wait_for("reply", TURN_TIMEOUT_S)
    await client.wait_for("binary", TURN_TIMEOUT_S)  # the reply is playing
    assert session.busy and session.live_tasks() > 1
    if how == "drop":  # the network goes away: no close frame, the TCP connection just dies
        transport = client.ws._conn.transport  # no public API cuts a socket
        assert transport is not None
        transport.abort()
    else:
        await client.ws.close()

    await eventually(lambda: session not in registry.sessions, 60, "session left the registry")
    await eventually(lambda: session.live_tasks() == 0, 30, "session tasks finished")
    assert len(registry) <= others
    assert session.outbox.closed and len(session.outbox) == 0 and session.outbox.queued_audio_ms == 0
    assert not session.busy

    # the dialogue step of the cut turn was kept (it is shielded): the context has turn 1
    state = await ContextStore(live.state.valkey).load(ready["conversation_id"])
    assert state is not None and state.turn == 1 and state.shown, "the context was lost"

    resumed = await voice()
    again = await resumed.hello(None, resume_token=ready["resume_token"])
    assert again["resumed"] is True and again["conversation_id"] == ready["conversation_id"]
    nxt = await text_turn(resumed, "show me cheaper ones")
    assert nxt["reply"] is not None and nxt["reply"]["payload"]["turn"] == 2, nxt
    assert nxt["reply"]["intent"] != "unknown" and reply["turn_id"] == 1
