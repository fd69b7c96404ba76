"""TurnTracker (sans-I/O): server events grouped into turns, barge-in drops queued audio."""

from __future__ import annotations

import numpy as np

from voice_server.tools.client_turns import TurnTracker
from voice_server.tools.voice_client import backoff_delays, http_base, pcm_frames, to_pcm16


def _reply(turn_id: int, text: str = "Here you go.") -> dict:
    return {"type": "reply", "turn_id": turn_id, "text": text, "intent": "search", "products": []}


def test_a_turn_completes_after_reply_audio_end_and_metrics() -> None:
    tracker = TurnTracker()
    assert tracker.feed({"type": "ready", "turn_id": 0}) is None
    assert tracker.feed({"type": "speech_started", "turn_id": 1, "t_ms": 120}) is None
    assert tracker.feed({"type": "transcript", "turn_id": 1, "text": "black", "final": False}) is None
    assert tracker.feed({"type": "transcript", "turn_id": 1, "text": "black dresses", "final": True}) is None
    assert tracker.feed(_reply(1)) is None
    assert tracker.feed({"type": "audio_start", "turn_id": 1, "sample_rate": 24000}) is None
    tracker.feed_audio(b"\x01\x00" * 480)
    tracker.feed_audio(b"\x02\x00" * 480)
    assert tracker.feed({"type": "audio_end", "turn_id": 1, "duration_ms": 40, "reason": "complete"}) is None
    done = tracker.feed({"type": "metrics", "turn_id": 1, "voice_to_voice_ms": 700})
    assert done is not None and done.turn_id == 1
    assert done.transcript == "black dresses" and done.reply_text == "Here you go."
    assert len(done.audio) == 1920 and done.sample_rate == 24000
    assert tracker.other == [{"type": "ready", "turn_id": 0}]


def test_empty_final_transcript_completes_without_reply() -> None:
    tracker = TurnTracker()
    tracker.feed({"type": "speech_started", "turn_id": 1, "t_ms": 0})
    done = tracker.feed({"type": "transcript", "turn_id": 1, "text": "", "final": True})
    assert done is not None and done.reply is None and done.transcript == ""


def test_interruption_drops_audio_of_that_turn_and_older() -> None:
    tracker = TurnTracker()
    tracker.feed(_reply(1))
    tracker.feed({"type": "audio_start", "turn_id": 1, "sample_rate": 16000})
    tracker.feed_audio(b"\x00\x01" * 320)
    tracker.feed({"type": "speech_started", "turn_id": 2, "t_ms": 900})
    tracker.feed({"type": "interruption", "turn_id": 1, "reason": "barge_in", "played_ms": 20,
                  "heard_text": ""})
    tracker.feed_audio(b"\x00\x01" * 320)  # stale audio after barge-in: dropped
    turn1 = tracker.turns[1]
    assert len(turn1.audio) == 640 and turn1.interruption is not None
    assert tracker.feed({"type": "metrics", "turn_id": 1}) is turn1


def test_metrics_are_optional_after_grace_and_errors_complete() -> None:
    tracker = TurnTracker()
    tracker.feed(_reply(1))
    tracker.feed({"type": "audio_start", "turn_id": 1, "sample_rate": 16000})
    tracker.feed({"type": "audio_end", "turn_id": 1, "duration_ms": 0, "reason": "failed"})
    assert [t.turn_id for t in tracker.finish_settled()] == [1]
    done = tracker.feed({"type": "error", "turn_id": 2, "code": "asr_failed", "message": "x"})
    assert done is not None and done.errors[0]["code"] == "asr_failed"


def test_reset_on_reconnect_completes_open_turns_as_dropped() -> None:
    tracker = TurnTracker()
    tracker.feed({"type": "speech_started", "turn_id": 1, "t_ms": 0})
    dropped = tracker.reset()
    assert [t.dropped for t in dropped] == [True]
    assert tracker.connection == 1 and not tracker.turns


def test_framing_resampling_and_helpers() -> None:
    tone = np.sin(np.linspace(0, 2 * np.pi * 440, 44100)).astype(np.float32) * 0.5  # 1 s at 44.1 kHz
    pcm = to_pcm16(tone, 44100, 16000)
    assert len(pcm) == 32000
    frames = pcm_frames(pcm, 16000, 20)
    assert len(frames) == 50 and all(len(f) == 640 for f in frames)
    stereo = np.stack([tone, tone], axis=1)
    assert to_pcm16(stereo, 44100, 16000) == pcm
    assert backoff_delays(0.25, 2.0, 6) == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    assert http_base("wss://shop.example:8443/ws/voice?x=1") == "https://shop.example:8443"
