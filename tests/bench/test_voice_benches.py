"""The voice benchmarks: pure pieces (speech end, breakdown, ramp verdicts) and, slow, a quick run
of each script against a real server (embedded Postgres/Valkey of the test session, Whisper, Piper)
checking the result document's shape and sanity. Nothing here asserts a timing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.concurrency import holds, memory_slope_kb, ramp_steps, step_summary
from bench.shoppers import STAGES, TurnSample, breakdown, load_utterances, speech_end_s
from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings

REPO = Path(__file__).resolve().parents[2]
RATE = 16000


def _tone(seconds: float, level: float = 0.1) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_speech_end_after_digital_silence() -> None:
    audio = np.concatenate([np.zeros(RATE // 2, np.float32), _tone(1.3), np.zeros(RATE, np.float32)])
    assert speech_end_s(audio, RATE) == pytest.approx(1.8, abs=0.03)


def test_speech_end_under_noise() -> None:
    rng = np.random.default_rng(1)
    clean = np.concatenate([np.zeros(RATE // 2, np.float32), _tone(2.0), np.zeros(RATE, np.float32)])
    noisy = clean + rng.normal(scale=0.0707 * 10 ** (-15 / 20), size=clean.size).astype(np.float32)  # 15 dB SNR
    assert speech_end_s(noisy, RATE) == pytest.approx(2.5, abs=0.05)


def test_fixture_speech_ends_leave_the_generated_trailing_silence() -> None:
    for utterance in load_utterances("quick"):
        trail = utterance.duration_s - utterance.speech_end_s
        assert 1.1 <= trail <= 1.3, (utterance.name, trail)  # generate.py: TRAIL_S = 1.2
        assert utterance.frames[utterance.speech_end_frame] != bytes(len(utterance.frames[0]))


def _sample(**overrides: Any) -> TurnSample:
    sample = TurnSample(fixture="x.wav", t_eos=10.0, turn_id=1, t_speech_ended=10.75, t_first_audio=11.5,
                        transcript="show me dresses",
                        metrics={"endpoint_ms": 700.0, "asr_ms": 300.0, "nlu_ms": 100.0,
                                 "tts_first_byte_ms": 200.0})
    for key, value in overrides.items():
        setattr(sample, key, value)
    return sample


def test_breakdown_adds_up_to_voice_to_voice() -> None:
    sample = _sample()
    split = breakdown(sample)
    assert split is not None and list(split) == list(STAGES)
    assert split["endpointing"] == pytest.approx(700.0)
    assert split["transport"] == pytest.approx(200.0)
    assert sample.record()["endpoint_seen_ms"] == pytest.approx(750.0)
    assert sum(split.values()) == pytest.approx(sample.v2v_ms)
    assert breakdown(_sample(metrics={"endpoint_ms": 1.0, "asr_ms": None, "nlu_ms": 1.0,
                                      "tts_first_byte_ms": 1.0})) is None


def test_outcomes_name_what_went_missing() -> None:
    assert _sample().outcome() == "ok"
    assert _sample(turn_id=None).outcome() == "no_turn"
    assert _sample(transcript="").outcome() == "empty"
    assert _sample(t_first_audio=None).outcome() == "no_audio"
    assert _sample(errors=["slow_client"]).outcome() == "audio_dropped"
    assert _sample(audio_end_reason="dropped").outcome() == "audio_dropped"
    lost = _sample(audio_end_ms=1000.0, audio_rate=24000, audio_bytes=24000)  # 500 ms of the 1000 sent
    assert lost.outcome() == "frames_lost"


def test_ramp_steps_and_verdict() -> None:
    assert ramp_steps(30, 5) == [1, 5, 10, 15, 20, 25, 30]
    assert ramp_steps(2, 1) == [1, 2]
    good = step_summary(1, [_sample(), _sample()], 0, {}, 0.0)
    assert good["dropped"] == 0 and good["p95"] == pytest.approx(1500.0) and holds(good)
    assert not holds(step_summary(1, [_sample(t_first_audio=11.6)], 0, {}, 0.0))  # p95 1600 ms
    assert not holds(step_summary(2, [_sample(), _sample(turn_id=None)], 0, {}, 0.0))
    assert not holds(step_summary(1, [_sample()], 0, {"close_4429": 1.0}, 0.0))
    assert not holds(step_summary(1, [_sample()], 1, {}, 0.0))


def test_memory_slope() -> None:
    steps = [{"n": 100, "rss_mb": 510.0}, {"n": 200, "rss_mb": 520.0}]
    assert memory_slope_kb(500.0, steps) == pytest.approx(102.4)
    assert memory_slope_kb(500.0, []) is None
    assert memory_slope_kb(400.0, steps[:1]) == pytest.approx(1126.4)  # one step: from the baseline


# ---------------------------------------------------------------------- the scripts, end to end
def _env(state_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHEPHERD_") and k not in {"DATABASE_URL", "VALKEY_URL", "ELEVENLABS_API_KEY"}}
    env["SHEPHERD_STATE_DIR"] = str(state_dir)
    return env


def _bench(module: str, state_dir: Path, out_dir: Path, *extra: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", module, "--quick", "--state-dir", str(state_dir), "--out-dir", str(out_dir),
         *extra],
        capture_output=True, text=True, cwd=REPO, env=_env(state_dir), timeout=1200, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    name = module.rsplit(".", 1)[1]
    doc = json.loads((out_dir / f"{name}.json").read_text())
    assert doc["name"] == name and doc["machine"]["cores"] >= 1 and doc["rows"]
    return doc


@pytest.mark.slow
async def test_voice_latency_quick(settings: Settings, backends: Backends, tmp_path: Path) -> None:
    doc = await asyncio.to_thread(_bench, "bench.voice_latency", settings.state_dir, tmp_path, "--limit", "1")
    results = doc["results"]
    assert doc["setup"]["runs"] == 1 and doc["setup"]["compute_type"] in {"int8", "float16", "int8_float16"}
    assert results["outcomes"] == {"ok": 1}, results["turns_detail"]
    assert results["v2v_ms"]["n"] == 1 and results["v2v_ms"]["p50"] > 0
    vad = [t for t in results["turns_detail"] if t["mode"] == "vad"]
    assert len(vad) == 1 and vad[0]["intent"] == "search" and vad[0]["transcript"]
    assert vad[0]["end_reason"] == "silence"  # the server's VAD ended the turn
    ptt = results["push_to_talk"]
    assert ptt["outcomes"] == {"ok": 1} and ptt["v2v_ms"]["p50"] > 0
    assert [t["end_reason"] for t in results["turns_detail"] if t["mode"] == "ptt"] == ["flush"]
    split = results["breakdown_median_ms"]
    assert list(split) == list(STAGES)
    assert all(split[s] > 0 for s in ("endpointing", "understanding", "tts_first_byte"))
    assert sum(split.values()) == pytest.approx(results["v2v_ms"]["p50"], abs=1.0)
    assert {r["metric"] for r in doc["rows"]} >= {"p50 end of speech -> first reply audio"}


@pytest.mark.slow
async def test_concurrency_quick(settings: Settings, backends: Backends, tmp_path: Path) -> None:
    doc = await asyncio.to_thread(_bench, "bench.concurrency", settings.state_dir, tmp_path,
                                  "--fixtures-limit", "2")
    results = doc["results"]
    first = results["ramp"][0]
    assert first["n"] == 1 and first["turns"] >= 1
    assert first["dropped"] == 0 and first["failed_sessions"] == 0, first
    assert first["p50"] > 0 and first["rss_mb"] > 0
    assert all(v is not None for v in first["breakdown_median_ms"].values())
    listening = results["listening"]
    assert [s["target"] for s in listening][:1] == [10]
    assert listening[0]["n"] == 10 and listening[0]["pings"] > 0 and listening[0]["closed"] == 0
    assert all({"n", "lag_p95_ms", "rss_mb", "server_cpu_cores", "keeps_up"} <= s.keys() for s in listening)
