"""Typed application state shared by every handler (``app[APP_STATE]``)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
import redis.asyncio as aioredis
from aiohttp import web

from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings

if TYPE_CHECKING:
    from commerce.auth.workos_login import WorkOSAuth
    from commerce.payments import PaymentProvider
    from voice_server.api.rate_limit import FixedWindowLimiter
    from voice_server.platform.capacity import CapacityMonitor
    from voice_server.platform.notice_hub import NoticeHub
    from voice_server.platform.ports import ConversationPort, Transcriber, TtsEngine
    from voice_server.voice.websocket import SessionRegistry


@dataclass
class Services:
    """The per-app objects handlers share; each is created by the one module named beside it."""

    conversation: ConversationPort | None = None
    """`voice_server.conversation.service.conversation_ctx` (while the app runs)."""
    notices: NoticeHub | None = None
    """`voice_server.platform.notice_hub.notices_ctx` (while the app runs)."""
    payments: PaymentProvider | None = None
    """`voice_server.platform.shop_services.payments` (on first use)."""
    workos: WorkOSAuth | None = None
    """`voice_server.api.routes.auth` (on first use)."""
    rate_limiter: FixedWindowLimiter | None = None
    """`voice_server.api.rate_limit.limiter_for` (on first use)."""
    token_key: bytes | None = None
    """`AppState.token_key()` (on first use)."""
    openapi: dict[str, Any] | None = None
    """`voice_server.api.openapi_json` (built on first request)."""
    speech_loader: asyncio.Task[None] | None = None
    """`voice_server.voice.speech_engines.speech_ctx`: await it to wait until `asr` and `tts` are loaded."""
    voice_sessions: SessionRegistry | None = None
    """`voice_server.voice.websocket.registry_of` (on first use)."""
    capacity: CapacityMonitor | None = None
    """`voice_server.platform.capacity.capacity_of` (on first use; sampled by `voice_server.voice.websocket.voice_ctx`)."""


@dataclass
class AppState:
    settings: Settings
    node_id: str
    backends: Backends | None = None
    asr: Transcriber | None = None
    """Speech to text once `voice_server.voice.speech_engines` has loaded it (None while loading)."""
    asr_model: str = ""
    """Name of the Whisper model behind `asr` (health, logs)."""
    tts: TtsEngine | None = None
    """Text to speech once loaded (None while loading)."""
    services: Services = field(default_factory=Services)
    started_at: float = field(default_factory=time.time)
    draining: bool = False

    @property
    def pool(self) -> asyncpg.Pool:
        assert self.backends is not None, "backends are not open"
        return self.backends.pool

    @property
    def valkey(self) -> aioredis.Redis:
        assert self.backends is not None, "backends are not open"
        return self.backends.valkey

    def token_key(self) -> bytes:
        """The token signing key, read once per app (`Settings.token_key`)."""
        if self.services.token_key is None:
            self.services.token_key = self.settings.token_key()
        return self.services.token_key


APP_STATE: web.AppKey[AppState] = web.AppKey("shepherd_state", AppState)


def app_state(request: web.Request) -> AppState:
    return request.app[APP_STATE]
