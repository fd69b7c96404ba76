"""audio.vad: endpointing on synthetic signals (voiced harmonic tones, bursts, silence)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from audio.pcm import float32_to_pcm16
from audio.vad import (
    Endpointer,
    EndpointerConfig,
    PossibleEnd,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VadEvent,
    is_barge_in,
)

RATE = 16000
TOL_MS = 90  # webrtcvad needs a couple of frames to settle on a tone's edges


def voiced(seconds: float, level_dbfs: float = -20.0, f0: float = 140.0) -> np.ndarray:
    """A vowel-like harmonic tone (what webrtcvad calls speech) at a given RMS level."""
    t = np.arange(int(RATE * seconds)) / RATE
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8))
    wave = wave / np.sqrt(np.mean(wave**2)) * 10 ** (level_dbfs / 20)
    return wave.astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds), dtype=np.float32)


def burst(seconds: float) -> np.ndarray:
    """Cough-like: loud, decaying, short."""
    tone = voiced(seconds, -10.0, f0=220.0)
    return (tone * np.exp(-np.arange(tone.size) / (RATE * seconds / 3))).astype(np.float32)


def run(signal: np.ndarray, chunk_bytes: int = 640, config: EndpointerConfig | None = None) -> list[VadEvent]:
    endpointer = Endpointer(config)
    pcm = float32_to_pcm16(signal)
    events: list[VadEvent] = []
    for offset in range(0, len(pcm), chunk_bytes):
        events.extend(endpointer.feed(pcm[offset : offset + chunk_bytes]))
    events.extend(endpointer.flush())
    return events


def of_type(events: list[VadEvent], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_one_utterance_timing_preroll_and_speculative_audio() -> None:
    cfg = EndpointerConfig()
    events = run(np.concatenate([quiet(1.0), voiced(1.5), quiet(1.5)]))
    assert [type(e) for e in events] == [SpeechStarted, PossibleEnd, SpeechEnded]
    started, possible, ended = events
    assert started.t_ms == pytest.approx(1000, abs=TOL_MS)
    assert possible.t_ms == pytest.approx(2500 + cfg.possible_end_ms, abs=TOL_MS)
    assert ended.t_ms == pytest.approx(2500 + cfg.end_silence_ms, abs=TOL_MS)
    assert ended.reason == "silence"
    # pre-roll + speech + the possible-end silence, and identical to the speculative audio
    expected_ms = cfg.preroll_ms + 1500 + cfg.possible_end_ms
    assert ended.audio_ms == pytest.approx(expected_ms, abs=TOL_MS + cfg.frame_ms)
    np.testing.assert_array_equal(ended.audio, possible.audio)
    # the pre-roll really holds the silence before the voiced start
    assert np.abs(ended.audio[: RATE * 250 // 1000]).max() == 0.0


def test_short_pause_is_not_an_end() -> None:
    events = run(np.concatenate([quiet(0.5), voiced(0.8), quiet(0.45), voiced(0.8), quiet(1.2)]))
    assert [type(e) for e in events] == [SpeechStarted, PossibleEnd, SpeechResumed, PossibleEnd, SpeechEnded]
    ended = of_type(events, SpeechEnded)[0]
    assert ended.audio_ms > 300 + 800 + 450 + 800


def test_long_pause_splits_turns() -> None:
    events = run(np.concatenate([quiet(0.5), voiced(0.8), quiet(1.0), voiced(0.8), quiet(1.2)]))
    assert len(of_type(events, SpeechStarted)) == 2
    assert [e.reason for e in of_type(events, SpeechEnded)] == ["silence", "silence"]


@pytest.mark.parametrize("chunk_bytes", [1, 7, 333, 960, 4097])
def test_any_chunk_size_gives_the_same_events(chunk_bytes: int) -> None:
    signal = np.concatenate([quiet(0.4), voiced(0.7), quiet(1.0)])
    reference = run(signal, chunk_bytes=960)
    events = run(signal, chunk_bytes=chunk_bytes)
    assert [(type(e), e.t_ms) for e in events] == [(type(e), e.t_ms) for e in reference]
    np.testing.assert_array_equal(
        of_type(events, SpeechEnded)[0].audio, of_type(reference, SpeechEnded)[0].audio
    )


def test_max_length_cuts_a_monologue() -> None:
    cfg = EndpointerConfig(max_utterance_ms=3000)
    events = run(np.concatenate([quiet(0.3), voiced(4.0), quiet(1.0)]), config=cfg)
    ended = of_type(events, SpeechEnded)
    assert ended[0].reason == "max_length"
    assert ended[0].audio_ms == pytest.approx(3000, abs=cfg.frame_ms)


@pytest.mark.parametrize("signal_seconds", [0.08, 0.15])
def test_cough_or_mhm_does_not_open_a_turn(signal_seconds: float) -> None:
    signal = np.concatenate(
        [quiet(0.5), burst(signal_seconds), quiet(0.3), burst(signal_seconds), quiet(1.0)]
    )
    assert run(signal) == []


def test_faint_sound_is_gated_by_energy() -> None:
    assert run(np.concatenate([quiet(0.3), voiced(1.0, level_dbfs=-55), quiet(1.0)])) == []
    assert of_type(run(np.concatenate([quiet(0.3), voiced(1.0, level_dbfs=-35), quiet(1.0)])), SpeechEnded)


def test_loud_white_noise_is_gated_by_spectral_flatness() -> None:
    noise = np.random.default_rng(3).normal(0, 10 ** (-20 / 20), RATE * 2).astype(np.float32)
    assert run(noise) == []


def test_flush_ends_an_utterance_in_progress_and_reset_forgets() -> None:
    endpointer = Endpointer()
    assert endpointer.flush() == []
    events = endpointer.feed(float32_to_pcm16(np.concatenate([quiet(0.3), voiced(1.0)])))
    assert of_type(events, SpeechStarted) and endpointer.in_speech
    assert endpointer.current_audio().size > RATE
    (ended,) = endpointer.flush()
    assert isinstance(ended, SpeechEnded) and ended.reason == "flush" and not endpointer.in_speech
    endpointer.feed(float32_to_pcm16(voiced(0.5)))
    endpointer.reset()
    assert not endpointer.in_speech and endpointer.t_ms == 0 and endpointer.current_audio().size == 0


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError):
        EndpointerConfig(frame_ms=25)
    with pytest.raises(ValidationError):
        EndpointerConfig(aggressiveness=4)
    with pytest.raises(ValidationError):
        EndpointerConfig(possible_end_ms=900, end_silence_ms=700)


def test_barge_in_needs_duration_and_energy() -> None:
    assert is_barge_in(voiced(0.8))
    assert not is_barge_in(voiced(0.2))
    assert not is_barge_in(voiced(0.8, level_dbfs=-42))
    assert not is_barge_in(np.concatenate([burst(0.15), quiet(0.3), burst(0.15)]))


def test_confirm_end_ends_early_with_the_speculative_audio() -> None:
    """Adaptive endpointing: after PossibleEnd the session may end the turn before end_silence_ms."""
    cfg = EndpointerConfig()
    endpointer = Endpointer(cfg)
    assert endpointer.confirm_end() == [] and endpointer.trailing_silence_ms == 0
    events = endpointer.feed(float32_to_pcm16(np.concatenate([quiet(0.5), voiced(1.2)])))
    assert of_type(events, SpeechStarted) and not endpointer.end_pending
    assert endpointer.confirm_end() == []  # still talking: nothing to confirm
    events = endpointer.feed(float32_to_pcm16(quiet(0.4)))
    possible = of_type(events, PossibleEnd)
    assert len(possible) == 1 and not of_type(events, SpeechEnded)
    assert endpointer.end_pending
    assert 400 - TOL_MS <= endpointer.trailing_silence_ms < cfg.end_silence_ms
    ended = endpointer.confirm_end()
    assert len(ended) == 1 and isinstance(ended[0], SpeechEnded) and ended[0].reason == "silence"
    assert np.array_equal(ended[0].audio, possible[0].audio)
    assert 400 - TOL_MS <= ended[0].silence_ms < cfg.end_silence_ms
    assert not endpointer.in_speech and not endpointer.end_pending
    assert endpointer.feed(float32_to_pcm16(quiet(1.0))) == []  # the full silence adds no second end


def test_speech_ended_reports_its_trailing_silence() -> None:
    cfg = EndpointerConfig()
    events = run(np.concatenate([quiet(0.5), voiced(1.0), quiet(1.0)]), config=cfg)
    (ended,) = of_type(events, SpeechEnded)
    assert cfg.end_silence_ms <= ended.silence_ms < cfg.end_silence_ms + cfg.frame_ms  # whole frames
    resumed = run(np.concatenate([quiet(0.5), voiced(1.0), quiet(0.3), voiced(0.5), quiet(1.0)]))
    assert of_type(resumed, SpeechResumed) and len(of_type(resumed, SpeechEnded)) == 1


def test_noisy_onset_is_kept_by_the_lookback() -> None:
    """A start masked by noise (loud but flat: the voiced test fails) opens the turn late; the audio
    still reaches back to it (plus the pre-roll). Steady noise alone adds nothing."""
    rng = np.random.default_rng(7)

    def noise(seconds: float, level_dbfs: float) -> np.ndarray:
        return (rng.standard_normal(int(RATE * seconds)) * 10 ** (level_dbfs / 20)).astype(np.float32)

    floor = noise(4.2, -38.0)
    speech = np.concatenate([quiet(1.0), noise(0.6, -20.0), voiced(1.0), quiet(1.6)])
    signal = floor + speech
    cfg = EndpointerConfig()
    ended = of_type(run(signal), SpeechEnded)
    assert len(ended) == 1
    expected_ms = cfg.preroll_ms + 600 + 1000 + cfg.possible_end_ms
    assert ended[0].audio_ms == pytest.approx(expected_ms, abs=TOL_MS + 2 * cfg.frame_ms)
    fixed = of_type(run(signal, config=EndpointerConfig(max_lookback_ms=0)), SpeechEnded)
    assert fixed[0].audio_ms < expected_ms - 400  # without it the masked 600 ms are mostly lost
