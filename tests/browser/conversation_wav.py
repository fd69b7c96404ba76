"""Builds the fake-microphone file for the browser test: spoken shopper utterances (real speech,
synthesised by the bundled Piper voice) laid out on ONE timeline with silences between them,
written as a 16-bit 48 kHz mono WAV (Chromium plays a 24-bit file as silence).

Chromium starts playing the file when getUserMedia resolves and never loops it (`%noloop`), so
the silences are sized for the reply before each next utterance: the endpointer's 0.7 s, ASR and
the first TTS clause (~3 s on 2 idle CPU cores; allow more, the machine may be busy) plus the
spoken reply (~15 characters per second, capped: the tail of a long product list may be cut by
the next question, which is harmless because the reply was already sent). What must never
happen is the next utterance arriving before the reply is *sent*: that cancels the turn.
A step with `barge_in_after_s` starts the NEXT utterance while this step's reply is playing.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.pcm import Resampler
from audio.tts.piper_tts import PiperTts

RATE = 48000
REPLY_START_S = 4.5  # endpoint (0.7 s) + ASR + dialogue + first TTS clause, with room to spare
REPLY_CPS = 14.0  # Piper speaks ~15 characters a second; a little slower to be safe
MAX_LISTEN_S = 22.0  # longest stretch of a reply we wait for before the next utterance
MARGIN_S = 1.5


@dataclass(frozen=True)
class Step:
    text: str  # what the shopper says
    reply_chars: int = 0  # expected length of the assistant's answer (sizes the silence after)
    barge_in_after_s: float | None = None  # start the next utterance this long after this one ends

    def gap_s(self) -> float:
        if self.barge_in_after_s is not None:
            return self.barge_in_after_s
        return REPLY_START_S + min(self.reply_chars / REPLY_CPS, MAX_LISTEN_S) + MARGIN_S


@dataclass(frozen=True)
class Placed:
    text: str
    start_s: float
    end_s: float


def _speech(tts: PiperTts, text: str) -> np.ndarray:
    resampler = Resampler(tts.sample_rate, RATE)
    pcm = resampler.process(tts.synthesize(text)) + resampler.flush()
    return np.frombuffer(pcm, dtype="<i2")


def build_conversation_wav(tts: PiperTts, steps: list[Step], path: Path, lead_in_s: float = 1.0,
                           tail_s: float = 2.0) -> list[Placed]:
    """Write the WAV; returns where each utterance lies on the timeline (seconds from file start)."""
    parts: list[np.ndarray] = [np.zeros(int(lead_in_s * RATE), dtype="<i2")]
    placed: list[Placed] = []
    cursor = lead_in_s
    for step in steps:
        speech = _speech(tts, step.text)
        placed.append(Placed(step.text, cursor, cursor + len(speech) / RATE))
        parts.append(speech)
        gap = step.gap_s()
        parts.append(np.zeros(int(gap * RATE), dtype="<i2"))
        cursor += len(speech) / RATE + gap
    parts.append(np.zeros(int(tail_s * RATE), dtype="<i2"))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)  # 16-bit: Chromium's fake capture reads 24-bit files as silence
        out.setframerate(RATE)
        out.writeframes(np.concatenate(parts).astype("<i2").tobytes())
    return placed
