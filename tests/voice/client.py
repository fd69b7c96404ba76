"""A tiny voice-protocol client over aiohttp's websocket client, for the tests."""

from __future__ import annotations

import asyncio
import json
import time
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from aiohttp.test_utils import TestClient

from audio.pcm import Resampler, decode_file, float32_to_pcm16

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audio"


def load_pcm(name: str, rate: int) -> bytes:
    """A fixture as pcm_s16le mono at `rate` (resampled like a client's audio stack would)."""
    path = FIXTURES / name
    if path.suffix == ".wav":
        with wave.open(str(path), "rb") as wav:
            pcm, src = wav.readframes(wav.getnframes()), wav.getframerate()
    else:
        pcm, src = float32_to_pcm16(decode_file(path, 16000)), 16000
    if src == rate:
        return pcm
    resampler = Resampler(src, rate)
    return resampler.process(pcm) + resampler.flush()


def silence(ms: int, rate: int) -> bytes:
    return b"\x00\x00" * (rate * ms // 1000)


def trimmed(pcm: bytes, rate: int) -> bytes:
    """Speech without its trailing silence (so the caller decides how much silence follows)."""
    samples = np.frombuffer(pcm, dtype=np.int16)
    loud = np.nonzero(np.abs(samples) > 300)[0]
    end = min(samples.size, int(loud[-1]) + rate * 30 // 1000)
    return samples[:end].tobytes()


@dataclass
class Received:
    at: float
    kind: str  # message type, or "binary"
    data: Any
    size: int = 0


@dataclass
class VoiceClient:
    ws: aiohttp.ClientWebSocketResponse
    log: list[Received] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _new: asyncio.Event = field(default_factory=asyncio.Event)

    def start_reading(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                self.log.append(Received(time.monotonic(), data["type"], data))
            elif msg.type == aiohttp.WSMsgType.BINARY:
                self.log.append(Received(time.monotonic(), "binary", msg.data, len(msg.data)))
            self._new.set()
        self._new.set()

    async def send(self, **message: Any) -> None:
        await self.ws.send_str(json.dumps(message))

    async def hello(
        self, token: str | None, in_rate: int = 16000, out_rate: int = 16000, **extra: Any
    ) -> dict:
        await self.send(
            type="hello",
            token=token,
            input={"sample_rate": in_rate},
            output={"sample_rate": out_rate},
            **extra,
        )
        return await self.wait_for("ready")

    async def wait_for(self, kind: str, within: float = 60.0, **match: Any) -> dict:
        deadline = time.monotonic() + within
        start = 0
        while True:
            for item in self.log[start:]:
                if item.kind == kind and all(item.data.get(k) == v for k, v in match.items()):
                    return item.data
            start = len(self.log)
            if self.ws.closed and (self._reader is None or self._reader.done()):
                raise AssertionError(f"closed ({self.ws.close_code}) before {kind}: {self.kinds()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind} {match} within {within}s: {self.kinds()}")
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), remaining)
            except TimeoutError:
                pass

    def kinds(self) -> list[str]:
        out: list[str] = []
        for item in self.log:
            if item.kind == "binary" and out and out[-1].startswith("binary"):
                continue
            out.append(item.kind if item.kind != "binary" else "binary*")
        return out

    def messages(self, kind: str) -> list[dict]:
        return [i.data for i in self.log if i.kind == kind]

    async def stream(self, pcm: bytes, rate: int, chunk_ms: int = 20, realtime: bool = True) -> None:
        """Send audio in `chunk_ms` frames, paced at real time (like a microphone)."""
        step = rate * chunk_ms // 1000 * 2
        t0 = time.monotonic()
        for i, offset in enumerate(range(0, len(pcm), step)):
            await self.ws.send_bytes(pcm[offset : offset + step])
            if realtime:
                delay = t0 + (i + 1) * chunk_ms / 1000 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def wait_closed(self, within: float = 15.0) -> int | None:
        if self._reader is not None:
            await asyncio.wait_for(asyncio.shield(self._reader), within)
        else:
            msg = await self.ws.receive(timeout=within)
            while msg.type not in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
            ):
                msg = await self.ws.receive(timeout=within)
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()


ConnectFn = Callable[..., Awaitable["VoiceClient"]]


@asynccontextmanager
async def client_opener(http: TestClient) -> AsyncIterator[ConnectFn]:
    """``await open_client(read=True, **ws_connect_kwargs)`` for a test server; all closed on exit."""
    clients: list[VoiceClient] = []

    async def open_client(read: bool = True, **kwargs: Any) -> VoiceClient:
        ws = await http.ws_connect("/ws/voice", max_msg_size=0, **kwargs)
        client = VoiceClient(ws)
        if read:
            client.start_reading()
        clients.append(client)
        return client

    try:
        yield open_client
    finally:
        for client in clients:
            await client.close()
