"""Micro-benchmark: ASR latency for a ~3 s utterance (batch 1 and 4) and Piper time-to-first-audio.

Run: .venv/bin/python bench/asr_tts_micro.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from audio.asr import BatchingTranscriber, WhisperEngine
from audio.models import piper_voice_paths, resolve_whisper_model
from audio.pcm import decode_file
from audio.tts import PiperTts

ROOT = Path(__file__).resolve().parents[1]


async def asr_latency(transcriber: BatchingTranscriber, batch: int, repeats: int) -> list[float]:
    clip = decode_file(ROOT / "fixtures" / "audio" / "jfk.flac")[: 3 * 16000]
    await transcriber.transcribe(clip)  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        results = await asyncio.gather(*(transcriber.transcribe(clip) for _ in range(batch)))
        assert all(r.batch_size == batch for r in results)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def piper_ttfa(tts: PiperTts, repeats: int) -> list[float]:
    text = "Here are three black dresses under eighty dollars. Want to see more?"
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        async for _chunk in tts.stream(text):
            times.append((time.perf_counter() - started) * 1000)
            break
    return times[1:]  # drop warm-up


def summary(name: str, values: list[float]) -> str:
    return f"{name}: median {statistics.median(values):.0f} ms, min {min(values):.0f} ms (n={len(values)})"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        engine = WhisperEngine(resolve_whisper_model(None, Path(state)))
        print(f"whisper base on {engine.device}/{engine.compute_type}")
        transcriber = BatchingTranscriber(engine)
        for batch in (1, 4):
            print(
                summary(
                    f"ASR 3 s utterance, batch {batch} (wall time for the whole batch)",
                    await asr_latency(transcriber, batch, args.repeats),
                )
            )
        await transcriber.close()
    print(
        summary("Piper time to first audio", await piper_ttfa(PiperTts(*piper_voice_paths()), args.repeats))
    )


if __name__ == "__main__":
    asyncio.run(main())
