"""Python client of the voice protocol v1 (docs/protocol.md), built on `websockets`.

    async with VoiceClient("ws://127.0.0.1:8080/ws/voice") as client:   # guest token if none
        await client.send_file("question.wav", realtime=True)
        await client.end_of_speech()
        turn = await client.next_turn()
        print(turn.transcript, turn.reply_text, len(turn.audio))

A reader task groups server events into turns (`voice_server.tools.client_turns`). When the
connection drops (or the server drains with `going_away`) the client reconnects with the
resume token and exponential backoff and the conversation continues; sends made while
disconnected wait for the new connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import numpy as np
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from audio.pcm import decode_file, float32_to_pcm16, frame_bytes, resample
from voice_server.platform.logs import get_logger
from voice_server.tools.client_turns import TurnEvents, TurnTracker

log = get_logger(__name__)

FRAME_MS = 20
METRICS_GRACE_S = 2.0
FATAL_CLOSE_CODES = frozenset({4400, 4401, 4403, 4408, 4409})
"""Reconnecting cannot fix these (bad handshake, auth, wrong user): the client gives up."""


class VoiceClientError(Exception):
    """The session ended for good (auth failure, bad format, retries exhausted)."""

    def __init__(self, message: str, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


def http_base(ws_url: str) -> str:
    """ws://host:port/ws/voice -> http://host:port (for the REST API of the same server)."""
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "", "", ""))


async def guest_token(base_url: str, session: aiohttp.ClientSession | None = None) -> dict[str, Any]:
    """POST /api/auth/guest -> {token, user_id, expires_at}."""
    own = session is None
    session = session or aiohttp.ClientSession()
    try:
        async with session.post(f"{base_url.rstrip('/')}/api/auth/guest", json={}) as response:
            response.raise_for_status()
            return dict(await response.json())
    finally:
        if own:
            await session.close()


def pcm_frames(pcm: bytes, rate: int, frame_ms: int = FRAME_MS) -> list[bytes]:
    """Split mono pcm_s16le into frames of `frame_ms` (the last one may be shorter)."""
    size = frame_bytes(rate, frame_ms)
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def to_pcm16(samples: np.ndarray, src_rate: int, dst_rate: int) -> bytes:
    """Float samples at any rate -> pcm_s16le at the declared input rate (soxr)."""
    mono = np.asarray(samples, dtype=np.float32)
    if mono.ndim > 1:
        mono = mono.mean(axis=1)
    return float32_to_pcm16(resample(mono, src_rate, dst_rate))


def backoff_delays(base_s: float, max_s: float, attempts: int) -> list[float]:
    """Exponential backoff: base, 2*base, 4*base, ... capped at max_s."""
    return [min(max_s, base_s * (2**n)) for n in range(attempts)]


