"""The learned end-of-turn model for voice sessions: one per process, scored on its own thread.

`p_complete` runs Smart Turn v3.2 (`audio.turn_end`) on a single worker thread, off the event loop,
and returns P(the shopper has finished) for the audio of a possible end of speech, or None when the
model file is not installed (logged once, as an error: `make` installs it; the text rule then
decides alone). The decision itself is `voice_server.voice.speculation.required_silence_ms`.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from audio.turn_end import EndOfTurnModel, TurnModelError, load_model
from voice_server.platform.logs import get_logger

log = get_logger(__name__)


@lru_cache(maxsize=1)
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="turn-model")


@lru_cache(maxsize=1)
def model() -> EndOfTurnModel | None:
    """The process-wide model (loaded on first call; blocking), None if its file is missing or altered."""
    try:
        started = time.perf_counter()
        loaded = load_model()
        log.info("turn_model.loaded", path=str(loaded.path), ms=round((time.perf_counter() - started) * 1000))
        return loaded
    except TurnModelError as exc:
        log.error("turn_model.unavailable", error=str(exc), reason=exc.reason)
        return None


async def preload() -> bool:
    """Load the model on its thread (server start-up); True when it is usable."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), model) is not None


def _score(audio: np.ndarray) -> float | None:
    loaded = model()
    return None if loaded is None else loaded.predict(audio)


async def p_complete(audio: np.ndarray) -> float | None:
    """P(turn complete) for float32 16 kHz audio of the turn so far (None: no model)."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), _score, audio)
