"""`Speaker`: the reply audio of one turn, from text to paced frames in the outbox (asyncio side).

Reply audio is synthesised just in time clause by clause, resampled to the client's rate, cut into
`frame_ms` frames and paced at real time at most `max_ahead_ms` ahead (`turn.pacer`, set by the core).
It fills the playback fields of the `Turn` (`spoken`, `first_tts_at`, `first_audio_at`); the messages
around the audio (`audio_start`, `audio_end`, errors) are the core's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from audio.pcm import Resampler
from audio.tts import split_clauses
from voice_server.platform import metrics as prom
from voice_server.platform.capacity import WorkCounter
from voice_server.platform.logs import get_logger
from voice_server.platform.ports import TtsEngine
from voice_server.voice.outbox import Outbox
from voice_server.voice.pacing import FrameCutter, Pacer
from voice_server.voice.session_options import SessionOptions
from voice_server.voice.turn_record import Turn, now

log = get_logger(__name__)

Clauses = asyncio.Queue[tuple[str, list[bytes]] | None]


@dataclass
class AudioAhead:
    """The first clause of a speculative reply, synthesised before the end of the turn was sure."""

    clause: str
    audio: asyncio.Task[list[bytes]]


async def synthesize_all(tts: TtsEngine, text: str) -> list[bytes]:
    """All audio of `text` (a speculative reply's first clause, synthesised ahead of time)."""
    chunks = [pcm async for pcm in tts.stream(text)]
    prom.TTS_AUDIO_SECONDS.labels("ahead").inc(audio_seconds(chunks, tts.sample_rate))
    return chunks


def audio_seconds(chunks: list[bytes], sample_rate: int) -> float:
    """Length of pcm_s16le mono chunks."""
    return sum(len(c) for c in chunks) / 2 / sample_rate


class Speaker:
    """Plays replies of one session into its outbox."""

    def __init__(
        self,
        options: SessionOptions,
        outbox: Outbox,
        work: WorkCounter,
        spawn: Callable[[Coroutine[Any, Any, Any], str], asyncio.Task[Any]],
        on_tts_failed: Callable[[int], None],
        session_id: str = "",
    ) -> None:
        self.options = options
        self.session_id = session_id
        self.outbox = outbox
        self._work = work
        self._spawn = spawn
        self._on_tts_failed = on_tts_failed

    async def play(self, turn: Turn, text: str, tts: TtsEngine | None, out_rate: int,
                   ahead: AudioAhead | None = None) -> str:
        """Speak `text` as `turn`'s reply; returns how it ended: "complete", "failed" or "dropped"."""
        pacer = turn.pacer
        assert pacer is not None, "the core sets the pacer when it starts the speech"
        if tts is None or not text.strip():
            return "failed"
        frame_ms = float(self.options.frame_ms)
        clauses: Clauses = asyncio.Queue(maxsize=2)
        failed: list[bool] = []
        producer = self._spawn(self._synthesize(tts, text, clauses, turn, ahead, failed), f"tts-{turn.turn_id}")
        resampler = Resampler(tts.sample_rate, out_rate)
        cutter = FrameCutter(out_rate, self.options.frame_ms)
        reason = "complete"
        try:
            while (item := await clauses.get()) is not None:
                clause, chunks = item
                start_ms = pacer.sent_ms
                for chunk in chunks:
                    for frame in cutter.push(resampler.process(chunk)):
                        if not await self._play(turn, pacer, frame, frame_ms * len(frame) / cutter.frame_bytes):
                            reason = "dropped"
                            break
                    if reason != "complete":
                        break
                turn.spoken.add(clause, start_ms, pacer.sent_ms)
                if reason != "complete":
                    break
            if reason == "complete":
                for frame in cutter.push(resampler.flush()) + cutter.flush():
                    await self._play(turn, pacer, frame, frame_ms * len(frame) / cutter.frame_bytes)
        finally:
            producer.cancel()
        return "failed" if failed and reason == "complete" else reason

    async def _synthesize(
        self, tts: TtsEngine, text: str, out: Clauses, turn: Turn, ahead: AudioAhead | None, failed: list[bool],
    ) -> None:
        """Producer, just in time: the first clause at once (or from `ahead` when it was synthesised
        speculatively), each next one only when the audio already synthesised is about to run out
        (`tts_lead_ms`). An interruption cancels this task, so no clause after it is synthesised."""
        produced_ms = 0.0
        try:
            for index, clause in enumerate(split_clauses(text) or [text]):
                if index > 0:
                    await self._until_needed(turn, produced_ms)
                chunks: list[bytes] = []
                if index == 0 and ahead is not None and ahead.clause == clause:
                    with contextlib.suppress(Exception):
                        chunks = await ahead.audio
                        if chunks:
                            turn.first_tts_at = turn.first_tts_at or now()
                if not chunks:
                    with self._work.hold("tts"):
                        async for pcm in tts.stream(clause):
                            if turn.first_tts_at is None:
                                turn.first_tts_at = now()
                            chunks.append(pcm)
                    prom.TTS_AUDIO_SECONDS.labels("reply").inc(audio_seconds(chunks, tts.sample_rate))
                produced_ms += audio_seconds(chunks, tts.sample_rate) * 1000.0
                await out.put((clause, chunks))
        except Exception as exc:
            failed.append(True)
            log.warning("turn.tts_failed", session=self.session_id, turn=turn.turn_id, error=str(exc))
            self._on_tts_failed(turn.turn_id)
        await out.put(None)

    async def _until_needed(self, turn: Turn, produced_ms: float) -> None:
        """Wait until less than `tts_lead_ms` of the audio synthesised so far is left to play."""
        lead = self.options.tts_lead_ms
        while True:
            played = turn.pacer.played_ms(now()) if turn.pacer is not None else 0.0
            left = produced_ms - played
            if left <= lead:
                return
            await asyncio.sleep(min((left - lead) / 1000.0, 0.25))

    async def _play(self, turn: Turn, pacer: Pacer, frame: bytes, frame_ms: float) -> bool:
        """Pace one frame into the outbox; False when the client fell too far behind."""
        delay = pacer.delay_before(now())
        if delay > 0:
            await asyncio.sleep(delay)
        if not self.outbox.put_audio(turn.turn_id, frame, frame_ms):
            return False
        pacer.on_sent(now(), frame_ms)
        if turn.first_audio_at is None:
            turn.first_audio_at = now()
        return True