class VoiceClient:
    """One voice conversation over /ws/voice, surviving dropped connections."""

    def __init__(
        self, url: str, token: str | None = None, *, input_rate: int = 16000, output_rate: int = 24000,
        client_name: str = "shepherd-python", client_version: str = "1", playback_acks: bool = False,
        interim_transcripts: bool = False, max_reconnects: int = 6, backoff_s: float = 0.25, backoff_max_s: float = 8.0,
        open_timeout_s: float = 15.0,
    ) -> None:
        self.url = url
        self.token = token
        self.input_rate = input_rate
        self.output_rate = output_rate
        self.client_info = {"name": client_name, "version": client_version}
        self.playback_acks = playback_acks
        self.interim_transcripts = interim_transcripts
        self.max_reconnects = max_reconnects
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.open_timeout_s = open_timeout_s
        self.ready: dict[str, Any] | None = None
        self.resume_token: str | None = None
        self.reconnects = 0
        self.tracker = TurnTracker()
        self.notices: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=256)
        self._ws: ClientConnection | None = None
        self._connected = asyncio.Event()
        self._finished: asyncio.Queue[TurnEvents] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._failure: VoiceClientError | None = None
        self._last_event = time.monotonic()
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        """Called with every JSON message as it arrives (e.g. flush a player on `interruption`)."""
        self.on_audio: Callable[[TurnEvents, bytes], None] | None = None
        """Called with every reply-audio frame of a live (not interrupted) turn, for streaming playback."""

    # ---------------------------------------------------------------- connection
    @property
    def conversation_id(self) -> str | None:
        return self.ready.get("conversation_id") if self.ready else None

    async def connect(self) -> dict[str, Any]:
        """Authenticate (guest token if none), say hello, wait for `ready`."""
        if self.token is None:
            self.token = str((await guest_token(http_base(self.url)))["token"])
        await self._open(resume=False)
        self._reader = asyncio.create_task(self._read_loop(), name="voice-client-reader")
        assert self.ready is not None
        return self.ready

    def _hello(self, resume: bool) -> dict[str, Any]:
        return {
            "type": "hello", "version": 1,
            "resume_token": self.resume_token if resume else None,
            "input": {"encoding": "pcm_s16le", "sample_rate": self.input_rate, "channels": 1},
            "output": {"encoding": "pcm_s16le", "sample_rate": self.output_rate, "channels": 1},
            "playback_acks": self.playback_acks, "interim_transcripts": self.interim_transcripts,
            "client": self.client_info,
        }

    async def _open(self, *, resume: bool) -> None:
        ws = await websockets.connect(
            self.url, additional_headers={"Authorization": f"Bearer {self.token}"},
            open_timeout=self.open_timeout_s, max_size=4 << 20, max_queue=256,
        )
        try:
            await ws.send(json.dumps(self._hello(resume)))
            async with asyncio.timeout(self.open_timeout_s):
                while True:
                    raw = await ws.recv()
                    if isinstance(raw, bytes):
                        continue
                    message = json.loads(raw)
                    if message.get("type") == "ready":
                        break
                    if message.get("type") == "error" and message.get("fatal"):
                        raise VoiceClientError(message.get("message", "handshake refused"),
                                               message.get("close_code"), message.get("code", ""))
                    self.tracker.other.append(message)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            raise VoiceClientError(f"closed during handshake ({code})", code,
                                   exc.rcvd.reason if exc.rcvd else "") from exc
        except BaseException:
            await ws.close()
            raise
        for turn in self.tracker.reset():
            self._finished.put_nowait(turn)
        self.ready = message
        self.resume_token = message.get("resume_token") or self.resume_token
        self._ws = ws
        self._connected.set()

    async def _reconnect(self) -> None:
        self._connected.clear()
        last: Exception | None = None
        for delay in backoff_delays(self.backoff_s, self.backoff_max_s, self.max_reconnects):
            await asyncio.sleep(delay)
            try:
                await self._open(resume=True)
                self.reconnects += 1
                log.info("client.resumed", conversation_id=self.conversation_id, reconnects=self.reconnects)
                return
            except VoiceClientError as exc:
                if exc.code in FATAL_CLOSE_CODES:
                    raise
                last = exc
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                last = exc
        raise VoiceClientError(f"could not reconnect: {last}")

    async def _read_loop(self) -> None:
        try:
            while not self._closing:
                ws = self._ws
                assert ws is not None
                try:
                    async for raw in ws:
                        self._on_message(raw)
                except ConnectionClosed:
                    pass
                if self._closing:
                    return
                code = ws.close_code
                if code in FATAL_CLOSE_CODES or code == 1000:
                    raise VoiceClientError(f"server closed the session ({code})", code, ws.close_reason or "")
                await self._reconnect()
        except VoiceClientError as exc:
            self._fail(exc)
        except Exception as exc:
            self._fail(VoiceClientError(f"reader failed: {exc!r}"))

    def _fail(self, exc: VoiceClientError) -> None:
        self._failure = exc
        self._connected.set()  # wake senders so they see the failure
        for turn in self.tracker.reset():
            self._finished.put_nowait(turn)

    def _on_message(self, raw: str | bytes) -> None:
        self._last_event = time.monotonic()
        if isinstance(raw, bytes):
            turn = self.tracker.audio_turn
            self.tracker.feed_audio(raw)
            if self.on_audio is not None and turn is not None and turn.interruption is None:
                self.on_audio(turn, raw)
            return
        message = json.loads(raw)
        if self.on_event is not None:
            self.on_event(message)
        kind = message.get("type")
        if kind == "going_away":
            self.resume_token = message.get("resume_token") or self.resume_token
        elif kind == "notice" and not self.notices.full():
            self.notices.put_nowait(message)
        done = self.tracker.feed(message)
        if done is not None:
            self._finished.put_nowait(done)

    async def close(self) -> None:
        """Say `bye` and close (no reconnect)."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.send(json.dumps({"type": "bye"}))
            await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def drop_connection(self) -> None:
        """Abort the socket without a goodbye (tests, flaky networks): the client resumes.

        Sends made after this call wait for the resumed socket; a message written into a socket
        that died unnoticed is lost, as on any TCP connection.
        """
        if self._ws is not None and self._ws.transport is not None:
            self._connected.clear()
            self._ws.transport.abort()

    async def __aenter__(self) -> VoiceClient:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # ---------------------------------------------------------------- sending
    async def _send(self, data: str | bytes) -> None:
        while True:
            if self._failure is not None:
                raise self._failure
            await self._connected.wait()
            if self._failure is not None:
                raise self._failure
            ws = self._ws
            assert ws is not None
            try:
                await ws.send(data)
                return
            except ConnectionClosed:
                self._connected.clear()  # the reader reconnects; send again on the new socket
                await asyncio.sleep(0)

    async def send_json(self, message: dict[str, Any]) -> None:
        await self._send(json.dumps(message))

    async def send_pcm(self, pcm: bytes, *, realtime: bool = False, frame_ms: int = FRAME_MS) -> int:
        """Send pcm_s16le at the declared input rate in `frame_ms` frames; returns frames sent."""
        frames = pcm_frames(pcm, self.input_rate, frame_ms)
        start = time.monotonic()
        for n, frame in enumerate(frames):
            if realtime:
                delay = start + n * frame_ms / 1000.0 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await self._send(frame)
        return len(frames)

    async def send_audio(self, samples: np.ndarray, sample_rate: int, *, realtime: bool = False) -> int:
        """Send float samples of any rate (resampled to the declared input rate)."""
        return await self.send_pcm(to_pcm16(samples, sample_rate, self.input_rate), realtime=realtime)

    async def send_file(self, path: str | Path, *, realtime: bool = False) -> int:
        """Decode WAV/FLAC/MP3 at the declared input rate and stream it."""
        samples = await asyncio.to_thread(decode_file, path, self.input_rate)
        return await self.send_pcm(float32_to_pcm16(samples), realtime=realtime)

    async def send_silence(self, ms: int, *, realtime: bool = False) -> int:
        return await self.send_pcm(bytes(frame_bytes(self.input_rate, ms)), realtime=realtime)

    async def send_text(self, text: str) -> None:
        await self.send_json({"type": "text", "text": text})

    async def end_of_speech(self) -> None:
        """The utterance in progress ends now (push-to-talk release, end of a file)."""
        await self.send_json({"type": "end_of_speech"})

    async def cancel(self, turn_id: int | None = None) -> None:
        await self.send_json({"type": "cancel", "turn_id": turn_id})

    async def ack_playback(self, turn_id: int, played_ms: float) -> None:
        """Tell the server how much of a turn's reply audio was actually played."""
        await self.send_json({"type": "playback", "turn_id": turn_id, "played_ms": round(played_ms, 1)})

    async def ping(self, ping_id: str = "p") -> None:
        await self.send_json({"type": "ping", "id": ping_id})

    # ---------------------------------------------------------------- receiving
    async def next_turn(self, timeout_s: float = 60.0) -> TurnEvents:
        """The next completed turn (in completion order). TimeoutError when none completes."""
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(asyncio.QueueEmpty):
                return self._finished.get_nowait()
            if self._failure is not None:
                raise self._failure
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no turn completed in time")
            try:
                return await asyncio.wait_for(self._finished.get(), min(remaining, 0.25))
            except TimeoutError:
                if time.monotonic() - self._last_event >= METRICS_GRACE_S:
                    for turn in self.tracker.finish_settled():
                        self._finished.put_nowait(turn)

    def turn_in_progress(self) -> bool:
        return bool(self.tracker.pending())

    def idle_for(self) -> float:
        """Seconds since the server last sent anything."""
        return time.monotonic() - self._last_event

    async def turns(self) -> AsyncIterator[TurnEvents]:
        while True:
            yield await self.next_turn(timeout_s=3600)


__all__ = [
    "FRAME_MS", "VoiceClient", "VoiceClientError", "backoff_delays", "guest_token",
    "http_base", "pcm_frames", "to_pcm16",
]
