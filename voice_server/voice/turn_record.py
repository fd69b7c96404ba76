"""Per-turn bookkeeping of a voice session: timings, playback state, metrics record.

Plain data: `SessionCore` creates and owns the `Turn`s; the driver's speaker fills in the playback
fields (`pacer` progress, `spoken`, `first_tts_at`, `first_audio_at`) while it plays the reply.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from voice_server.voice.pacing import Pacer, SpokenText


def now() -> float:
    return time.monotonic()


def ms(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start) * 1000.0, 1)


class StreamClock:
    """Maps input stream time (ms of 16 kHz audio consumed) to the wall time it arrived."""

    def __init__(self, keep: int = 2000) -> None:
        self._marks: deque[tuple[int, float]] = deque(maxlen=keep)

    def mark(self, t_ms: int, at: float) -> None:
        self._marks.append((t_ms, at))

    def arrival(self, t_ms: int) -> float | None:
        """Wall time at which stream time `t_ms` had arrived (first mark at or after it)."""
        for mark_t, at in self._marks:
            if mark_t >= t_ms:
                return at
        return self._marks[-1][1] if self._marks else None


@dataclass
class Turn:
    """One turn in flight (speech or typed)."""

    turn_id: int
    source: str  # "speech" | "text" | "notice"
    started: float  # clock value when the turn was opened
    speech_end: float | None = None  # wall time the shopper stopped talking (or sent the text)
    detected: float | None = None  # wall time the end of turn was detected
    transcript_at: float | None = None
    reply_at: float | None = None
    first_tts_at: float | None = None
    first_audio_at: float | None = None
    asr_compute_ms: float | None = None
    asr_batch_size: int | None = None
    speculative_hit: bool = False  # the transcript came from the speculative ASR pass
    speculative_reply: bool = False  # the dialogue step (and first clause) came from the speculation
    audio_in_ms: float | None = None
    replied: bool = False  # the conversation produced (or is producing) a reply
    conversation_turn: int | None = None
    pacer: Pacer | None = None
    spoken: SpokenText = field(default_factory=SpokenText)
    interrupted: bool = False
    tts_failed: bool = False
    confidence: float | None = None
    played_ack_ms: float | None = None

    @property
    def playing(self) -> bool:
        return self.first_audio_at is not None

    def metrics(self) -> dict[str, Any]:
        return {
            "turn_id": self.turn_id,
            "endpoint_ms": ms(self.speech_end, self.detected) if self.source == "speech" else None,
            "asr_ms": ms(self.detected, self.transcript_at) if self.source == "speech" else None,
            "asr_compute_ms": self.asr_compute_ms,
            "speculative_hit": self.speculative_hit,
            "nlu_ms": ms(self.transcript_at, self.reply_at),
            "tts_first_byte_ms": ms(self.reply_at, self.first_tts_at),
            "voice_to_voice_ms": ms(self.speech_end, self.first_audio_at),
            "audio_in_ms": self.audio_in_ms,
            "audio_out_ms": round(self.pacer.sent_ms, 1) if self.pacer else None,
            "asr_batch_size": self.asr_batch_size,
            "interrupted": self.interrupted,
        }
