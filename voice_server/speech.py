"""Shared speech engines (one Whisper model + one TTS voice per process), loaded in the background.

`speech_ctx` is an aiohttp cleanup context: the app starts serving at once (/healthz answers)
while the models load in a worker thread; `AppState.asr` / `AppState.tts` are set when ready
(/readyz turns 200). On shutdown the transcriber and voice are released.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from aiohttp import web

from audio.asr import BatchingTranscriber, WhisperEngine
from audio.models import piper_voice_paths, resolve_whisper_model
from audio.tts import ElevenLabsTts, FallbackTts, PiperTts, TtsEngine
from voice_server.logs import get_logger
from voice_server.settings import Settings
from voice_server.state import APP_STATE, AppState

log = get_logger(__name__)

SPEECH_LOADER = "speech_loader"
"""Key in `AppState.services` of the loading task (await it to wait until speech is ready)."""


def build_asr(settings: Settings) -> BatchingTranscriber:
    """Load Whisper (blocking, seconds) and wrap it in the shared batching transcriber."""
    model = resolve_whisper_model(settings.whisper_model, settings.state_dir)
    engine = WhisperEngine(
        model, device=settings.whisper_device, compute_type=settings.whisper_compute_type,
        cpu_threads=settings.asr_cpu_threads,
    )
    asr = BatchingTranscriber(engine, max_batch=settings.asr_max_batch, max_wait_ms=settings.asr_max_wait_ms)
    asr.model_name = settings.whisper_model or "base-bundled"  # type: ignore[attr-defined]
    return asr


def build_tts(settings: Settings) -> TtsEngine:
    """Piper by default; ElevenLabs with Piper fallback when ELEVENLABS_API_KEY is set."""
    model_path, config_path = piper_voice_paths()
    piper = PiperTts(model_path, config_path)
    if settings.elevenlabs_api_key is None:
        return piper
    eleven = ElevenLabsTts(
        settings.elevenlabs_api_key.get_secret_value(), settings.elevenlabs_voice_id,
        model_id=settings.elevenlabs_model_id, base_url=settings.elevenlabs_base_url,
        sample_rate=piper.sample_rate if piper.sample_rate in (16000, 22050, 24000) else 16000,
    )
    return FallbackTts(eleven, piper, first_byte_timeout_s=settings.tts_first_byte_timeout_s)


async def load_speech(state: AppState) -> None:
    """Load ASR and TTS in worker threads (in parallel) and publish them on the app state."""
    started = time.perf_counter()
    asr, tts = await asyncio.gather(
        asyncio.to_thread(build_asr, state.settings), asyncio.to_thread(build_tts, state.settings)
    )
    state.asr, state.tts = asr, tts
    ms = round((time.perf_counter() - started) * 1000)
    log.info("speech.loaded", asr=asr.model_name, tts=tts.name, ms=ms)


async def close_speech(state: AppState) -> None:
    if state.asr is not None:
        await state.asr.close()
    closer = getattr(state.tts, "close", None)
    if callable(closer):
        closer()
    for inner in ("primary", "fallback"):
        closer = getattr(getattr(state.tts, inner, None), "close", None)
        if callable(closer):
            closer()
    state.asr = state.tts = None


async def speech_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: start loading in the background, release on shutdown."""
    state = app[APP_STATE]
    task = asyncio.create_task(load_speech(state), name="speech-loader")
    task.add_done_callback(_log_failure)
    state.services[SPEECH_LOADER] = task
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    await close_speech(state)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("speech.load_failed", error=repr(task.exception()))
