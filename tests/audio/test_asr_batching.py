"""audio.asr + audio.models: bundled model, batched decoding, guards, hotwords, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from audio.asr import MAX_PROMPT_TOKENS, WINDOW_FRAMES, AsrError, BatchingTranscriber, WhisperEngine
from audio.asr_guard import GuardConfig, guard_transcript, strip_annotations
from audio.models import bundled_whisper_parts, default_whisper_model_dir, resolve_whisper_model
from audio.pcm import decode_file
from tests.audio.fixture_replay import FIXTURES, corpus_wer, normalise

JFK = decode_file(FIXTURES / "jfk.flac")
HOTWORDS = decode_file(FIXTURES / "hotwords.mp3")


def test_bundled_model_is_joined_once(audio_state_dir: Path, whisper_engine: WhisperEngine) -> None:
    model_dir = default_whisper_model_dir(audio_state_dir)
    model_bin = model_dir / "model.bin"
    assert model_bin.stat().st_size == sum(p.stat().st_size for p in bundled_whisper_parts())
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (model_dir / name).is_file()
    before = model_bin.stat().st_mtime_ns
    assert default_whisper_model_dir(audio_state_dir) == model_dir
    assert model_bin.stat().st_mtime_ns == before  # not rewritten
    assert not [p for p in model_dir.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_resolve_passes_names_and_paths_through(audio_state_dir: Path) -> None:
    assert resolve_whisper_model("small.en", audio_state_dir) == "small.en"
    assert resolve_whisper_model("base-bundled", audio_state_dir) == str(
        default_whisper_model_dir(audio_state_dir)
    )


async def test_jfk_is_transcribed(transcriber: BatchingTranscriber) -> None:
    result = await transcriber.transcribe(JFK)
    reference = (
        "And so my fellow Americans, ask not what your country can do for you, "
        "ask what you can do for your country."
    )
    assert corpus_wer([reference], [result.text]) <= 0.05
    assert result.confidence > 0.6 and result.no_speech_prob < 0.3
    assert result.audio_ms == pytest.approx(11000) and result.asr_ms > 0


async def test_concurrent_requests_share_one_forward_pass(transcriber: BatchingTranscriber) -> None:
    clips = [JFK[:48000], JFK[48000:112000], HOTWORDS, JFK[112000:]]
    sequential = [await transcriber.transcribe(clip) for clip in clips]
    batches_before = transcriber.metrics.batches
    concurrent = await asyncio.gather(*(transcriber.transcribe(clip) for clip in clips))
    assert [r.batch_size for r in concurrent] == [4, 4, 4, 4]
    assert transcriber.metrics.batches == batches_before + 1
    assert transcriber.metrics.batch_sizes[4] >= 1
    assert [normalise(r.text) for r in concurrent] == [normalise(r.text) for r in sequential]
    assert all(r.text for r in concurrent)


async def test_hotwords_bias_recognition(transcriber: BatchingTranscriber) -> None:
    plain = await transcriber.transcribe(HOTWORDS)
    biased = await transcriber.transcribe(HOTWORDS, hotwords="ComfyUI")
    assert "comfyui" not in plain.text.lower()
    assert biased.text.lower().count("comfyui") == 2


def test_hotword_prompt_is_capped(whisper_engine: WhisperEngine) -> None:
    prompt = whisper_engine.prompt(" ".join(["Roadster Puma Nike Levis"] * 200))
    assert len(prompt) <= MAX_PROMPT_TOKENS + 5
    assert len(whisper_engine.prompt(None)) == 4  # sot, en, transcribe, notimestamps


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros(32000, dtype=np.float32),
        np.random.default_rng(0).normal(0, 0.03, 32000).astype(np.float32),
        np.random.default_rng(1).normal(0, 0.0005, 48000).astype(np.float32),
    ],
    ids=["digital-silence", "white-noise", "faint-hiss"],
)
async def test_no_text_for_silence_or_noise(transcriber: BatchingTranscriber, audio: np.ndarray) -> None:
    result = await transcriber.transcribe(audio)
    assert result.text == "" and result.dropped is not None


async def test_a_bad_request_fails_alone(transcriber: BatchingTranscriber) -> None:
    good = transcriber.transcribe(JFK[:40000])
    bad = transcriber.transcribe(np.zeros((2, 100), dtype=np.float32))
    results = await asyncio.gather(good, bad, return_exceptions=True)
    assert "fellow americans" in normalise(results[0].text)
    assert isinstance(results[1], AsrError) and results[1].kind == "invalid_input"
    with pytest.raises(AsrError):
        await transcriber.transcribe(np.array([np.nan] * 1600, dtype=np.float32))


async def test_cancelled_caller_does_not_break_the_batcher(transcriber: BatchingTranscriber) -> None:
    task = asyncio.ensure_future(transcriber.transcribe(JFK[:32000], interim=True))
    await asyncio.sleep(0)
    task.cancel()
    result = await transcriber.transcribe(JFK[:48000])
    assert "americans" in normalise(result.text)


def test_guard_rules() -> None:
    cfg = GuardConfig()
    ok = {"avg_logprob": -0.2, "no_speech_prob": 0.02, "compression_ratio": 1.2, "audio_ms": 1500.0}
    assert guard_transcript("Show me red dresses", level_dbfs=-20, config=cfg, **ok) is None
    assert guard_transcript("Show me red dresses", level_dbfs=-60, config=cfg, **ok) == "quiet"
    assert guard_transcript("Thanks for watching!", level_dbfs=-20, config=cfg, **ok) == "hallucination"
    assert guard_transcript("Subtitles by the Amara.org community", level_dbfs=-20, config=cfg, **ok)
    weak = {**ok, "no_speech_prob": 0.4}
    assert guard_transcript("Thank you.", level_dbfs=-20, config=cfg, **weak) == "hallucination"
    assert guard_transcript("you", level_dbfs=-40, config=cfg, **ok) == "hallucination"
    assert guard_transcript("Thank you.", level_dbfs=-20, config=cfg, **ok) is None  # clearly said
    noisy = {**ok, "no_speech_prob": 0.8, "avg_logprob": -1.2}
    assert guard_transcript("blue", level_dbfs=-20, config=cfg, **noisy) == "no_speech"
    loop = {**ok, "compression_ratio": 3.1}
    assert guard_transcript("the the the the", level_dbfs=-20, config=cfg, **loop) == "repetitive"
    assert guard_transcript("[BLANK_AUDIO]", level_dbfs=-20, config=cfg, **ok) == "empty"
    assert strip_annotations("(upbeat music) Show me *cough* shoes [BLANK_AUDIO]") == "Show me shoes"


async def test_interim_requests_never_delay_a_final_one(whisper_engine: WhisperEngine) -> None:
    """On CPU a batch costs the sum of its items: an interim must not ride along with a final."""
    batcher = BatchingTranscriber(whisper_engine, max_batch=8, max_wait_ms=50, interim_alone=True)
    done: list[str] = []

    async def ask(name: str, interim: bool):
        result = await batcher.transcribe(JFK[:48000], interim=interim)
        done.append(name)
        return result

    try:
        interim, final = await asyncio.gather(ask("interim", True), ask("final", False))
        assert done == ["final", "interim"]
        assert final.batch_size == 1 and interim.batch_size == 1 and interim.interim
        assert normalise(final.text) == normalise(interim.text) and final.text
        assert not batcher.busy
        # interims alone still batch together
        both = await asyncio.gather(ask("a", True), ask("b", True))
        assert [r.batch_size for r in both] == [2, 2]
    finally:
        await batcher.close()


def test_encoder_window_is_shortened_but_never_below_the_floor(whisper_engine: WhisperEngine) -> None:
    assert whisper_engine.min_window_frames == 1200  # the 12 s default
    assert whisper_engine.window_frames(300) == 1200  # a 3 s request: the floor
    assert whisper_engine.window_frames(1500) == 1700  # 15 s: itself plus 2 s of silence
    assert whisper_engine.window_frames(2900) == WINDOW_FRAMES  # never over Whisper's 30 s
    assert whisper_engine.features(JFK).shape[-1] == 1300  # JFK is 11 s
    full = WhisperEngine.__new__(WhisperEngine)
    full.min_window_frames = WINDOW_FRAMES
    assert full.window_frames(300) == WINDOW_FRAMES


def test_a_batch_of_short_and_long_requests_shares_one_window(whisper_engine: WhisperEngine) -> None:
    short = JFK[: 16000 * 3]
    both = whisper_engine.transcribe_batch([short, np.concatenate([JFK, JFK])], [None, None])
    assert "americans" in normalise(both[0].text) or "fellow" in normalise(both[0].text)
    assert normalise(both[1].text).count("country") >= 2
