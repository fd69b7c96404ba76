"""Helpers for ConversationService tests."""

from __future__ import annotations

from voice_server.conversation.service import ConversationService, build_conversation_service
from voice_server.platform.app_state import AppState
from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings


async def new_service(settings: Settings, backends: Backends, node: str = "test") -> ConversationService:
    """A fresh service, as a (re)started process would build it."""
    return await build_conversation_service(AppState(settings=settings, node_id=node, backends=backends))
