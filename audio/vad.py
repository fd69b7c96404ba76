"""Speech endpointing: a pure, synchronous state machine over 16 kHz mono pcm16 (webrtcvad + energy gate).

Feed bytes of any length; the endpointer buffers partial frames and emits typed events:

* `SpeechStarted`  - a voiced run long enough to be a turn (coughs and "mhm" are too short);
* `PossibleEnd`    - a short trailing silence: start speculative ASR on `audio` now;
* `SpeechResumed`  - the possible end was only a pause ("size, um, medium");
* `SpeechEnded`    - end of turn (`reason`: "silence" | "max_length" | "flush"). If no
  `SpeechResumed` came after the last `PossibleEnd`, `SpeechEnded.audio` is *identical* to that
  `PossibleEnd.audio`, so a speculative transcript can be reused as the final one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import webrtcvad
from pydantic import BaseModel, ConfigDict, Field, model_validator

from audio.pcm import ASR_RATE, frame_bytes, pcm16_rms_dbfs, pcm16_to_float32, rms_dbfs

EndReason = Literal["silence", "max_length", "flush"]


NOISE_FLOOR_FRAMES = 34
"""Idle frames (~1 s at 30 ms) kept beyond the look-back to estimate the noise floor."""
NOISE_FLOOR_PERCENTILE = 10.0
LOOKBACK_MARGIN_DB = 6.0
"""A frame this far above the noise floor is taken as (masked) speech by the look-back."""
LOOKBACK_GAP_MS = 300
"""Quieter gaps shorter than this (pauses between words) do not stop the look-back."""


class EndpointerConfig(BaseModel):
    """Endpointing parameters (all times in milliseconds of 16 kHz audio)."""

    model_config = ConfigDict(frozen=True)

    frame_ms: Literal[10, 20, 30] = Field(
        30, description="webrtcvad frame length; 30 ms gives the steadiest decisions."
    )
    aggressiveness: int = Field(
        2, ge=0, le=3, description="webrtcvad mode: 0 keeps most audio as speech, 3 filters most."
    )
    start_ms: int = Field(
        240,
        ge=30,
        description="Window that must be mostly voiced (see `start_ratio`) to open a turn; "
        "longer than a cough or a short 'mhm'.",
    )
    start_ratio: float = Field(
        0.8, gt=0, le=1, description="Fraction of voiced frames in the `start_ms` window needed to open."
    )
    end_silence_ms: int = Field(
        700,
        ge=100,
        description="Trailing silence that ends a turn; long enough for 'size, um, medium' or "
        "'forty, nine dollars' not to be cut.",
    )
    possible_end_ms: int = Field(
        150,
        ge=30,
        description="Trailing silence after which `PossibleEnd` is emitted for speculative ASR (and "
        "the dialogue preview that may end the turn early); speech resuming discards that work.",
    )
    preroll_ms: int = Field(
        300,
        ge=0,
        description="Audio kept from before the detected start so the first syllable survives "
        "(500 ms kept more of noisy starts but raised clean-speech WER from 0.12 to 0.18).",
    )
    max_lookback_ms: int = Field(
        1500,
        ge=0,
        description="Noisy onsets: when the turn opens, the audio reaches back up to this far to the "
        "first frame clearly above the noise floor (word gaps under 300 ms bridged), plus `preroll_ms`; "
        "noise masks soft first words so the start window fills late. 0 = fixed `preroll_ms` only.",
    )
    max_utterance_ms: int = Field(
        15000, ge=1000, description="Hard cap: a turn this long is ended with reason 'max_length'."
    )
    min_rms_dbfs: float = Field(
        -45.0,
        description="Energy gate: frames quieter than this (dBFS) are never speech, whatever "
        "webrtcvad says (faint hiss, distant TV).",
    )
    max_spectral_flatness: float = Field(
        0.3,
        gt=0,
        le=1,
        description="Noise gate: frames whose spectrum is flatter than this (white ~0.55, pink ~0.3, "
        "voiced speech < 0.05) are not speech; stops loud fans/hiss from opening turns.",
    )
    barge_in_min_ms: int = Field(
        350, ge=0, description="`is_barge_in`: minimum voiced duration to interrupt the assistant."
    )
    barge_in_min_rms_dbfs: float = Field(
        -35.0, description="`is_barge_in`: minimum level (dBFS) of the voiced part to interrupt."
    )

    @model_validator(mode="after")
    def _check_order(self) -> EndpointerConfig:
        if self.possible_end_ms > self.end_silence_ms:
            raise ValueError("possible_end_ms must not exceed end_silence_ms")
        return self


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """A turn opened; `t_ms` is the stream time of its first voiced frame."""

    t_ms: int


@dataclass(frozen=True, slots=True)
class PossibleEnd:
    """`possible_end_ms` of silence after speech; `audio` (float32, 16 kHz, incl. pre-roll) so far."""

    t_ms: int
    audio: np.ndarray = field(repr=False)


@dataclass(frozen=True, slots=True)
class SpeechResumed:
    """Speech came back after a `PossibleEnd`: discard the speculative result."""

    t_ms: int


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """A turn ended at stream time `t_ms`; `audio` is float32 16 kHz including pre-roll."""

    t_ms: int
    audio: np.ndarray = field(repr=False)
    reason: EndReason
    silence_ms: int = 0
    """Trailing silence heard before the end was declared (the speech itself stopped at t_ms - this)."""

    @property
    def audio_ms(self) -> float:
        """Duration of `audio` in milliseconds."""
        return self.audio.size / ASR_RATE * 1000.0


VadEvent = SpeechStarted | PossibleEnd | SpeechResumed | SpeechEnded
SpeechContinued = SpeechResumed
"""Alias used in docs/architecture.md."""


class Endpointer:
    """Turn detector over 16 kHz mono pcm_s16le; pure and synchronous (no I/O, no clock)."""

    def __init__(self, config: EndpointerConfig | None = None) -> None:
        self.config = config or EndpointerConfig()
        self._vad = webrtcvad.Vad(self.config.aggressiveness)
        self._frame_bytes = frame_bytes(ASR_RATE, self.config.frame_ms)
        self._start_frames = max(1, self.config.start_ms // self.config.frame_ms)
        self._preroll_frames = self.config.preroll_ms // self.config.frame_ms
        self.reset()

    # -- public API -------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything (buffers, state, stream clock back to 0)."""
        self._pending = b""
        self._frames_seen = 0
        self._idle_window: deque[tuple[bytes, bool]] = deque(maxlen=self._preroll_frames + self._start_frames)
        self._start_window: deque[bool] = deque(maxlen=self._start_frames)  # voiced flags of the last start_ms
        self._start_voiced = 0  # how many of them are voiced
        lookback = self.config.max_lookback_ms // self.config.frame_ms
        self._history: deque[tuple[bytes, float]] = deque(
            maxlen=self._preroll_frames + self._start_frames + lookback + NOISE_FLOOR_FRAMES)
        self._utterance: list[bytes] = []
        self._in_speech = False
        self._silence_frames = 0
        self._possible_end_frames: int | None = None  # utterance length when PossibleEnd fired

    @property
    def in_speech(self) -> bool:
        """True between `SpeechStarted` and `SpeechEnded`."""
        return self._in_speech

    @property
    def t_ms(self) -> int:
        """Stream time (ms) of all complete frames consumed so far."""
        return self._frames_seen * self.config.frame_ms

    @property
    def trailing_silence_ms(self) -> int:
        """Silence since the last voiced frame of the turn in progress (0 when idle or speaking)."""
        return self._silence_frames * self.config.frame_ms if self._in_speech else 0

    @property
    def end_pending(self) -> bool:
        """True between a `PossibleEnd` and the `SpeechResumed`/`SpeechEnded` that follows it."""
        return self._in_speech and self._possible_end_frames is not None

    def confirm_end(self) -> list[VadEvent]:
        """End the turn now, before `end_silence_ms` (adaptive endpointing: the request is complete).

        Only possible while `end_pending`; the `SpeechEnded.audio` is then identical to the last
        `PossibleEnd.audio`, like an end after the full silence. Returns [] otherwise.
        """
        if not self.end_pending:
            return []
        assert self._possible_end_frames is not None
        return [self._end("silence", self._possible_end_frames)]

    def current_audio(self) -> np.ndarray:
        """Audio of the turn in progress (empty when idle), e.g. for a barge-in check."""
        return _join(self._utterance)

    def feed(self, pcm: bytes) -> list[VadEvent]:
        """Consume 16 kHz mono pcm_s16le of any length; return the events it caused."""
        data = self._pending + pcm if self._pending else pcm
        n = self._frame_bytes
        if len(data) < n:  # the usual case for 20 ms client frames: a 30 ms frame is not complete yet
            self._pending = data
            return []
        events: list[VadEvent] = []
        whole = len(data) - len(data) % n
        for offset in range(0, whole, n):
            events.extend(self._on_frame(data[offset : offset + n]))
        self._pending = data[whole:]
        return events

    def flush(self) -> list[VadEvent]:
        """End the turn in progress (reason "flush"); returns [] when idle."""
        self._pending = b""
        if not self._in_speech:
            return []
        return [self._end("flush", len(self._utterance))]

    # -- state machine ----------------------------------------------------------------------
    def _is_voiced(self, frame: bytes, level: float) -> bool:
        if level < self.config.min_rms_dbfs:
            return False
        if not self._vad.is_speech(frame, ASR_RATE):
            return False
        return spectral_flatness(pcm16_to_float32(frame)) <= self.config.max_spectral_flatness

    def _on_frame(self, frame: bytes) -> list[VadEvent]:
        level = pcm16_rms_dbfs(frame)
        voiced = level >= self.config.min_rms_dbfs and self._is_voiced(frame, level)
        self._frames_seen += 1
        if not self._in_speech:
            self._history.append((frame, level))
            return self._on_idle_frame(frame, voiced)
        return self._on_speech_frame(frame, voiced)

    def _on_idle_frame(self, frame: bytes, voiced: bool) -> list[VadEvent]:
        self._idle_window.append((frame, voiced))
        # running count of voiced frames in the last `start_frames` (no per-frame window copy)
        if len(self._start_window) == self._start_frames:
            self._start_voiced -= self._start_window[0]
        self._start_window.append(voiced)
        self._start_voiced += voiced
        if len(self._start_window) < self._start_frames:
            return []
        if self._start_voiced < self.config.start_ratio * self._start_frames:
            return []
        window = list(self._idle_window)[-self._start_frames :]
        first_voiced = next(i for i, (_, v) in enumerate(window) if v)
        start_frame_index = self._frames_seen - self._start_frames + first_voiced
        self._utterance = self._lookback() + [f for f, _ in self._idle_window]
        self._idle_window.clear()
        self._start_window.clear()
        self._start_voiced = 0
        self._history.clear()
        self._in_speech = True
        self._silence_frames = 0
        self._possible_end_frames = None
        return [SpeechStarted(t_ms=start_frame_index * self.config.frame_ms)]

    def _lookback(self) -> list[bytes]:
        """Frames before the pre-roll that belong to a noisy onset (see `max_lookback_ms`), oldest first.

        Walks back from the start window over frames at least `LOOKBACK_MARGIN_DB` above the noise
        floor (a low percentile of the recent levels), bridging gaps up to `LOOKBACK_GAP_MS`; the turn
        then starts `preroll_ms` before the earliest such frame. Clean speech, whose onset opens the
        turn at once and is preceded by silence, gets nothing extra.
        """
        cfg = self.config
        history = list(self._history)
        default_start = len(history) - len(self._idle_window)
        if cfg.max_lookback_ms <= 0 or default_start <= 0:
            return []
        levels = np.array([level for _, level in history])
        threshold = max(cfg.min_rms_dbfs, float(np.percentile(levels, NOISE_FLOOR_PERCENTILE)) + LOOKBACK_MARGIN_DB)
        window_start = len(history) - self._start_frames
        reach = max(0, window_start - cfg.max_lookback_ms // cfg.frame_ms)
        gap_frames = LOOKBACK_GAP_MS // cfg.frame_ms
        earliest, gap = window_start, 0
        for j in range(window_start - 1, reach - 1, -1):
            if levels[j] >= threshold:
                earliest, gap = j, 0
            else:
                gap += 1
                if gap > gap_frames:
                    break
        start = max(0, earliest - self._preroll_frames)
        return [frame for frame, _ in history[start:default_start]]

    def _on_speech_frame(self, frame: bytes, voiced: bool) -> list[VadEvent]:
        cfg = self.config
        self._utterance.append(frame)
        events: list[VadEvent] = []
        if voiced:
            self._silence_frames = 0
            if self._possible_end_frames is not None:
                self._possible_end_frames = None
                events.append(SpeechResumed(t_ms=self.t_ms - cfg.frame_ms))
        else:
            self._silence_frames += 1
            silence_ms = self._silence_frames * cfg.frame_ms
            if self._possible_end_frames is None and silence_ms >= cfg.possible_end_ms:
                self._possible_end_frames = len(self._utterance)
                events.append(PossibleEnd(t_ms=self.t_ms, audio=_join(self._utterance)))
            if silence_ms >= cfg.end_silence_ms:
                keep = self._possible_end_frames or len(self._utterance)
                events.append(self._end("silence", keep))
                return events
        if len(self._utterance) * cfg.frame_ms >= cfg.max_utterance_ms:
            events.append(self._end("max_length", len(self._utterance)))
        return events

    def _end(self, reason: EndReason, keep_frames: int) -> SpeechEnded:
        audio = _join(self._utterance[:keep_frames])
        silence_ms = self._silence_frames * self.config.frame_ms
        self._utterance = []
        self._in_speech = False
        self._silence_frames = 0
        self._possible_end_frames = None
        return SpeechEnded(t_ms=self.t_ms, audio=audio, reason=reason, silence_ms=silence_ms)


def spectral_flatness(samples: np.ndarray) -> float:
    """Wiener entropy of a frame's power spectrum: ~0 for tones/voiced speech, ~0.55 for white noise."""
    power = np.abs(np.fft.rfft(samples * np.hanning(samples.size))) ** 2 + 1e-12
    power = power[3:]  # ignore DC and the lowest bins
    return float(np.exp(np.mean(np.log(power))) / np.mean(power))


def _join(frames: list[bytes]) -> np.ndarray:
    return pcm16_to_float32(b"".join(frames)) if frames else np.zeros(0, dtype=np.float32)


def voiced_ms(audio: np.ndarray, config: EndpointerConfig) -> tuple[float, float]:
    """Voiced duration (ms) of float32 16 kHz audio and the RMS level (dBFS) of its voiced frames."""
    from audio.pcm import float32_to_pcm16

    vad = webrtcvad.Vad(config.aggressiveness)
    n = ASR_RATE * config.frame_ms // 1000
    voiced: list[np.ndarray] = []
    for start in range(0, audio.size - n + 1, n):
        chunk = audio[start : start + n]
        if (
            rms_dbfs(chunk) >= config.min_rms_dbfs
            and vad.is_speech(float32_to_pcm16(chunk), ASR_RATE)
            and spectral_flatness(chunk) <= config.max_spectral_flatness
        ):
            voiced.append(chunk)
    if not voiced:
        return 0.0, -120.0
    return len(voiced) * config.frame_ms, rms_dbfs(np.concatenate(voiced))


def is_barge_in(audio: np.ndarray, config: EndpointerConfig | None = None) -> bool:
    """True if user audio heard during playback is long and loud enough to interrupt the assistant."""
    cfg = config or EndpointerConfig()
    duration, level = voiced_ms(audio, cfg)
    return duration >= cfg.barge_in_min_ms and level >= cfg.barge_in_min_rms_dbfs
