"""Embedded Postgres and Valkey: real servers that keep their data and are shared by processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest
import redis

from tests.conftest import REPO
from voice_server.platform.embedded import EmbeddedValkey, start_postgres, stop_postgres

PROBE = """
import json, sys
from pathlib import Path
from voice_server.platform.embedded import EmbeddedValkey, start_postgres
state = Path(sys.argv[1])
dsn = start_postgres(state, "shepherd")
ep = EmbeddedValkey(state).start()
print(json.dumps({"dsn": dsn, "valkey_pid": ep.pid, "valkey_port": ep.port}))
"""


@pytest.fixture
def private_state(tmp_path: Path):
    yield tmp_path
    EmbeddedValkey(tmp_path).stop()
    stop_postgres(tmp_path)


@pytest.mark.integration  # starts its own Postgres and Valkey
async def test_data_survives_a_restart_of_both_services(private_state: Path) -> None:
    dsn = start_postgres(private_state, "shepherd")
    valkey = EmbeddedValkey(private_state)
    endpoint = valkey.start()
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('hello')")
    await conn.close()
    redis.Redis(host=endpoint.host, port=endpoint.port).set("conversation", "context")

    valkey.stop()
    stop_postgres(private_state)
    with pytest.raises(redis.ConnectionError):
        redis.Redis(host=endpoint.host, port=endpoint.port, socket_timeout=1).ping()

    dsn = start_postgres(private_state, "shepherd")
    endpoint = valkey.start()
    conn = await asyncpg.connect(dsn)
    assert await conn.fetchval("SELECT v FROM kept") == "hello"
    await conn.close()
    assert redis.Redis(host=endpoint.host, port=endpoint.port).get("conversation") == b"context"
    assert (private_state / "valkey" / "appendonlydir").is_dir()  # AOF persistence is on


@pytest.mark.integration  # starts its own Postgres and Valkey
def test_a_second_process_reuses_the_running_services(private_state: Path) -> None:
    start_postgres(private_state, "shepherd")
    mine = EmbeddedValkey(private_state).start()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(private_state)], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    theirs = json.loads(out.strip().splitlines()[-1])
    assert theirs["valkey_pid"] == mine.pid and theirs["valkey_port"] == mine.port
    # the other process has exited; the services we use are still up
    assert redis.Redis(host=mine.host, port=mine.port).ping()
    assert (private_state / "postgres" / "postmaster.pid").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get_json(port: int, path: str) -> tuple[int, dict]:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as resp:
        return resp.status, await resp.json()


@pytest.mark.slow
async def test_serve_becomes_ready_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """What `make run` does: a fresh state dir, the demo catalog, /readyz 200, clean SIGTERM."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEPHERD_", "DATABASE_URL", "VALKEY_URL"))}
    env.update(SHEPHERD_STATE_DIR=str(tmp_path), SHEPHERD_PORT=str(port))
    log_path = tmp_path / "serve.log"  # a file, not a pipe: a chatty server never blocks on a full pipe
    log_file = log_path.open("w")
    proc = subprocess.Popen(  # noqa: ASYNC220 - the server under test runs beside the loop
        [sys.executable, "-m", "voice_server.tools.cli", "serve"], cwd=REPO, env=env,
        stdout=log_file, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        status, body = 0, {}
        while time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            try:
                status, body = await _get_json(port, "/readyz")
            except OSError:
                status = 0
            if status == 200:
                break
            await asyncio.sleep(1)
        assert status == 200, body
        assert set(body["checks"]) == {"postgres", "valkey", "asr", "tts", "capacity"}
        assert body["checks"]["capacity"]["ok"] is True  # an idle node has room
        health_status, _ = await _get_json(port, "/healthz")
        assert health_status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log_file.close()
    output = log_path.read_text()
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    # the last user of the embedded services stopped them
    assert EmbeddedValkey(tmp_path).endpoint() is None
