"""Shared plumbing for every benchmark: the machine description, percentile summaries and result files.

Every benchmark writes ``bench/results/<name>.json`` through :func:`write_result`:

    {
      "name": "voice_latency",
      "created": "2026-11-25T01:02:03Z",
      "machine": {...machine_info()...},
      "setup": {"model": "whisper base", "compute_type": "int8", "runs": 3, ...},
      "results": {...free-form, the benchmark's own numbers...},
      "rows": [ {"benchmark": "Voice-to-voice", "metric": "p50 end of speech -> first audio",
                 "value": "540 ms", "goal": "<= 600 ms", "met": true, "setup": "2 cores, base int8, 3 runs"} ]
    }

``rows`` are what ``bench/run_all.py`` merges into ``bench/results/summary.md`` and the README table.
Summaries report medians and tails over the samples of a run; a row's setup says how many runs it rests on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psutil

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def cpu_probe_ms(repeats: int = 5) -> float:
    """Median milliseconds of a fixed pure-Python loop: how fast this machine is *right now*.

    The shared 2-core VM these numbers come from changes speed by up to 2x within minutes (the
    same loop took 0.44 to 0.93 s), so results are only comparable next to this probe."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        sum(range(1_000_000))
        times.append((time.perf_counter() - started) * 1000)
    return round(float(np.median(times)), 1)


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on (CPU model, cores the process may use, memory, Python) and
    the CPU probe at the time of writing."""
    cpu_model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu_model,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpu_probe_ms": cpu_probe_ms(),
    }


def summarize(samples: Sequence[float]) -> dict[str, float | int]:
    """n, mean, p50, p95, p99, min, max of ``samples`` (empty input gives n=0 only)."""
    if not samples:
        return {"n": 0}
    arr = np.asarray(samples, dtype=float)
    return {
        "n": int(arr.size),
        "mean": float(arr.mean()),
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "p99": float(np.percentile(arr, 99)),
        "min": float(arr.min()),
        "max": float(arr.max()),
    }


def row(benchmark: str, metric: str, value: str, setup: str, goal: str = "", met: bool | None = None
        ) -> dict[str, Any]:
    """One line of the README benchmark table."""
    return {"benchmark": benchmark, "metric": metric, "value": value, "goal": goal, "met": met, "setup": setup}


def ms(seconds: float) -> str:
    """Seconds as a rounded millisecond string for tables."""
    return f"{seconds * 1000:.0f} ms"


def write_result(name: str, setup: dict[str, Any], results: dict[str, Any], rows: list[dict[str, Any]],
                 out_dir: Path = RESULTS_DIR) -> Path:
    """Write ``<out_dir>/<name>.json`` in the shared format and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "name": name,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine_info(),
        "setup": setup,
        "results": results,
        "rows": rows,
    }
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return path


def load_results(out_dir: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    """Every result document in ``out_dir`` (sorted by name)."""
    return [json.loads(p.read_text()) for p in sorted(out_dir.glob("*.json"))]
