"""Garbage-collector pauses, measured.

A started server holds millions of long-lived Python objects (the catalog vocabulary, the ASR
correction lexicon and its English word list, the semantic index, models' Python wrappers). Every
full (generation 2) collection walks all of them while holding the GIL, so it stalls the event loop
and every thread that needs the GIL. `shepherd_gc_pause_seconds{generation}` times each collection;
`bench.concurrency` reports the full ones of each ramp step (`results.ramp[].full_gc`).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import Histogram

GC_PAUSE = Histogram(
    "shepherd_gc_pause_seconds", "Time the cyclic garbage collector held the GIL, by generation",
    ["generation"], buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
_started: list[float] = []


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started.append(time.perf_counter())
    elif _started:
        GC_PAUSE.labels(str(info.get("generation", "?"))).observe(time.perf_counter() - _started.pop())


def observe_gc_pauses() -> None:
    """Time every collection into `GC_PAUSE` (idempotent)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
