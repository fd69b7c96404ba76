"""PCM helpers: pcm_s16le <-> float32, streaming resampling (soxr), frame sizes, file decoding."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import soxr

SUPPORTED_RATES: frozenset[int] = frozenset({8000, 16000, 24000, 44100, 48000})
"""Client sample rates the server accepts (and resamples to/from 16 kHz)."""

ASR_RATE = 16000
"""Sample rate of everything inside `audio.vad` and `audio.asr`."""

_INT16_SCALE = 32768.0


def pcm16_to_float32(pcm: bytes) -> np.ndarray:
    """Decode little-endian signed 16-bit PCM into float32 samples in [-1, 1)."""
    if len(pcm) % 2:
        raise ValueError("pcm_s16le needs an even number of bytes")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / _INT16_SCALE


def float32_to_pcm16(samples: np.ndarray) -> bytes:
    """Encode float samples (clipped to [-1, 1]) as little-endian signed 16-bit PCM."""
    scaled = np.clip(np.asarray(samples, dtype=np.float32) * _INT16_SCALE, -32768, 32767)
    return np.rint(scaled).astype("<i2").tobytes()


def frame_bytes(rate: int, ms: int) -> int:
    """Bytes in one mono pcm_s16le frame of `ms` milliseconds at `rate` Hz."""
    return rate * ms // 1000 * 2


def duration_ms(pcm: bytes, rate: int) -> float:
    """Duration in milliseconds of mono pcm_s16le bytes."""
    return len(pcm) / 2 / rate * 1000.0


def rms_dbfs(samples: np.ndarray) -> float:
    """Root-mean-square level of float samples in dBFS (-inf dB is clamped to -120)."""
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(-120.0, 20.0 * np.log10(rms + 1e-12))


def pcm16_rms_dbfs(pcm: bytes) -> float:
    """`rms_dbfs(pcm16_to_float32(pcm))`, bit for bit, without the float copies (the endpointer's per-frame
    level): the sum of squares is exact in int64, and scaled by 2**-30 it is the very float64 sum numpy
    forms from the float32 samples, so the mean, root and logarithm are the same operations on the same
    value."""
    if not pcm:
        return -120.0
    if len(pcm) % 2:
        raise ValueError("pcm_s16le needs an even number of bytes")
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.int64)
    energy = int(np.dot(samples, samples))
    if energy == 0:
        return -120.0  # digital silence: 20 log10(1e-12) is below the clamp
    rms = math.sqrt(energy * _INT16_SCALE**-2 / samples.size)
    return max(-120.0, 20.0 * float(np.log10(rms + 1e-12)))


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample a whole float32 signal at once (high quality soxr)."""
    if src_rate == dst_rate:
        return np.asarray(samples, dtype=np.float32)
    return soxr.resample(np.asarray(samples, dtype=np.float32), src_rate, dst_rate, quality="HQ")


def resample_pcm16(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Resample a whole pcm_s16le buffer (for TTS output rate conversion)."""
    if src_rate == dst_rate:
        return pcm
    return float32_to_pcm16(resample(pcm16_to_float32(pcm), src_rate, dst_rate))


class Resampler:
    """Streaming mono pcm_s16le resampler built on `soxr.ResampleStream`.

    Feed chunks of any even length with `process`; call `flush` at end of stream to get
    the filter's tail. When the rates are equal the bytes pass through untouched.
    """

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        self.src_rate = src_rate
        self.dst_rate = dst_rate
        self._odd_byte = b""
        self._stream: soxr.ResampleStream | None = None
        if src_rate != dst_rate:
            self._stream = soxr.ResampleStream(src_rate, dst_rate, 1, dtype="int16", quality="HQ")

    @property
    def is_identity(self) -> bool:
        """True when no resampling happens."""
        return self._stream is None

    def process(self, pcm: bytes) -> bytes:
        """Resample the next chunk; returns whatever output is ready (may be empty)."""
        if self._stream is None and not self._odd_byte and not len(pcm) % 2:
            return pcm  # same rate, whole samples: nothing to copy
        data = self._odd_byte + pcm
        cut = len(data) - (len(data) % 2)
        data, self._odd_byte = data[:cut], data[cut:]
        if self._stream is None:
            return data
        if not data:
            return b""
        out = self._stream.resample_chunk(np.frombuffer(data, dtype="<i2"), last=False)
        return out.astype("<i2").tobytes()

    def flush(self) -> bytes:
        """Drain the resampler at end of stream and reset it for reuse."""
        self._odd_byte = b""
        if self._stream is None:
            return b""
        out = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        self._stream.clear()
        return out.astype("<i2").tobytes()


def decode_file(path: str | Path, rate: int = ASR_RATE) -> np.ndarray:
    """Decode WAV/FLAC/MP3 (anything PyAV reads) to mono float32 at `rate`."""
    from faster_whisper import decode_audio

    return np.asarray(decode_audio(str(path), sampling_rate=rate), dtype=np.float32)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a 16-bit mono WAV as float32 samples and its sample rate."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono WAV")
        return pcm16_to_float32(wav.readframes(wav.getnframes())), wav.getframerate()


def write_wav(path: str | Path, pcm: bytes, rate: int) -> None:
    """Write pcm_s16le mono bytes as a WAV file (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
