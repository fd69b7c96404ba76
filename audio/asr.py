"""Whisper ASR: a CTranslate2 engine that decodes a batch in one forward pass, and an asyncio batcher.

`WhisperEngine.transcribe_batch` is synchronous and CPU/GPU bound; `BatchingTranscriber` collects
requests that arrive together (up to `max_batch`, waiting at most `max_wait_ms`) and runs them as
one batch in a worker thread, so the event loop never blocks. Text is never returned for silence,
noise or the usual Whisper hallucinations (see `audio.asr_guard`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

from audio.asr_guard import GuardConfig, guard_transcript, strip_annotations
from audio.pcm import ASR_RATE, rms_dbfs

MAX_PROMPT_TOKENS = 223
"""Whisper allows at most max_length // 2 - 1 = 223 previous-text tokens."""

AsrErrorKind = Literal["invalid_input", "out_of_memory", "engine", "closed"]

WINDOW_FRAMES = 3000
"""Whisper's full 30 s encoder window, in mel frames (100 per second)."""
FRAMES_PER_S = 100
HOP_SAMPLES = ASR_RATE // FRAMES_PER_S
TAIL_PAD_FRAMES = 200
"""Silence kept after the speech inside a shortened window (2 s)."""
DEFAULT_MIN_WINDOW_S = 12.0
"""Shortest encoder window (see ``WhisperEngine.window_frames``); 30 = always the full window."""


