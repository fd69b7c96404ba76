"""audio.pcm: sample conversion, streaming resampling, file decoding."""

from __future__ import annotations

import numpy as np
import pytest

from audio.pcm import (
    SUPPORTED_RATES,
    Resampler,
    decode_file,
    float32_to_pcm16,
    frame_bytes,
    pcm16_rms_dbfs,
    pcm16_to_float32,
    resample_pcm16,
    rms_dbfs,
)
from tests.audio.fixture_replay import FIXTURES


def tone(freq: float, rate: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.argmax(spectrum) * rate / samples.size)


def test_pcm16_round_trip_and_clipping() -> None:
    samples = np.array([0.0, 0.5, -0.5, 0.999, -1.0, 3.0, -3.0], dtype=np.float32)
    back = pcm16_to_float32(float32_to_pcm16(samples))
    np.testing.assert_allclose(back[:5], samples[:5], atol=1 / 32768)
    assert back[5] == pytest.approx(32767 / 32768) and back[6] == -1.0


def test_odd_byte_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        pcm16_to_float32(b"\x00\x01\x02")


@pytest.mark.parametrize(("rate", "ms", "expected"), [(16000, 30, 960), (8000, 20, 320), (48000, 10, 960)])
def test_frame_bytes(rate: int, ms: int, expected: int) -> None:
    assert frame_bytes(rate, ms) == expected


@pytest.mark.parametrize("src", sorted(SUPPORTED_RATES))
def test_streaming_resampler_keeps_length_and_pitch(src: int) -> None:
    pcm = float32_to_pcm16(tone(440, src, 1.0))
    resampler = Resampler(src, 16000)
    chunk = src * 20 // 1000 * 2 + 1  # odd chunk sizes split samples across calls
    out = b"".join(resampler.process(pcm[i : i + chunk]) for i in range(0, len(pcm), chunk))
    out += resampler.flush()
    samples = pcm16_to_float32(out)
    assert abs(samples.size - 16000) <= 2
    assert dominant_hz(samples, 16000) == pytest.approx(440, abs=2)
    assert rms_dbfs(samples) == pytest.approx(rms_dbfs(tone(440, 16000, 1.0)), abs=0.5)


def test_equal_rates_pass_through() -> None:
    resampler = Resampler(16000, 16000)
    assert resampler.is_identity
    pcm = float32_to_pcm16(tone(300, 16000, 0.1))
    assert resampler.process(pcm[:101]) + resampler.process(pcm[101:]) + resampler.flush() == pcm


def test_whole_buffer_resample_for_tts_output() -> None:
    pcm = float32_to_pcm16(tone(500, 22050, 0.5))
    out = pcm16_to_float32(resample_pcm16(pcm, 22050, 16000))
    assert abs(out.size - 8000) <= 2 and dominant_hz(out, 16000) == pytest.approx(500, abs=3)


@pytest.mark.parametrize("name", ["jfk.flac", "hotwords.mp3", "goodbye_piper_48k.wav"])
def test_decode_file_gives_16k_float(name: str) -> None:
    audio = decode_file(FIXTURES / name, 16000)
    assert audio.dtype == np.float32 and audio.ndim == 1 and audio.size > 16000
    assert -40 < rms_dbfs(audio) < -5


def test_frame_level_without_float_copies_is_bit_identical() -> None:
    """The endpointer's per-frame level (int64 sum of squares) equals rms_dbfs of the float samples exactly."""
    rng = np.random.default_rng(5)
    frames = [bytes(960), b"", b"\x01\x00" * 480, b"\xff\x7f" * 480, b"\x00\x80" * 480]
    for _ in range(3000):
        scale = 10 ** rng.uniform(-5, 0)
        samples = np.clip(np.rint(rng.standard_normal(480) * scale * 32768), -32768, 32767)
        frames.append(samples.astype("<i2").tobytes())
    for pcm in frames:
        assert pcm16_rms_dbfs(pcm) == rms_dbfs(pcm16_to_float32(pcm))
    with pytest.raises(ValueError):
        pcm16_rms_dbfs(b"\x00")


def test_equal_rates_hand_back_the_same_bytes() -> None:
    pcm = bytes(640)
    assert Resampler(16000, 16000).process(pcm) is pcm  # no copy per frame
