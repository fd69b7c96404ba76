"""Replay every audio fixture through Resampler -> Endpointer -> BatchingTranscriber.

Thresholds were measured on this pipeline (Whisper base, int8, greedy) and leave a margin:
measured corpus WER: all speech 0.128, clean 0.121 (Piper 0.068, espeak-ng 0.214), 15 dB SNR
noise 0.15. Thresholds sit ~0.03-0.04 above so int8 kernels on other CPUs do not flake, while a
broken resampler, a clipped pre-roll or a cut turn (each worth several points) still fails.
"""

from __future__ import annotations

import asyncio

import pytest

from audio.asr import BatchingTranscriber, Transcript
from tests.audio.fixture_replay import FixtureCase, corpus_wer, load_manifest, replay

CASES = load_manifest()
pytestmark = pytest.mark.slow  # ~1 min of ASR on 2 cores (more when the machine is busy)
MAX_WER_ALL_SPEECH = 0.17
MAX_WER_CLEAN = 0.16
MAX_WER_PIPER_CLEAN = 0.10


@pytest.fixture(scope="module")
async def replayed(transcriber: BatchingTranscriber) -> dict[str, tuple[int, list[Transcript]]]:
    """file -> (turns detected, transcripts of those turns); each file's turns are sent concurrently."""
    out: dict[str, tuple[int, list[Transcript]]] = {}
    for case in CASES:
        turns = replay(case.path)
        results = await asyncio.gather(
            *(transcriber.transcribe(t.audio, hotwords=case.hotwords) for t in turns)
        )
        out[case.file] = (len(turns), list(results))
    return out


def hypothesis(results: list[Transcript]) -> str:
    return " ".join(r.text for r in results if r.text)


def test_manifest_is_complete_and_varied() -> None:
    files = {c.file for c in CASES}
    assert len(CASES) >= 40 and len(files) == len(CASES)
    assert all(c.path.is_file() for c in CASES)
    assert {c.sample_rate for c in CASES} >= {8000, 16000, 24000, 44100, 48000}
    assert {c.voice.split(":")[0] for c in CASES} >= {"piper", "espeak", "human"}
    assert sum(c.noise != "none" and c.expect_turns for c in CASES) >= 6
    assert sum(c.expect_turns == 0 for c in CASES) >= 4


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_turns_detected(case: FixtureCase, replayed: dict[str, tuple[int, list[Transcript]]]) -> None:
    turns, results = replayed[case.file]
    assert turns == case.expect_turns
    if case.expect_turns == 0:
        assert hypothesis(results) == ""


def corpus(replayed: dict[str, tuple[int, list[Transcript]]], cases: list[FixtureCase]) -> float:
    return corpus_wer([c.text for c in cases], [hypothesis(replayed[c.file][1]) for c in cases])


def test_word_error_rate(replayed: dict[str, tuple[int, list[Transcript]]]) -> None:
    speech = [c for c in CASES if c.text]
    clean = [c for c in speech if c.noise == "none"]
    piper_clean = [c for c in clean if c.voice.startswith("piper")]
    assert corpus(replayed, speech) <= MAX_WER_ALL_SPEECH
    assert corpus(replayed, clean) <= MAX_WER_CLEAN
    assert corpus(replayed, piper_clean) <= MAX_WER_PIPER_CLEAN


def test_pause_inside_is_one_complete_utterance(replayed: dict[str, tuple[int, list[Transcript]]]) -> None:
    turns, results = replayed["pause_inside_piper_16k.wav"]
    assert turns == 1
    text = hypothesis(results).lower()
    assert "size" in text and "medium" in text


async def test_whole_nonspeech_files_give_no_text(transcriber: BatchingTranscriber) -> None:
    """Even without the VAD in front, the ASR guards keep noise, coughs and hums silent."""
    from tests.audio.fixture_replay import speech_audio

    nonspeech = [c for c in CASES if c.expect_turns == 0]
    results = await asyncio.gather(*(transcriber.transcribe(speech_audio(c)) for c in nonspeech))
    assert [r.text for r in results] == [""] * len(nonspeech)
