"""Helpers for ConversationService tests."""

from __future__ import annotations

from voice_server.backends import Backends
from voice_server.conversation import ConversationService, build_conversation_service
from voice_server.settings import Settings
from voice_server.state import AppState


async def new_service(settings: Settings, backends: Backends, node: str = "test") -> ConversationService:
    """A fresh service, as a (re)started process would build it."""
    return await build_conversation_service(AppState(settings=settings, node_id=node, backends=backends))
