"""SIGTERM drains a real `shepherd serve` node: what a rolling update or a scale-in does to it.

While a reply is being spoken the node gets SIGTERM: /readyz turns 503 (and the image's
HEALTHCHECK command fails), new voice sessions are refused with close 1001, the turn in flight
finishes, the client gets its resume token (`going_away`) and close 1001, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from commerce.auth import verify_token
from tests.conftest import REPO
from tests.deploy.nodes import TOKEN_SECRET, Node, free_port, node_env
from tests.deploy.test_docker_static import DOCKERFILES, parse, stages
from voice_server.platform.backends import Backends
from voice_server.tools.voice_client import guest_token

pytestmark = pytest.mark.slow

HELLO = {"type": "hello", "version": 1, "input": {"sample_rate": 16000}, "output": {"sample_rate": 16000}}


class RawSession:
    """A bare protocol client (aiohttp): records every message, never reconnects."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.audio_bytes = 0
        self.changed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(msg.data))
            elif msg.type == aiohttp.WSMsgType.BINARY:
                self.audio_bytes += len(msg.data)
            self.changed.set()
        self.changed.set()

    async def wait_for(self, kind: str, timeout_s: float = 240.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout_s):
            while True:
                found = [m for m in self.messages if m["type"] == kind]
                if found:
                    return found[0]
                if self.reader.done():
                    raise AssertionError(f"closed before {kind}: {[m['type'] for m in self.messages]}")
                self.changed.clear()
                await self.changed.wait()

    def types(self) -> list[str]:
        return [m["type"] for m in self.messages]


@pytest.fixture
async def node(
    request: pytest.FixtureRequest, backends: Backends, state_dir: Path, tmp_path: Path,
) -> AsyncIterator[Node]:
    drain_timeout = getattr(request, "param", "120")
    server = Node("node-drain", free_port(), tmp_path / "node.log")
    await server.start(node_env(backends, state_dir, server.name, server.port,
                                SHEPHERD_DRAIN_TIMEOUT_S=drain_timeout))
    try:
        await server.wait_ready()
        yield server
    finally:
        server.terminate()
        await server.wait_exit()


async def _start_reply(http: aiohttp.ClientSession, node: Node, token: str) -> tuple[RawSession, dict, dict]:
    session = RawSession(await http.ws_connect(node.ws, headers={"Authorization": f"Bearer {token}"},
                                               max_msg_size=0))
    await session.ws.send_json(HELLO)
    ready = await session.wait_for("ready")
    await session.ws.send_json({"type": "text", "text": "show me black dresses under 80 dollars"})
    reply = await session.wait_for("reply")
    assert reply["intent"] == "search" and reply["products"]
    return session, ready, reply


def healthcheck(port: int) -> int:
    """Run the runtime stage's HEALTHCHECK command of docker/Dockerfile against the node."""
    runtime = stages(parse(DOCKERFILES["cpu"]))[-1]
    command = next(c for c in runtime if c.cmd == "HEALTHCHECK").value[1:]
    assert command[0] == "python"
    env = {"SHEPHERD_PORT": str(port), "PATH": ""}
    return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=60).returncode


async def test_sigterm_finishes_the_turn_then_hands_out_the_resume_token(node: Node) -> None:
    guest = await guest_token(node.http)
    headers = {"Authorization": f"Bearer {guest['token']}"}
    assert await asyncio.to_thread(healthcheck, node.port) == 0
    async with aiohttp.ClientSession() as http:
        session, ready, reply = await _start_reply(http, node, str(guest["token"]))
        node.terminate()  # SIGTERM while the reply is being synthesised and spoken
        async with asyncio.timeout(60):
            while True:
                status, body = await node.readyz()
                if status == 503:
                    break
                await asyncio.sleep(0.05)
        assert body["status"] == "draining"

        refused = await http.ws_connect(node.ws, headers=headers)
        await refused.send_json(HELLO)
        first = await refused.receive(timeout=30)
        assert first.type == aiohttp.WSMsgType.TEXT
        assert json.loads(first.data)["code"] == "not_ready"
        closing = await refused.receive(timeout=30)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert refused.close_code == 1001
        assert await asyncio.to_thread(healthcheck, node.port) != 0

        audio_end = await session.wait_for("audio_end")
        going_away = await session.wait_for("going_away")
        await asyncio.wait_for(session.reader, 60)
        assert session.ws.close_code == 1001

    types = session.types()
    turn = reply["turn_id"]
    assert audio_end["turn_id"] == turn and audio_end["reason"] == "complete"  # the turn finished
    assert audio_end["duration_ms"] > 500 and session.audio_bytes >= audio_end["duration_ms"] * 32 * 0.9
    assert "interruption" not in types
    assert types.index("audio_end") < types.index("metrics") < types.index("going_away") == len(types) - 1
    claims = verify_token(TOKEN_SECRET.encode(), going_away["resume_token"], "resume")
    assert claims.user_id == int(guest["user_id"])
    assert claims.extra["conversation_id"] == ready["conversation_id"]

    assert await node.wait_exit(timeout_s=120) == 0
    output = node.output()
    assert "Traceback" not in output
    assert "drain.done" in output and '"sessions_left": 0' in output


@pytest.mark.parametrize("node", ["0"], indirect=True, ids=["drain_timeout_0"])
async def test_the_drain_timeout_cuts_a_turn_that_runs_too_long(node: Node) -> None:
    """SHEPHERD_DRAIN_TIMEOUT_S bounds the drain: the reply is cut, the token still handed out."""
    guest = await guest_token(node.http)
    async with aiohttp.ClientSession() as http:
        session, ready, reply = await _start_reply(http, node, str(guest["token"]))
        node.terminate()
        cut = await session.wait_for("interruption")
        going_away = await session.wait_for("going_away")
        await asyncio.wait_for(session.reader, 60)
    assert cut["turn_id"] == reply["turn_id"] and cut["reason"] == "cancel"
    assert session.ws.close_code == 1001
    types = session.types()
    assert types.index("interruption") < types.index("going_away") == len(types) - 1
    claims = verify_token(TOKEN_SECRET.encode(), going_away["resume_token"], "resume")
    assert claims.extra["conversation_id"] == ready["conversation_id"]
    assert await node.wait_exit(timeout_s=120) == 0
    output = node.output()
    assert "drain.timeout" in output and "Traceback" not in output


def test_the_healthcheck_command_runs_from_a_bare_environment() -> None:
    """The check uses only the standard library and the port variable (no curl, no app import)."""
    runtime = stages(parse(DOCKERFILES["cpu"]))[-1]
    script = next(c for c in runtime if c.cmd == "HEALTHCHECK").value[3]
    assert "import os, urllib.request" in script and "voice_server" not in script
    out = subprocess.run([sys.executable, "-c", script], env={"SHEPHERD_PORT": str(free_port())},
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode != 0 and "Connection refused" in out.stderr  # nothing listens: unhealthy
