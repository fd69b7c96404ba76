"""One real app (speech loaded once) on a real socket for all websocket tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from commerce.auth import create_guest, issue_token
from tests.voice.client import ConnectFn, client_opener
from voice_server.app import create_app
from voice_server.conversation.service import ConversationService
from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings


@pytest.fixture(scope="session")
async def voice_app(backends: Backends, settings: Settings) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    state = client.server.app[APP_STATE]
    await asyncio.wait_for(state.services.speech_loader, 300)
    # the real dialogue, never a stand-in: if the conversation service cannot be built the suite fails here
    assert isinstance(state.services.conversation, ConversationService), "no real conversation service"
    yield client
    await client.close()


@pytest.fixture
def voice_state(voice_app: TestClient) -> AppState:
    return voice_app.server.app[APP_STATE]


@pytest.fixture
async def guest_token(pool: Any, settings: Settings) -> str:
    user = await create_guest(pool)
    return issue_token(settings.token_key(), user.id, "guest", 3600)


@pytest.fixture
async def connect(voice_app: TestClient) -> AsyncIterator[ConnectFn]:
    async with client_opener(voice_app) as open_client:
        yield open_client
