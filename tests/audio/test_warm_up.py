"""Warm-up at model load: one Piper synthesis and one Whisper decode before the server is ready."""

from __future__ import annotations

import numpy as np

from audio.asr import BatchingTranscriber, WhisperEngine
from audio.tts import FallbackTts
from audio.tts.piper_tts import PiperTts
from voice_server.voice.speech_engines import local_voice, warm_up


def test_engine_warm_up_decodes_silence_and_speech(whisper_engine: WhisperEngine) -> None:
    assert whisper_engine.warm_up() > 0
    tone = np.sin(np.arange(8000) / 16000 * 2 * np.pi * 220).astype(np.float32) * 0.1
    assert whisper_engine.warm_up(tone) > 0


def test_warm_up_runs_piper_then_whisper(transcriber: BatchingTranscriber, piper_tts: PiperTts) -> None:
    requests = transcriber.metrics.requests
    timings = warm_up(transcriber, piper_tts)
    assert set(timings) == {"tts_ms", "asr_ms"} and all(v > 0 for v in timings.values())
    assert transcriber.metrics.requests == requests  # straight to the engine, before the batcher serves


def test_only_the_local_voice_is_warmed(piper_tts: PiperTts) -> None:
    assert local_voice(piper_tts) is piper_tts
    assert local_voice(FallbackTts(piper_tts, piper_tts)) is piper_tts
    assert local_voice(object()) is None  # type: ignore[arg-type]
