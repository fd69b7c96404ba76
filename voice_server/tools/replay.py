"""`shepherd replay`: stream audio files over the real voice protocol and report each turn.

Every file is decoded (WAV/FLAC/MP3, any rate), sent in 20 ms frames (paced at real time with
``realtime=True``), followed by ``end_of_speech``; the turns it produced are collected and
reported as one JSON-able record per file. All files of one run share one connection, so a
list of files plays a multi-turn conversation. Without a URL the app is served in-process on
a free port (embedded services, speech loaded) and replayed against.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from audio.pcm import decode_file, duration_ms, float32_to_pcm16, write_wav
from voice_server.platform.settings import Settings
from voice_server.tools.client_turns import TurnEvents
from voice_server.tools.turn_view import cart_view, order_view, product_view
from voice_server.tools.voice_client import VoiceClient, http_base

SETTLE_S = 1.5
"""Quiet time after the last completed turn before a file is considered done."""
NO_SPEECH_S = 6.0
"""A file that opened no turn within this time after its end produced nothing."""
TURN_TIMEOUT_S = 120.0


def file_record(path: Path, turns: list[TurnEvents], *, sent_ms: float, wall_ms: float) -> dict[str, Any]:
    """The report of one file: transcript(s), the last reply with its payload, metrics."""
    answered = [t for t in turns if t.reply is not None]
    last = answered[-1] if answered else None
    reply: dict[str, Any] = (last.reply or {}) if last is not None else {}
    metrics = {k: v for k, v in (last.metrics or {}).items() if k not in ("type", "turn_id")} if last else {}
    errors = [e for t in turns for e in t.errors]
    return {
        "file": str(path),
        "transcript": " ".join(t.transcript for t in turns if t.transcript).strip(),
        "reply": reply.get("text", ""),
        "intent": reply.get("intent"),
        "slots": reply.get("slots", {}),
        "products": [product_view(p) for p in reply.get("products", [])],
        "cart": cart_view(reply.get("cart")),
        "order": order_view((reply.get("payload") or {}).get("order")),
        "metrics": metrics,
        "turns": len(turns),
        "intents": [t.intent for t in answered],
        "interrupted": any(t.interruption is not None for t in turns),
        "reply_audio_ms": round(sum(duration_ms(bytes(t.audio), t.sample_rate or 1) for t in answered), 1),
        "audio_ms": round(sent_ms, 1),
        "wall_ms": round(wall_ms, 1),
        "errors": [{"code": e.get("code"), "message": e.get("message")} for e in errors],
    }


async def collect_turns(client: VoiceClient) -> list[TurnEvents]:
    """Turns completed after a file ended: until quiet for SETTLE_S (or nothing within NO_SPEECH_S)."""
    turns: list[TurnEvents] = []
    started = time.monotonic()
    while True:
        try:
            turns.append(await client.next_turn(timeout_s=0.25))
            continue
        except TimeoutError:
            pass
        idle = client.idle_for()
        if client.turn_in_progress():
            if idle > TURN_TIMEOUT_S:
                raise TimeoutError(f"turn stalled: nothing from the server for {idle:.0f} s")
        elif turns:
            if idle >= SETTLE_S:
                return turns
        elif time.monotonic() - started >= NO_SPEECH_S:
            return turns


async def replay_file(
    client: VoiceClient, path: Path, *, realtime: bool = False, out_dir: Path | None = None,
) -> dict[str, Any]:
    samples = await asyncio.to_thread(decode_file, path, client.input_rate)
    pcm = float32_to_pcm16(samples)
    started = time.monotonic()
    await client.send_pcm(pcm, realtime=realtime)
    await client.end_of_speech()
    turns = await collect_turns(client)
    record = file_record(path, turns, sent_ms=duration_ms(pcm, client.input_rate),
                         wall_ms=(time.monotonic() - started) * 1000.0)
    answered = [t for t in turns if t.reply is not None and t.audio]
    if out_dir is not None and answered:
        rate = answered[-1].sample_rate or client.output_rate
        target = out_dir / f"{path.stem}.reply.wav"
        await asyncio.to_thread(write_wav, target, b"".join(bytes(t.audio) for t in answered), rate)
        record["reply_wav"] = str(target)
    return record


async def wait_ready(base_url: str, timeout_s: float = 300.0) -> None:
    """Poll /readyz until the server (database, Valkey, ASR, TTS) is ready."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{base_url}/readyz") as response:
                    if response.status == 200:
                        return
                    if response.status == 404:
                        return  # a server without readiness checks
            if time.monotonic() > deadline:
                raise TimeoutError(f"{base_url} not ready after {timeout_s:.0f} s")
            await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def serve_in_process(settings: Settings) -> AsyncIterator[str]:
    """Serve the full app (speech loaded) on a free loopback port; yields the websocket URL."""
    from voice_server.app import create_app

    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"ws://{host}:{port}/ws/voice"
    finally:
        await runner.cleanup()


async def replay(
    files: list[Path], *, url: str | None = None, token: str | None = None, realtime: bool = False,
    out_dir: Path | None = None, settings: Settings | None = None,
    emit: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Replay ``files`` in order over one connection; returns (and emits) one record per file."""
    if url is None:
        if settings is None:
            raise ValueError("settings are needed to serve in-process")
        async with serve_in_process(settings) as local_url:
            return await replay(files, url=local_url, token=token, realtime=realtime, out_dir=out_dir,
                                emit=emit)
    await wait_ready(http_base(url))
    records: list[dict[str, Any]] = []
    async with VoiceClient(url, token, client_name="shepherd-replay") as client:
        for path in files:
            record = await replay_file(client, path, realtime=realtime, out_dir=out_dir)
            record["conversation_id"] = client.conversation_id
            records.append(record)
            if emit is not None:
                emit(record)
    return records


def summary_line(record: dict[str, Any]) -> str:
    v2v = record["metrics"].get("voice_to_voice_ms")
    timing = f" [{v2v:.0f} ms voice-to-voice]" if isinstance(v2v, int | float) else ""
    return (f"{Path(record['file']).name}: \"{record['transcript']}\" -> ({record['intent']}) "
            f"{record['reply']}{timing}")
