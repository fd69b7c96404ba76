"""Every garbage collection is timed into shepherd_gc_pause_seconds{generation}."""

from __future__ import annotations

import gc

from prometheus_client import REGISTRY

from voice_server.platform.heap import observe_gc_pauses


def full_collections() -> float:
    return REGISTRY.get_sample_value("shepherd_gc_pause_seconds_count", {"generation": "2"}) or 0.0


def test_full_collections_are_timed() -> None:
    observe_gc_pauses()
    observe_gc_pauses()  # idempotent: one callback
    before = full_collections()
    gc.collect()
    assert full_collections() == before + 1
