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

import numpy as np
from aiohttp import web

from audio.asr import BatchingTranscriber, WhisperEngine
from audio.models import piper_voice_paths, resolve_whisper_model
from audio.pcm import ASR_RATE, pcm16_to_float32, resample_pcm16
from audio.tts import CachingTts, ElevenLabsTts, FallbackTts, PiperTts, SpeechCache, TtsEngine
from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.platform.cpu_budget import charger
from voice_server.platform.logs import get_logger
from voice_server.platform.settings import Settings
from voice_server.voice import turn_model

log = get_logger(__name__)

def asr_model_name(settings: Settings) -> str:
    """The Whisper model's name for health and logs."""
    return settings.whisper_model or "base-bundled"


def build_asr(settings: Settings) -> BatchingTranscriber:
    """Load Whisper (blocking, seconds) and wrap it in the shared batching transcriber."""
    model = resolve_whisper_model(settings.whisper_model, settings.state_dir)
    engine = WhisperEngine(
        model, device=settings.whisper_device, compute_type=settings.whisper_compute_type,
        cpu_threads=settings.asr_cpu_threads, min_window_s=settings.asr_min_window_s,
        beam_size=settings.asr_beam_size, num_hypotheses=settings.asr_beam_size,
    )
    return BatchingTranscriber(engine, max_batch=settings.asr_max_batch, max_wait_ms=settings.asr_max_wait_ms)


def build_tts(settings: Settings) -> TtsEngine:
    """Piper by default; ElevenLabs with Piper fallback when ELEVENLABS_API_KEY is set. Piper sits behind a
    cache of synthesised phrases (`tts_cache_mb`, keyed by text, voice and rate) unless that is 0; remote
    audio is not cached (a reply may switch voices mid-way when the primary fails)."""
    model_path, config_path = piper_voice_paths()
    piper = PiperTts(model_path, config_path, workers=settings.tts_workers)
    piper.on_cpu = charger("tts")
    local: TtsEngine = piper
    if settings.tts_cache_mb > 0:
        local = CachingTts(
            piper, SpeechCache(settings.tts_cache_mb << 20), voice=f"piper:{piper.voice}", rate=piper.length_scale
        )
    if settings.elevenlabs_api_key is None:
        return local
    eleven = ElevenLabsTts(
        settings.elevenlabs_api_key.get_secret_value(), settings.elevenlabs_voice_id,
        model_id=settings.elevenlabs_model_id, base_url=settings.elevenlabs_base_url,
        sample_rate=piper.sample_rate if piper.sample_rate in (16000, 22050, 24000) else 16000,
    )
    return FallbackTts(eleven, local, first_byte_timeout_s=settings.tts_first_byte_timeout_s)


WARM_UP_TEXT = "Show me black dresses."


def local_voice(tts: TtsEngine) -> PiperTts | None:
    """The Piper voice inside `tts` (itself, the fallback of a FallbackTts, or behind a CachingTts), if any."""
    candidates: list[TtsEngine] = [tts]
    while candidates:
        candidate = candidates.pop(0)
        if isinstance(candidate, PiperTts):
            return candidate
        if isinstance(candidate, CachingTts):
            candidates.append(candidate.inner)
        elif isinstance(candidate, FallbackTts):
            candidates.append(candidate.fallback)
    return None


def warm_up(asr: BatchingTranscriber, tts: TtsEngine) -> dict[str, float]:
    """Blocking: synthesise a short phrase with Piper, then decode silence + that speech with Whisper.

    Both engines pay their lazy initialisation here (ONNX session, CTranslate2 buffers), not in the
    first shopper's turn. A remote voice (ElevenLabs) is not called: warming it would cost a request.
    """
    timings: dict[str, float] = {}
    speech: np.ndarray | None = None
    piper = local_voice(tts)
    if piper is not None:
        started = time.perf_counter()
        pcm = piper.synthesize(WARM_UP_TEXT)
        timings["tts_ms"] = round((time.perf_counter() - started) * 1000, 1)
        speech = pcm16_to_float32(resample_pcm16(pcm, piper.sample_rate, ASR_RATE)) if pcm else None
    timings["asr_ms"] = round(asr.engine.warm_up(speech), 1)
    return timings


async def load_speech(state: AppState) -> None:
    """Load ASR and TTS in worker threads (in parallel), warm them up, then publish them (ready)."""
    started = time.perf_counter()
    asr, tts = await asyncio.gather(
        asyncio.to_thread(build_asr, state.settings), asyncio.to_thread(build_tts, state.settings)
    )
    loaded_ms = round((time.perf_counter() - started) * 1000)
    try:
        warm = await asyncio.to_thread(warm_up, asr, tts)
    except Exception as exc:  # a failed warm-up only costs the first turn some time
        log.warning("speech.warm_up_failed", error=repr(exc))
        warm = {}
    if state.settings.voice_turn_model != "off":
        await turn_model.preload()  # logs an error (and sessions use the text rule) if not installed
    state.asr, state.asr_model, state.tts = asr, asr_model_name(state.settings), tts
    ms = round((time.perf_counter() - started) * 1000)
    log.info("speech.loaded", asr=state.asr_model, tts=tts.name, load_ms=loaded_ms, warm_up=warm, ms=ms)


async def close_speech(state: AppState) -> None:
    asr, tts = state.asr, state.tts
    state.asr = state.tts = None
    if asr is not None:
        await asr.close()
    if tts is not None:
        tts.close()  # a FallbackTts closes both of its engines


async def speech_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: start loading in the background, release on shutdown."""
    state = app[APP_STATE]
    task = asyncio.create_task(load_speech(state), name="speech-loader")
    task.add_done_callback(_log_failure)
    state.services.speech_loader = task
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    await close_speech(state)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("speech.load_failed", error=repr(task.exception()))
