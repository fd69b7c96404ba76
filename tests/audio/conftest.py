"""Session-wide audio fixtures: the Whisper model and the Piper voice are loaded once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from audio.asr import BatchingTranscriber, WhisperEngine
from audio.models import piper_voice_paths, resolve_whisper_model
from audio.tts.piper_tts import PiperTts


@pytest.fixture(scope="session")
def audio_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """State dir where the bundled Whisper model is joined (once per test session)."""
    return tmp_path_factory.mktemp("audio-state")


@pytest.fixture(scope="session")
def whisper_engine(audio_state_dir: Path) -> WhisperEngine:
    return WhisperEngine(resolve_whisper_model(None, audio_state_dir))


@pytest.fixture(scope="session")
async def transcriber(whisper_engine: WhisperEngine) -> AsyncIterator[BatchingTranscriber]:
    batcher = BatchingTranscriber(whisper_engine, max_batch=8, max_wait_ms=10)
    yield batcher
    await batcher.close()


@pytest.fixture(scope="session")
def piper_tts() -> PiperTts:
    return PiperTts(*piper_voice_paths())
