"""Smart Turn v3.2 end-of-turn model (audio/turn_end.py): features, file pinning, the pure decision,
and (integration: needs the model file `make` installs) its verdict on fixtures."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from audio.pcm import decode_file, float32_to_pcm16
from audio.turn_end import (
    MODEL_SHA256,
    WHEEL_MEMBER,
    TurnEndRule,
    TurnModelError,
    extract_from_wheel,
    last_window,
    log_mel,
    model_available,
    turn_end_silence_ms,
    verified,
)
from audio.vad import Endpointer, PossibleEnd

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audio"


def test_window_keeps_the_last_8_s_and_pads_at_the_start() -> None:
    short = np.ones(16000, dtype=np.float32)
    window = last_window(short)
    assert window.size == 128_000 and not window[:-16000].any() and window[-16000:].all()
    long = np.arange(200_000, dtype=np.float32)
    assert np.array_equal(last_window(long), long[-128_000:])


def test_features_are_whisper_log_mel_of_the_normalised_window() -> None:
    """Same definition as faster-whisper's own extractor (Whisper's), on the normalised padded window."""
    from faster_whisper.feature_extractor import FeatureExtractor

    audio = decode_file(FIXTURES / "black_dresses_piper_16k.wav")
    feats = log_mel(audio)
    assert feats.shape == (1, 80, 800) and feats.dtype == np.float32
    x = last_window(audio)
    x = ((x - x.mean()) / np.sqrt(x.var() + 1e-7)).astype(np.float32)
    reference = FeatureExtractor(80, chunk_length=8)(x, padding=0)
    assert np.abs(feats[0] - reference).max() < 1e-4


def test_model_ends_a_turn_it_hears_as_complete_else_the_fallback() -> None:
    rule = TurnEndRule(min_silence_ms=300, threshold=0.5)
    assert turn_end_silence_ms(0.93, rule, 700) == 300
    assert turn_end_silence_ms(0.5, rule, 700) == 300
    assert turn_end_silence_ms(0.49, rule, 700) == 700
    assert turn_end_silence_ms(None, rule, 700) == 700  # no probability yet: the fallback
    assert turn_end_silence_ms(0.99, rule, 250) == 250  # never later than the fallback


def test_a_missing_or_altered_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TurnModelError) as missing:
        verified(tmp_path / "none.onnx")
    assert missing.value.reason == "missing"
    other = tmp_path / "other.onnx"
    other.write_bytes(b"not the model")
    with pytest.raises(TurnModelError) as altered:
        verified(other)
    assert altered.value.reason == "sha256"
    assert not model_available(other)


def test_only_the_pinned_wheel_is_unpacked(tmp_path: Path) -> None:
    wheel = tmp_path / "pipecat_ai-1.14.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(WHEEL_MEMBER, b"a different model")
    with pytest.raises(TurnModelError, match="wheel sha256"):
        extract_from_wheel(wheel, tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()
    assert hashlib.sha256(b"a different model").hexdigest() != MODEL_SHA256


def possible_ends(name: str) -> list[np.ndarray]:
    """The audio of every PossibleEnd the server's endpointer emits on a fixture."""
    audio = decode_file(FIXTURES / name)
    audio = np.concatenate([audio, np.zeros(16000, dtype=np.float32)])
    events = Endpointer().feed(float32_to_pcm16(audio))
    return [e.audio for e in events if isinstance(e, PossibleEnd)]


@pytest.mark.integration
def test_a_finished_request_is_complete() -> None:
    from audio.turn_end import load_model

    (end,) = possible_ends("black_dresses_piper_16k.wav")
    assert load_model().predict(end) > 0.9


@pytest.mark.integration
def test_a_pause_after_size_um_is_not_the_end() -> None:
    from audio.turn_end import load_model

    audio = decode_file(FIXTURES / "pause_inside_piper_16k.wav")  # "I need a size, um, ... medium, please."
    hop = 480  # 30 ms
    loud = np.sqrt(np.mean(audio[: audio.size // hop * hop].reshape(-1, hop) ** 2, axis=1)) > 10 ** (-50 / 20)
    voiced = np.flatnonzero(loud)
    gap = int(np.argmax(np.diff(voiced)))  # the longest silence between two voiced frames: the "um" pause
    cut = (voiced[gap] + 1) * hop + 150 * 16  # 150 ms into it, where the endpointer's PossibleEnd fires
    model = load_model()
    assert model.predict(audio[:cut]) < 0.1
    assert model.predict(audio[: (voiced[-1] + 1) * hop + 150 * 16]) > model.predict(audio[:cut])
