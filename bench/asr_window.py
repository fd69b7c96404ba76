"""Whisper's encoder window: fixture WER and decode time, full 30 s vs shortened windows.

    python -m bench.asr_window [--state-dir .shepherd]

Each fixture utterance (cut by the server's endpointer) is decoded alone with the server's engine
(greedy, int8 on CPU) at each window; prints corpus WER and the median/p95 decode time.
The numbers behind ``SHEPHERD_ASR_MIN_WINDOW_S`` (docs/audio.md).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from audio.asr import HOP_SAMPLES, WINDOW_FRAMES, WhisperEngine
from audio.models import resolve_whisper_model
from tests.audio.fixture_replay import corpus_wer, load_manifest, replay

WINDOWS: dict[str, Callable[[WhisperEngine, int], int]] = {
    "30 s (Whisper's own)": lambda engine, n: WINDOW_FRAMES,
    "max(12 s, len + 2 s)": lambda engine, n: engine.window_frames(n),  # the server's default
    "max(10 s, len + 2 s)": lambda engine, n: min(WINDOW_FRAMES, max(1000, n + 200)),
    "max(8 s, len + 2 s)": lambda engine, n: min(WINDOW_FRAMES, max(800, n + 200)),
    "max(5 s, len + 1 s)": lambda engine, n: min(WINDOW_FRAMES, max(500, n + 100)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=Path(".shepherd"))
    args = parser.parse_args()
    engine = WhisperEngine(resolve_whisper_model(None, args.state_dir))
    engine.warm_up()
    cases = [c for c in load_manifest() if c.text]
    utterances = [(c.text, [t.audio for t in replay(c.path)]) for c in cases]
    print(f"{'window':<24} {'WER':>6} {'p50 s':>7} {'p95 s':>7}   ({len(cases)} fixtures)")
    for name, window in WINDOWS.items():
        refs, hyps, times = [], [], []
        for text, audios in utterances:
            words = []
            for audio in audios:
                feats = engine.features(audio, window(engine, len(audio) // HOP_SAMPLES))[None].astype(np.float32)
                started = time.perf_counter()
                words.append(engine._generate(feats, engine.prompt(None))[0].text)
                times.append(time.perf_counter() - started)
            refs.append(text)
            hyps.append(" ".join(words))
        print(f"{name:<24} {corpus_wer(refs, hyps):>6.3f} {np.median(times):>7.2f} {np.percentile(times, 95):>7.2f}")


if __name__ == "__main__":
    main()
