"""Our side of WhisperLive's websocket protocol (read from whisper_live/client.py 0.10.0), with `websockets`.

1. open ``ws://host:port``, send the options JSON (uid, language, task, model, use_vad, ...);
2. wait for ``{"message": "SERVER_READY"}`` (``{"status": "WAIT"|"ERROR"}`` refuses);
3. send float32 16 kHz mono samples as binary frames; segment messages come back at any time;
4. when the audio is over, wait until the text stops changing (`wait_text_settled`; WhisperLive's client
   waits 15 s), send ``b"END_OF_AUDIO"`` (`end_of_audio`): the server stops, cleans up and closes the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import websockets

from bench.whisperlive.transcript import WhisperLiveTranscript

END_OF_AUDIO = b"END_OF_AUDIO"


def options_message(uid: str, hotwords: str | None = None, language: str = "en") -> dict[str, Any]:
    """The first message, with the defaults of WhisperLive's own client (VAD on, 10 repeats to commit)."""
    return {
        "uid": uid,
        "language": language,
        "task": "transcribe",
        "model": "custom",  # the server's --model-dir replaces it
        "use_vad": True,
        "send_last_n_segments": 10,
        "no_speech_thresh": 0.45,
        "clip_audio": False,
        "same_output_threshold": 10,
        "hotwords": hotwords,
    }


class WhisperLiveStream:
    """One streaming session; `transcript` is updated by a reader task as messages arrive."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.transcript = WhisperLiveTranscript()
        self.changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="whisperlive-reader")

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                self.transcript.feed(json.loads(raw), time.perf_counter())
                self.changed.set()

    async def wait_until(self, predicate: Callable[[WhisperLiveTranscript], bool], timeout_s: float) -> bool:
        """Wait until `predicate(transcript)` holds (True) or `timeout_s` passes or the socket closes (False)."""
        deadline = time.perf_counter() + timeout_s
        while not predicate(self.transcript):
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or self._reader.done():
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.5))
        return True

    async def wait_ready(self, timeout_s: float) -> None:
        if await self.wait_until(lambda t: t.ready or t.error is not None, timeout_s) and self.transcript.ready:
            return
        if self.transcript.error:
            raise RuntimeError(f"WhisperLive refused the stream: {self.transcript.error}")
        if self._reader.done():
            raise RuntimeError("WhisperLive closed the connection before SERVER_READY")
        raise TimeoutError(f"no SERVER_READY from WhisperLive within {timeout_s:.0f} s")

    async def send_samples(self, samples: np.ndarray) -> None:
        await self.ws.send(np.asarray(samples, dtype=np.float32).tobytes())

    async def wait_text_settled(self, quiet_s: float, deadline: float) -> bool:
        """After the last audio frame: wait until the last segment's text has not changed for `quiet_s`
        (True), as WhisperLive's client does before its end-of-audio signal, or until `deadline`
        (perf_counter time) passes or the socket closes (False)."""
        sent_all_at = time.perf_counter()
        while True:
            changed = self.transcript.text_changed_at
            quiet_since = max(sent_all_at, changed) if changed is not None else sent_all_at
            now = time.perf_counter()
            if changed is not None and now - quiet_since >= quiet_s:
                return True
            if now >= deadline or self._reader.done():
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(0.25, max(0.01, deadline - now)))

    async def end_of_audio(self, close_timeout_s: float = 10.0) -> None:
        """Send WhisperLive's end-of-audio signal and wait (bounded) for the server to close the socket."""
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.ws.send(END_OF_AUDIO)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._reader), close_timeout_s)

    async def close(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.ws.send(END_OF_AUDIO)
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def open_stream(url: str, hotwords: str | None = None, ready_timeout_s: float = 120.0
                      ) -> AsyncIterator[WhisperLiveStream]:
    """Connect, send the options and wait until the server is ready for audio."""
    async with websockets.connect(url, max_size=None, open_timeout=ready_timeout_s) as ws:
        await ws.send(json.dumps(options_message(uuid.uuid4().hex, hotwords)))
        stream = WhisperLiveStream(ws)
        try:
            await stream.wait_ready(ready_timeout_s)
            yield stream
        finally:
            await stream.close()
