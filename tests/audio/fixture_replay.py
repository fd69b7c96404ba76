"""Replay fixture files through the streaming pipeline (resampler -> endpointer) like a client would."""

from __future__ import annotations

import json
import wave
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np
from whisper_normalizer.english import EnglishTextNormalizer

from audio.pcm import ASR_RATE, Resampler, decode_file, float32_to_pcm16
from audio.vad import Endpointer, EndpointerConfig, SpeechEnded

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audio"
CHUNK_MS = 20


@dataclass(frozen=True)
class FixtureCase:
    """One manifest row."""

    file: str
    text: str
    intent: str
    voice: str
    noise: str
    sample_rate: int
    expect_turns: int
    hotwords: str | None = None

    @property
    def path(self) -> Path:
        return FIXTURES / self.file


def load_manifest() -> list[FixtureCase]:
    return [FixtureCase(**row) for row in json.loads((FIXTURES / "manifest.json").read_text())]


def read_client_pcm(path: Path) -> tuple[bytes, int]:
    """What a client would send: WAV bytes at their own rate; compressed files decoded to 16 kHz."""
    if path.suffix == ".wav":
        with wave.open(str(path), "rb") as wav:
            assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
            return wav.readframes(wav.getnframes()), wav.getframerate()
    return float32_to_pcm16(decode_file(path, ASR_RATE)), ASR_RATE


def replay(path: Path, config: EndpointerConfig | None = None) -> list[SpeechEnded]:
    """Stream a file in 20 ms client chunks through Resampler + Endpointer; return the turns."""
    pcm, rate = read_client_pcm(path)
    resampler = Resampler(rate, ASR_RATE)
    endpointer = Endpointer(config)
    chunk = rate * CHUNK_MS // 1000 * 2
    events = []
    for offset in range(0, len(pcm), chunk):
        events.extend(endpointer.feed(resampler.process(pcm[offset : offset + chunk])))
    events.extend(endpointer.feed(resampler.flush()))
    events.extend(endpointer.flush())
    return [e for e in events if isinstance(e, SpeechEnded)]


_normalizer = EnglishTextNormalizer()


def normalise(text: str) -> str:
    """Whisper's English normaliser (case, punctuation, spelled numbers, British spellings)."""
    return _normalizer(text)


def corpus_wer(references: list[str], hypotheses: list[str]) -> float:
    """Word error rate over the whole corpus after normalisation."""
    refs = [normalise(r) for r in references]
    hyps = [normalise(h) for h in hypotheses]
    return float(jiwer.wer(refs, hyps))


def speech_audio(case: FixtureCase) -> np.ndarray:
    """Whole fixture as float32 16 kHz."""
    return decode_file(case.path, ASR_RATE)
