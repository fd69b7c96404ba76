"""Local Piper TTS: loaded once, synthesised clause by clause in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from piper import PiperVoice, SynthesisConfig

from audio.tts.base import TtsError
from audio.tts.clauses import split_clauses


class PiperTts:
    """Piper voice (ONNX on CPU by default); the next clause is synthesised while this one plays."""

    name = "piper"

    def __init__(
        self,
        model_path: str | Path,
        config_path: str | Path | None = None,
        *,
        use_cuda: bool = False,
        length_scale: float | None = None,
    ) -> None:
        self._voice = PiperVoice.load(model_path, config_path, use_cuda=use_cuda)
        self._syn_config = SynthesisConfig(length_scale=length_scale)
        self.sample_rate: int = self._voice.config.sample_rate
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")

    def synthesize(self, text: str) -> bytes:
        """Synthesise `text` in full (blocking) and return pcm_s16le mono at `sample_rate`."""
        try:
            return b"".join(c.audio_int16_bytes for c in self._voice.synthesize(text, self._syn_config))
        except Exception as exc:
            raise TtsError("piper", repr(exc)) from exc

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
