"""Fixtures for ConversationService tests: the real service over the session's Postgres + Valkey."""

from __future__ import annotations

from typing import Any

import pytest

from commerce.auth import create_guest
from tests.conversation.helpers import new_service
from voice_server.conversation.service import ConversationService
from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings


@pytest.fixture
async def service(settings: Settings, backends: Backends) -> ConversationService:
    return await new_service(settings, backends)


@pytest.fixture
async def guest(pool: Any) -> int:
    return (await create_guest(pool)).id