class AsrError(RuntimeError):
    """ASR failed for one request (`kind` says why)."""

    def __init__(self, kind: AsrErrorKind, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind: AsrErrorKind = kind


@dataclass(frozen=True, slots=True)
class Transcript:
    """One recognised utterance. `text` is "" when the audio held no trustworthy speech."""

    text: str
    confidence: float
    no_speech_prob: float
    audio_ms: float
    asr_ms: float
    batch_size: int
    language: str = "en"
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0
    queue_ms: float = 0.0
    interim: bool = False
    dropped: str | None = None
    """Why text was suppressed (e.g. "quiet", "no_speech", "hallucination"), else None."""
    alternatives: tuple[tuple[str, float], ...] = ()
    """Other beam hypotheses (text, avg_logprob), best first; empty with greedy decoding or no text."""


@dataclass(frozen=True, slots=True)
class RawDecode:
    """What the model said for one utterance, before any guard."""

    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    alternatives: tuple[tuple[str, float], ...] = ()
    """Other beam hypotheses as (text, avg_logprob), best first (only when num_hypotheses > 1)."""


def validate_audio(audio: np.ndarray) -> np.ndarray:
    """Return `audio` as contiguous float32 mono, or raise AsrError("invalid_input")."""
    arr = np.asarray(audio)
    if arr.ndim != 1:
        raise AsrError("invalid_input", f"expected mono 1-D audio, got shape {arr.shape}")
    if arr.size == 0:
        raise AsrError("invalid_input", "empty audio")
    if not np.issubdtype(arr.dtype, np.floating):
        raise AsrError("invalid_input", f"expected float samples, got {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise AsrError("invalid_input", "audio contains NaN or inf")
    return arr


class WhisperEngine:
    """faster-whisper model used through CTranslate2 directly, English only, no timestamps."""

    def __init__(
        self,
        model_path: str,
        device: str = "auto",
        compute_type: str = "auto",
        cpu_threads: int = 0,
        beam_size: int = 1,
        max_new_tokens: int = 128,
        min_window_s: float = DEFAULT_MIN_WINDOW_S,
        num_hypotheses: int = 1,
    ) -> None:
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        if compute_type == "auto":
            compute_type = "float16" if device == "cuda" else "int8"
        self.device = device
        self.compute_type = compute_type
        self.beam_size = beam_size
        self.max_new_tokens = max_new_tokens
        self.num_hypotheses = num_hypotheses
        """Beam hypotheses kept per utterance (the rest go to `RawDecode.alternatives`); <= beam_size."""
        self.min_window_frames = min(WINDOW_FRAMES, max(0, round(min_window_s * FRAMES_PER_S)))
        threads = cpu_threads or min(os.cpu_count() or 4, 8)
        self._model = WhisperModel(model_path, device=device, compute_type=compute_type, cpu_threads=threads)
        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe", language="en"
        )
        self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))

    def prompt(self, hotwords: str | None) -> list[int]:
        """Decoder prompt: optional `<|startofprev|>` + hotwords, then SOT, en, transcribe.

        Over MAX_PROMPT_TOKENS the start of the hotwords is cut (as Whisper does with previous text:
        the end, nearest the speech, matters most).
        """
        tok = self._tokenizer
        prompt: list[int] = []
        if hotwords and hotwords.strip():
            prompt.append(tok.sot_prev)
            prompt.extend(tok.encode(" " + hotwords.strip())[-MAX_PROMPT_TOKENS:])
        prompt.extend(tok.sot_sequence)
        prompt.append(tok.no_timestamps)
        return prompt

    def window_frames(self, n_frames: int) -> int:
        """Encoder window for an utterance of ``n_frames`` mel frames: at least ``min_window_s``,
        the utterance plus 2 s of padding, at most Whisper's 30 s.

        The encoder's cost grows with its window, so a 3 s request in a 12 s window costs about a
        third of the 30 s one. Windows much shorter than ~10 s make Whisper hallucinate (fixture WER
        0.14 at 30 s and 12 s, 0.17 at 8 s, > 2 at 5 s; docs/audio.md), hence the floor.
        """
        return min(WINDOW_FRAMES, max(self.min_window_frames, n_frames + TAIL_PAD_FRAMES))

    def features(self, audio: np.ndarray, frames: int | None = None) -> np.ndarray:
        """Log-mel features of one utterance padded/trimmed to ``frames`` (default: its own window)."""
        mel = self._model.feature_extractor(audio)[..., :-1]
        return pad_or_trim(mel, frames or self.window_frames(mel.shape[-1]))

    def transcribe_batch(
        self, audios: Sequence[np.ndarray], hotwords: Sequence[str | None]
    ) -> list[RawDecode]:
        """Decode many utterances; those sharing a prompt run in ONE `generate` call (batched forward)."""
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, words in enumerate(hotwords):
            groups.setdefault(tuple(self.prompt(words)), []).append(i)
        results: list[RawDecode | None] = [None] * len(audios)
        for prompt, indices in groups.items():
            # one window per batch: the longest member's (pad_or_trim pads the others to it)
            frames = max(self.window_frames(len(audios[i]) // HOP_SAMPLES) for i in indices)
            feats = np.stack([self.features(audios[i], frames) for i in indices]).astype(np.float32)
            for i, decoded in zip(indices, self._generate(feats, list(prompt)), strict=True):
                results[i] = decoded
        return [r for r in results if r is not None]

    def warm_up(self, speech: np.ndarray | None = None) -> float:
        """Decode once (silence, then `speech` if given) so the first real turn pays no lazy init.

        CTranslate2 allocates its buffers and picks kernels on the first `generate`; on CPU that
        first call is several times slower than the next ones. Returns the warm-up time in ms.
        """
        started = time.perf_counter()
        lead = np.zeros(ASR_RATE // 4, dtype=np.float32)
        audio = lead if speech is None else np.concatenate([lead, validate_audio(speech)])
        self.transcribe_batch([audio], [None])
        return (time.perf_counter() - started) * 1000

    def _generate(self, feats: np.ndarray, prompt: list[int]) -> list[RawDecode]:
        storage = ctranslate2.StorageView.from_array(feats)
        try:
            outputs = self._model.model.generate(
                storage,
                [prompt] * feats.shape[0],
                beam_size=self.beam_size,
                num_hypotheses=max(1, min(self.num_hypotheses, self.beam_size)),
                max_length=min(448, len(prompt) + self.max_new_tokens),
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=self._suppress,
            )
        except MemoryError as exc:
            raise AsrError("out_of_memory", str(exc)) from exc
        except RuntimeError as exc:
            kind: AsrErrorKind = "out_of_memory" if "out of memory" in str(exc).lower() else "engine"
            raise AsrError(kind, str(exc)) from exc
        decoded = []
        for out in outputs:
            hypotheses = [
                # scores are length-normalised (length_penalty = 1): back to a sum, then per token + EOT
                (self._tokenizer.decode(tokens).strip(), score * len(tokens) / (len(tokens) + 1))
                for tokens, score in zip(out.sequences_ids, out.scores, strict=True)
            ]
            text, avg_logprob = hypotheses[0]
            decoded.append(
                RawDecode(
                    text=text,
                    avg_logprob=avg_logprob,
                    no_speech_prob=float(out.no_speech_prob),
                    compression_ratio=get_compression_ratio(text) if text else 0.0,
                    alternatives=tuple(hypotheses[1:]),
                )
            )
        return decoded


@dataclass
class AsrMetrics:
    """Plain counters for export (Prometheus or logs)."""

    requests: int = 0
    failures: int = 0
    batches: int = 0
    batch_sizes: Counter[int] = field(default_factory=Counter)
    queue_wait_ms_sum: float = 0.0
    queue_wait_ms_max: float = 0.0
    compute_ms_sum: float = 0.0
    audio_ms_sum: float = 0.0
    dropped: Counter[str] = field(default_factory=Counter)
    queue_depth: int = 0


@dataclass
class _Request:
    audio: np.ndarray
    hotwords: str | None
    interim: bool
    future: asyncio.Future[Transcript]
    enqueued: float


class BatchingTranscriber:
    """Async front of a `WhisperEngine`: concurrent requests become one batched forward pass."""

    def __init__(
        self,
        engine: WhisperEngine,
        max_batch: int = 8,
        max_wait_ms: float = 10.0,
        guard: GuardConfig | None = None,
        interim_alone: bool | None = None,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.max_wait_ms = max_wait_ms
        self.guard = guard or GuardConfig()
        self.metrics = AsrMetrics()
        self._queue: asyncio.Queue[_Request] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asr")
        self._closed = False
        self._held: list[_Request] = []  # interim requests waiting for a batch without finals
        self._running = False
        self.interim_alone = engine.device == "cpu" if interim_alone is None else interim_alone
        """Never put an interim request in the same batch as a final one (on CPU a batch costs the
        sum of its items, so a shared batch would delay the final transcript by a whole decode)."""

    async def transcribe(
        self, audio: np.ndarray, *, hotwords: str | None = None, interim: bool = False
    ) -> Transcript:
        """Transcribe 16 kHz float32 mono audio; "" text for silence/noise/hallucinations."""
        if self._closed:
            raise AsrError("closed", "transcriber is closed")
        samples = validate_audio(audio)
        loop = asyncio.get_running_loop()
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run(), name="asr-batcher")
        request = _Request(samples, hotwords, interim, loop.create_future(), time.perf_counter())
        self.metrics.requests += 1
        self._queue.put_nowait(request)
        self.metrics.queue_depth = self._queue.qsize()
        return await request.future

    @property
    def busy(self) -> bool:
        """A decode is running or waiting: a best-effort (interim) request would delay others."""
        queued = self._queue is not None and not self._queue.empty()
        return self._running or queued or any(not r.future.done() for r in self._held)

    async def close(self) -> None:
        """Stop the worker; pending requests fail with AsrError("closed")."""
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        pending, self._held = list(self._held), []
        while self._queue is not None and not self._queue.empty():
            pending.append(self._queue.get_nowait())
        for request in pending:
            if not request.future.done():
                request.future.set_exception(AsrError("closed", "transcriber closed"))
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _collect(self) -> list[_Request]:
        assert self._queue is not None
        batch = [self._held.pop(0)] if self._held else [await self._queue.get()]
        deadline = time.perf_counter() + self.max_wait_ms / 1000
        while len(batch) < self.max_batch:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        while len(batch) < self.max_batch and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        while len(batch) < self.max_batch and self._held:
            batch.append(self._held.pop(0))
        live = [r for r in batch if not r.future.done()]  # skip cancelled callers
        if self.interim_alone and any(not r.interim for r in live):
            self._held = [r for r in live if r.interim] + self._held
            live = [r for r in live if not r.interim]
        self.metrics.queue_depth = self._queue.qsize() + len(self._held)
        return live

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            if not batch:
                continue
            started = time.perf_counter()
            self._running = True
            try:
                raws: list[RawDecode | AsrError] = list(
                    await loop.run_in_executor(self._executor, self._decode, batch)
                )
            except Exception as exc:  # the whole batch failed: retry one by one to isolate the bad one
                raws = await self._isolate(loop, batch, exc)
            finally:
                self._running = False
            compute_ms = (time.perf_counter() - started) * 1000
            self.metrics.batches += 1
            self.metrics.batch_sizes[len(batch)] += 1
            self.metrics.compute_ms_sum += compute_ms
            for request, raw in zip(batch, raws, strict=True):
                self._resolve(request, raw, started, compute_ms, len(batch))

    def _decode(self, batch: list[_Request]) -> list[RawDecode]:
        return self.engine.transcribe_batch([r.audio for r in batch], [r.hotwords for r in batch])

    async def _isolate(
        self, loop: asyncio.AbstractEventLoop, batch: list[_Request], exc: Exception
    ) -> list[RawDecode | AsrError]:
        if len(batch) == 1:
            return [_as_asr_error(exc)]
        out: list[RawDecode | AsrError] = []
        for request in batch:
            try:
                out.extend(await loop.run_in_executor(self._executor, self._decode, [request]))
            except Exception as single_exc:
                out.append(_as_asr_error(single_exc))
        return out

    def _resolve(
        self, request: _Request, raw: RawDecode | AsrError, started: float, compute_ms: float, size: int
    ) -> None:
        if request.future.done():
            return
        if isinstance(raw, AsrError):
            self.metrics.failures += 1
            request.future.set_exception(raw)
            return
        queue_ms = (started - request.enqueued) * 1000
        self.metrics.queue_wait_ms_sum += queue_ms
        self.metrics.queue_wait_ms_max = max(self.metrics.queue_wait_ms_max, queue_ms)
        audio_ms = request.audio.size / ASR_RATE * 1000
        self.metrics.audio_ms_sum += audio_ms
        text = strip_annotations(raw.text)
        dropped = guard_transcript(
            text,
            avg_logprob=raw.avg_logprob,
            no_speech_prob=raw.no_speech_prob,
            compression_ratio=raw.compression_ratio,
            audio_ms=audio_ms,
            level_dbfs=speech_level_dbfs(request.audio),
            config=self.guard,
        )
        if dropped:
            self.metrics.dropped[dropped] += 1
        request.future.set_result(
            Transcript(
                text="" if dropped else text,
                confidence=float(np.exp(raw.avg_logprob)),
                no_speech_prob=raw.no_speech_prob,
                audio_ms=audio_ms,
                asr_ms=compute_ms,
                batch_size=size,
                avg_logprob=raw.avg_logprob,
                compression_ratio=raw.compression_ratio,
                queue_ms=queue_ms,
                interim=request.interim,
                dropped=dropped,
                alternatives=() if dropped else tuple((strip_annotations(t), lp) for t, lp in raw.alternatives),
            )
        )


def _as_asr_error(exc: BaseException) -> AsrError:
    return exc if isinstance(exc, AsrError) else AsrError("engine", repr(exc))


def speech_level_dbfs(audio: np.ndarray, frame: int = 480) -> float:
    """Level of the loudest part of an utterance: 90th percentile of 30 ms frame RMS, in dBFS."""
    n = audio.size // frame
    if n == 0:
        return rms_dbfs(audio)
    frames = audio[: n * frame].reshape(n, frame).astype(np.float64)
    levels = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-12)
    return float(np.percentile(levels, 90))
