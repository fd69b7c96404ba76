"""Shared fixtures: one real embedded Postgres + Valkey per test session, in a temp state dir."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from voice_server.app import create_app
from voice_server.platform.backends import Backends, open_backends
from voice_server.platform.logs import configure_logging
from voice_server.platform.settings import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "audio"

configure_logging("warning", "console")


INTEGRATION_FIXTURES = frozenset({"backends", "whisper_engine", "transcriber", "piper_tts"})
"""Fixtures that start the embedded Postgres/Valkey or load a speech model (everything built on them,
``pool``, ``app_client``, ``voice_app``, ``live``, ..., depends on one of these)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `integration` every test that uses a database or a model fixture, directly or not, so
    `make test-fast` (``-m "not integration and not slow and not browser"``) is the unit tier."""
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def make_settings(state_dir: Path, **overrides: Any) -> Settings:
    """Settings that ignore the caller's environment (no DATABASE_URL, keys, ...). Admission on CPU is off:
    the test process runs the models and pytest itself (tests/voice/test_capacity.py covers that rule)."""
    overrides.setdefault("admission_cpu_max", 0.0)
    return Settings(_env_file=None, state_dir=state_dir, port=0, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def settings(state_dir: Path) -> Settings:
    return make_settings(state_dir)


@pytest.fixture(scope="session")
async def backends(settings: Settings) -> AsyncIterator[Backends]:
    opened = await open_backends(settings)
    yield opened
    await opened.close()


@pytest.fixture(scope="session")
def pool(backends: Backends) -> Any:
    return backends.pool


@pytest.fixture(scope="session")
def valkey(backends: Backends) -> Any:
    return backends.valkey


AppFactory = Callable[..., Any]


@pytest.fixture
async def app_client(backends: Backends, settings: Settings) -> AsyncIterator[TestClient]:
    """A REST test client on a real socket (speech not loaded)."""
    client = TestClient(TestServer(create_app(settings, speech=False)))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
async def make_client(backends: Backends) -> AsyncIterator[Callable[[web.Application], Any]]:
    """Start any app on a real socket; closed at the end of the test."""
    clients: list[TestClient] = []

    async def start(app: web.Application) -> TestClient:
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
