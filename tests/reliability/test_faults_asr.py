"""The ASR failing mid-conversation (issue #8, faults): the real Whisper engine is wrapped to raise
(an engine error, or MemoryError) for one utterance. The turn gets a typed ``asr_failed`` error
and a spoken apology, the session stays alive, and the next utterance is understood again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.conftest import LiveServer, OpenVoice, Shopper
from tests.reliability.faults_support import (
    TURN_TIMEOUT_S,
    FaultyAsrEngine,
    finished_turn,
    ping,
    utterance,
)
from voice_server.voice.session import APOLOGY

SPEECH = "black_dresses_piper_16k.wav"


@pytest.fixture
def faulty_asr(live: LiveServer) -> Iterator[FaultyAsrEngine]:
    transcriber = live.state.asr
    wrapper = FaultyAsrEngine(transcriber.engine)
    transcriber.engine = wrapper
    try:
        yield wrapper
    finally:
        transcriber.engine = wrapper.engine


@pytest.mark.parametrize("fault", [RuntimeError, MemoryError])
async def test_asr_failure_gets_a_spoken_apology(
    voice: OpenVoice, shopper: Shopper, faulty_asr: FaultyAsrEngine, fault: type[BaseException]
) -> None:
    client = await voice()
    await client.hello(shopper.token)

    faulty_asr.fault = fault
    await client.stream(utterance(SPEECH), 16000, realtime=False)
    started = await client.wait_for("speech_started", TURN_TIMEOUT_S)
    failed = await finished_turn(client, started["turn_id"])
    assert faulty_asr.raised >= 1, "the fault was not injected"
    assert [e["code"] for e in failed["errors"]] == ["asr_failed"], failed
    assert failed["reply"] is not None and failed["reply"]["text"] == APOLOGY
    assert failed["audio_end"]["reason"] == "complete" and failed["audio_end"]["duration_ms"] > 500
    assert not client.messages("transcript") or all(not m["final"] for m in client.messages("transcript"))
    await ping(client, "after-asr-fault")

    faulty_asr.fault = None
    await client.stream(utterance(SPEECH), 16000, realtime=False)
    second = await client.wait_for("speech_started", TURN_TIMEOUT_S, turn_id=started["turn_id"] + 1)
    ok = await finished_turn(client, second["turn_id"])
    final = [m for m in client.messages("transcript") if m["turn_id"] == second["turn_id"] and m["final"]]
    assert final and "dress" in final[0]["text"].lower(), final
    assert ok["reply"] is not None and ok["reply"]["intent"] == "search" and not ok["errors"], ok
    assert not client.ws.closed
