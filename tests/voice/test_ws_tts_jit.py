"""Speech synthesised just in time (issue 17, item 2): clause by clause just ahead of playback, first clause
first, nothing after a barge-in. A long reply is spoken as a notice (a server-initiated turn with our text)
through the real app, with the real Piper voice wrapped in a recorder of when each clause was synthesised."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from audio.tts import TtsEngine, split_clauses
from tests.voice.client import load_pcm, silence
from tests.voice.test_ws_speculation import server_session
from voice_server.platform.app_state import AppState

LONG_REPLY = (
    "Here is what I found for you today. The first one is a black cotton midi dress from Roadster, at "
    "forty nine dollars. The second is a navy wrap dress from Mango, at sixty five dollars. The third is a "
    "red floral maxi dress from Zara, at seventy nine dollars. The fourth is a green linen shirt dress from "
    "H and M, at thirty nine dollars. The fifth is a white lace dress from Vero Moda, at fifty five dollars. "
    "Tell me which one you like, and I can check your size."
)


@dataclass
class Call:
    text: str
    started: float
    ended: float | None = None


@dataclass
class RecordingTts:
    """Delegates to the real voice and records when each synthesis started and ended."""

    inner: TtsEngine
    calls: list[Call] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def sample_rate(self) -> int:
        return self.inner.sample_rate

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        call = Call(text, time.monotonic())
        self.calls.append(call)
        async for chunk in self.inner.stream(text):
            yield chunk
        call.ended = time.monotonic()

    def close(self) -> None:
        pass

    def of(self, texts: list[str]) -> list[Call]:
        return [c for c in self.calls if c.text in texts]


@contextmanager
def recording(state: AppState) -> Iterator[RecordingTts]:
    assert state.tts is not None
    saved = state.tts
    recorder = RecordingTts(saved)
    state.tts = recorder  # type: ignore[assignment]
    try:
        yield recorder
    finally:
        state.tts = saved


async def say_long_reply(client, voice_state: AppState, ready: dict) -> dict:
    session = server_session(voice_state, ready)
    assert voice_state.services.notices is not None and session.user_id is not None
    await voice_state.services.notices.publish(session.user_id, {"kind": "test", "text": LONG_REPLY})
    return await client.wait_for("audio_start", within=60)


async def test_first_audio_before_the_reply_is_synthesised(connect, guest_token, voice_state) -> None:
    clauses = split_clauses(LONG_REPLY)
    assert len(clauses) >= 8
    client = await connect()
    ready = await client.hello(guest_token)
    with recording(voice_state) as tts:
        start = await say_long_reply(client, voice_state, ready)
        end = await client.wait_for("audio_end", turn_id=start["turn_id"], within=180)
    assert end["reason"] == "complete"
    calls = tts.of(clauses)
    assert [c.text for c in calls] == clauses  # every clause once, first clause first, in order
    first_audio = next(r.at for r in client.log if r.kind == "binary")
    last_done = calls[-1].ended
    assert last_done is not None and first_audio < last_done  # audio started before the reply was synthesised
    # just in time: the last clause was not even started until most of the reply had been played
    played_before_last_s = calls[-1].started - first_audio
    assert played_before_last_s > 0.5 * end["duration_ms"] / 1000, (played_before_last_s, end["duration_ms"])
    print(f"\nfirst audio {first_audio - calls[0].started:.2f} s after synthesis began; the whole reply "
          f"({end['duration_ms'] / 1000:.1f} s of audio) was synthesised {last_done - calls[0].started:.2f} s "
          f"after it began")


async def test_barge_in_cancels_the_remaining_clauses(connect, guest_token, voice_state) -> None:
    clauses = split_clauses(LONG_REPLY)
    client = await connect()
    ready = await client.hello(guest_token)
    with recording(voice_state) as tts:
        start = await say_long_reply(client, voice_state, ready)
        await client.wait_for("binary", within=30)
        await asyncio.sleep(0.6)  # past the echo guard
        speech = load_pcm("puma_sneakers_piper_16k.wav", 16000) + silence(1200, 16000)
        sender = asyncio.create_task(client.stream(speech, 16000))
        interruption = await client.wait_for("interruption", within=30)
        cut_at = time.monotonic()
        assert interruption["turn_id"] == start["turn_id"] and interruption["reason"] == "barge_in"
        await sender
        await asyncio.sleep(3.0)  # time for any clause that would still be synthesised
    calls = tts.of(clauses)
    assert 1 <= len(calls) <= 3, [c.text for c in calls]  # the clause playing and at most the next ones
    assert all(c.started < cut_at for c in calls), "a clause was synthesised after the barge-in"
