"""Helpers for the REST API tests: apps with overridden settings, guest tokens."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.api.fake_workos import FakeWorkOS
from tests.conftest import make_settings
from voice_server.app import create_app
from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings

StartApp = Callable[..., Awaitable[TestClient]]
API_KEY = "sk_test_fakeworkoskey123456"
CLIENT_ID = "client_01FAKE"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_guest(client: TestClient) -> tuple[str, int]:
    """Token and user id of a fresh guest."""
    resp = await client.post("/api/auth/guest")
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    return body["token"], body["user_id"]


@pytest.fixture
async def start_app(backends: Backends, settings: Settings) -> AsyncIterator[StartApp]:
    """Start the real app on a real socket with some settings overridden (same state dir)."""
    clients: list[TestClient] = []

    async def start(*, port: int | None = None, **overrides: Any) -> TestClient:
        app_settings = make_settings(settings.state_dir, **overrides)
        server = TestServer(create_app(app_settings, speech=False), **({"port": port} if port else {}))
        client = TestClient(server)
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def guest(app_client: TestClient) -> tuple[str, int]:
    return await new_guest(app_client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workos_settings(fake_base_url: str) -> dict[str, Any]:
    """Overrides for ``start_app``: WorkOS pointed at the fake, callback on a port chosen now."""
    port = free_port()
    return {"port": port, "workos_api_key": API_KEY, "workos_client_id": CLIENT_ID,
            "workos_base_url": fake_base_url, "workos_redirect_uri": f"http://127.0.0.1:{port}/api/auth/callback"}


@pytest.fixture
async def fake_workos() -> AsyncIterator[tuple[FakeWorkOS, str]]:
    """The fake WorkOS API on a real socket: (fake, base URL)."""
    fake = FakeWorkOS(api_key=API_KEY, client_id=CLIENT_ID)
    server = TestServer(fake.app())
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()
