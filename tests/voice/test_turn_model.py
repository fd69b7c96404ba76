"""The session's end-of-turn scorer: the process-wide Smart Turn model, run off the event loop."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from audio.pcm import decode_file
from voice_server.voice import turn_model

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "audio" / "black_dresses_piper_16k.wav"


@pytest.mark.integration
async def test_scores_on_its_own_thread_with_one_model_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    assert await turn_model.preload()
    loaded = turn_model.model()
    assert loaded is not None
    predict = loaded.predict
    monkeypatch.setattr(loaded, "predict", lambda audio: threads.append(threading.current_thread().name)
                        or predict(audio))
    audio = decode_file(FIXTURE)[: int(3.4 * 16000)]
    p = await turn_model.p_complete(np.concatenate([audio, np.zeros(2400, dtype=np.float32)]))
    assert p is not None and 0.0 <= p <= 1.0
    assert threads and threads[0].startswith("turn-model") and threads[0] != threading.current_thread().name
    assert turn_model.model() is turn_model.model()
