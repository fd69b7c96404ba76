"""Shared fixtures of the reliability suite: a live server on a real socket, shoppers, captured logs.

* ``live`` (session): the whole app (REST + /ws/voice, Whisper and Piper loaded) from ``create_app``
  on an ephemeral 127.0.0.1 port, over the session's real embedded Postgres and Valkey. Its REST rate
  limit is raised so fuzzing does not trip it (the rate-limit tests start their own app).
* ``start_server``: start another app with some settings overridden (same state dir, so the same
  Postgres and Valkey); ``speech=False`` by default.
* ``shopper`` / ``other_shopper`` / ``new_shopper``: guests signed up over REST (``Shopper``).
* ``mint``: crafted tokens (expired, tampered, ...) signed with the live server's key.
* ``voice``: open websocket clients (``tests.voice.client.VoiceClient``) to the live server.
* ``captured_logs``: every log record of this process rendered by the production redacting JSON
  chain (``voice_server.platform.logs.make_handler``) at DEBUG.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from commerce.auth import issue_token
from tests.conftest import make_settings
from tests.voice.client import ConnectFn, client_opener
from voice_server.app import create_app
from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.platform.backends import Backends
from voice_server.platform.logs import make_handler
from voice_server.platform.settings import Settings

SPEECH_LOAD_TIMEOUT_S = 600.0
LIVE_RATE_LIMIT = 1_000_000


@dataclass
class LiveServer:
    """A running app: ``client`` speaks REST and websockets to it over a real socket."""

    client: TestClient
    settings: Settings

    @property
    def app(self) -> web.Application:
        return self.client.server.app  # type: ignore[return-value]

    @property
    def state(self) -> AppState:
        return self.app[APP_STATE]

    @property
    def base_url(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/ws/voice"

    def token_key(self) -> bytes:
        return self.settings.token_key()


@dataclass(frozen=True)
class Shopper:
    token: str
    user_id: int

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def sign_up(client: TestClient) -> Shopper:
    """A fresh guest through ``POST /api/auth/guest``."""
    resp = await client.post("/api/auth/guest")
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    return Shopper(body["token"], body["user_id"])


@pytest.fixture(scope="session")
def live_settings(settings: Settings) -> Settings:
    return make_settings(settings.state_dir, rate_limit_per_minute=LIVE_RATE_LIMIT)


@pytest.fixture(scope="session")
async def live(backends: Backends, live_settings: Settings) -> AsyncIterator[LiveServer]:
    """The full app (speech loaded, real conversation service) on an ephemeral port."""
    client = TestClient(TestServer(create_app(live_settings), host="127.0.0.1"))
    await client.start_server()
    state = client.server.app[APP_STATE]
    await asyncio.wait_for(state.services.speech_loader, SPEECH_LOAD_TIMEOUT_S)
    assert state.asr is not None and state.tts is not None, "speech did not load"
    assert state.services.conversation is not None, "no conversation service"
    yield LiveServer(client, live_settings)
    await client.close()


StartServer = Callable[..., Awaitable[LiveServer]]


@pytest.fixture
async def start_server(backends: Backends, settings: Settings) -> AsyncIterator[StartServer]:
    """Start another app (settings overridden, same state dir); closed at the end of the test."""
    started: list[TestClient] = []

    async def start(*, speech: bool = False, port: int | None = None, **overrides: Any) -> LiveServer:
        app_settings = make_settings(settings.state_dir, **overrides)
        server = TestServer(create_app(app_settings, speech=speech), host="127.0.0.1",
                            **({"port": port} if port else {}))
        client = TestClient(server)
        await client.start_server()
        started.append(client)
        if speech:
            await asyncio.wait_for(client.server.app[APP_STATE].services.speech_loader, SPEECH_LOAD_TIMEOUT_S)
        return LiveServer(client, app_settings)

    yield start
    for client in started:
        await client.close()


@pytest.fixture
async def shopper(live: LiveServer) -> Shopper:
    return await sign_up(live.client)


@pytest.fixture
async def other_shopper(live: LiveServer) -> Shopper:
    return await sign_up(live.client)


@pytest.fixture
def new_shopper(live: LiveServer) -> Callable[[], Awaitable[Shopper]]:
    return lambda: sign_up(live.client)


Mint = Callable[..., str]


@pytest.fixture
def mint(live: LiveServer) -> Mint:
    """``mint(user_id, ttl_s=600, typ="access", kind="guest", now=None, **extra)`` with the live key."""

    def make(user_id: int, ttl_s: int = 600, typ: str = "access", kind: str = "guest", **kw: Any) -> str:
        return issue_token(live.token_key(), user_id, kind, ttl_s, typ, **kw)  # type: ignore[arg-type]

    return make


OpenVoice = ConnectFn


@pytest.fixture
async def voice(live: LiveServer) -> AsyncIterator[OpenVoice]:
    """``await voice(read=True, **ws_connect_kwargs)``: a websocket client to the live server."""
    async with client_opener(live.client) as open_client:
        yield open_client


@dataclass
class CapturedLogs:
    """Log records rendered by the production JSON chain (redaction included)."""

    stream: io.StringIO = field(default_factory=io.StringIO)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def events(self) -> list[dict[str, Any]]:
        out = []
        for line in self.text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"event": line})
        return out


@pytest.fixture
def captured_logs() -> Any:
    """Capture every log record of this process at DEBUG, rendered as the server renders them."""
    captured = CapturedLogs()
    handler = make_handler(captured.stream, "json")
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
