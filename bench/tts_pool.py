"""Piper synthesis pool: onnxruntime's default threads with one synthesis at a time (before issue 17) vs one
thread per synthesis in a pool of one worker per core (now). Both in one run, side by side.

    python -m bench.tts_pool [--concurrent 4] [--repeats 3]

Prints the latency of one synthesis alone and the wall time of `--concurrent` syntheses started together
(as when several shoppers' replies are due at once), median of `--repeats`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from audio.models import piper_voice_paths
from audio.tts import PiperTts

TEXTS = [
    "Here are three black dresses under eighty dollars.",
    "Your cart holds two items, at one hundred and four dollars in all.",
    "Size medium should fit you best, going by your measurements.",
    "The navy wrap dress from Mango is sixty five dollars.",
]


async def one_at(tts: PiperTts, text: str) -> float:
    started = time.perf_counter()
    async for _ in tts.stream(text):
        pass
    return time.perf_counter() - started


async def measure(tts: PiperTts, concurrent: int, repeats: int) -> dict[str, float]:
    await one_at(tts, TEXTS[0])  # warm
    alone = statistics.median([await one_at(tts, TEXTS[0]) for _ in range(repeats)])
    walls = []
    for _ in range(repeats):
        started = time.perf_counter()
        await asyncio.gather(*(one_at(tts, TEXTS[i % len(TEXTS)]) for i in range(concurrent)))
        walls.append(time.perf_counter() - started)
    return {"alone_s": alone, "together_s": statistics.median(walls)}


async def main_async(args: argparse.Namespace) -> None:
    paths = piper_voice_paths()
    before = PiperTts(*paths, workers=1, threads=0)  # onnxruntime default threads, one synthesis at a time
    now = PiperTts(*paths)  # one thread per synthesis, one worker per usable core
    results = {}
    for label, tts in (("before", before), ("now", now)):
        results[label] = await measure(tts, args.concurrent, args.repeats)
        tts.close()
    for label, r in results.items():
        print(f"{label:>6}: one synthesis alone {r['alone_s']:.3f} s; {args.concurrent} together {r['together_s']:.3f} s")
    b, n = results["before"], results["now"]
    print(f"ratio now/before: alone {n['alone_s'] / b['alone_s']:.2f}, together {n['together_s'] / b['together_s']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tts_pool", description=__doc__.split("\n")[0])
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
