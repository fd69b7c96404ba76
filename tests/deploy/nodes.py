"""Real `shepherd serve` processes for the deployment tests (one Postgres, one Valkey, N nodes)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp

from tests.conftest import REPO
from voice_server.platform.backends import Backends

TOKEN_SECRET = "deploy-tests-shared-token-secret-0123456789"
READY_TIMEOUT_S = 300.0
"""Loading Whisper + Piper on a loaded 2-core machine takes a while; generous on purpose."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    """One `shepherd serve` subprocess; output goes to a log file (a full pipe would block it)."""

    name: str
    port: int
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/voice"

    async def start(self, env: dict[str, str]) -> None:
        self._log = self.log_path.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "voice_server.tools.cli", "serve", cwd=REPO, env=env,
            stdout=self._log, stderr=asyncio.subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def readyz(self) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as http, http.get(f"{self.http}/readyz") as resp:
            return resp.status, await resp.json()

    async def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"{self.name} exited {self.process.returncode}:\n{self.output()[-4000:]}")
            try:
                status, _ = await self.readyz()
                if status == 200:
                    return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} not ready in {timeout_s} s:\n{self.output()[-4000:]}")
            await asyncio.sleep(1.0)

    def terminate(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)

    async def wait_exit(self, timeout_s: float = 90.0) -> int:
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout_s)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
            if self._log is not None:
                self._log.close()


def node_env(backends: Backends, state_dir: Path, name: str, port: int, **extra: str) -> dict[str, str]:
    """Environment of one node: the shared Postgres and Valkey by URL, a shared token secret."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHEPHERD_", "DATABASE_URL", "VALKEY_URL", "STRIPE_", "WORKOS_", "ELEVENLABS_"))}
    env.update(
        DATABASE_URL=backends.database_dsn,
        VALKEY_URL=backends.valkey_url,
        SHEPHERD_STATE_DIR=str(state_dir),  # only for the bundled Whisper model (joined once, atomically)
        SHEPHERD_PORT=str(port),
        SHEPHERD_NODE_ID=name,
        SHEPHERD_TOKEN_SECRET=TOKEN_SECRET,
        SHEPHERD_LOG_LEVEL="info",
        SHEPHERD_ASR_CPU_THREADS="1",
        SHEPHERD_RATE_LIMIT_PER_MINUTE="10000",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env
