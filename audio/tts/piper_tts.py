"""Local Piper TTS: loaded once, synthesised clause by clause in a worker thread."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import onnxruntime
from piper import PiperVoice, SynthesisConfig
from piper.config import PiperConfig

from audio.tts.base import TtsError
from audio.tts.clauses import split_clauses


class PiperTts:
    """Piper voice (ONNX on CPU by default); the next clause is synthesised while this one plays.

    Syntheses run in a bounded pool of `workers` threads (default: one per usable core), each with one
    onnxruntime intra-op thread (`threads`), so two syntheses run side by side instead of both fighting
    over every core (onnxruntime's default is one thread per physical core *per run*). onnxruntime's
    `InferenceSession.run` is thread-safe and Piper serialises its espeak phonemiser with a lock.
    """

    name = "piper"

    def __init__(
        self,
        model_path: str | Path,
        config_path: str | Path | None = None,
        *,
        use_cuda: bool = False,
        length_scale: float | None = None,
        workers: int = 0,
        threads: int = 1,
    ) -> None:
        self._voice = _load_voice(Path(model_path), Path(config_path) if config_path else None, use_cuda, threads)
        self._syn_config = SynthesisConfig(length_scale=length_scale)
        self.length_scale = length_scale if length_scale is not None else self._voice.config.length_scale
        self.sample_rate: int = self._voice.config.sample_rate
        self.voice = Path(model_path).stem
        self.workers = workers or _usable_cores()
        self.threads = threads
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="piper")
        self.on_cpu: Callable[[float], None] | None = None
        """Called (from the synthesis thread) with each synthesis's CPU seconds (the server's CPU budget)."""

    @property
    def inference_threads(self) -> int:
        """onnxruntime intra-op threads of one synthesis, as the loaded session has them."""
        return int(self._voice.session.get_session_options().intra_op_num_threads)

    def synthesize(self, text: str) -> bytes:
        """Synthesise `text` in full (blocking) and return pcm_s16le mono at `sample_rate`."""
        started = time.thread_time()  # one onnxruntime thread: this thread's CPU is the synthesis's
        try:
            return b"".join(c.audio_int16_bytes for c in self._voice.synthesize(text, self._syn_config))
        except Exception as exc:
            raise TtsError("piper", repr(exc)) from exc
        finally:
            if self.on_cpu is not None:
                self.on_cpu(time.thread_time() - started)

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        """Yield one PCM chunk per clause; synthesis of clause n+1 overlaps playback of clause n."""
        clauses = split_clauses(text)
        if not clauses:
            return
        pending: Future[bytes] = self._executor.submit(self.synthesize, clauses[0])
        try:
            for index in range(len(clauses)):
                pcm = await asyncio.wrap_future(pending)
                if index + 1 < len(clauses):
                    pending = self._executor.submit(self.synthesize, clauses[index + 1])
                if pcm:
                    yield pcm
        finally:
            pending.cancel()

    def close(self) -> None:
        """Release the worker thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _load_voice(model_path: Path, config_path: Path | None, use_cuda: bool, threads: int) -> PiperVoice:
    """`PiperVoice.load` with our onnxruntime session options: `threads` intra-op threads (0 = onnxruntime's
    default, one per physical core), one inter-op thread, sequential execution."""
    config = json.loads((config_path or Path(f"{model_path}.json")).read_text(encoding="utf-8"))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    providers: list[str | tuple[str, dict[str, str]]] = (
        [("CUDAExecutionProvider", {"cudnn_conv_algo_search": "HEURISTIC"})] if use_cuda else ["CPUExecutionProvider"]
    )
    session = onnxruntime.InferenceSession(str(model_path), sess_options=options, providers=providers)
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)
