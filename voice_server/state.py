"""Typed application state shared by every handler (``app[APP_STATE]``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from voice_server.backends import Backends
from voice_server.settings import Settings


@dataclass
class AppState:
    settings: Settings
    node_id: str
    backends: Backends | None = None
    asr: Any = None  # audio.asr.BatchingTranscriber once loaded
    tts: Any = None  # audio.tts TtsEngine once loaded
    services: dict[str, Any] = field(default_factory=dict)  # shop, dialogue, hub, ... by name
    started_at: float = field(default_factory=time.time)
    draining: bool = False

    @property
    def pool(self) -> Any:
        assert self.backends is not None, "backends are not open"
        return self.backends.pool

    @property
    def valkey(self) -> Any:
        assert self.backends is not None, "backends are not open"
        return self.backends.valkey


APP_STATE: web.AppKey[AppState] = web.AppKey("shepherd_state", AppState)


def app_state(request: web.Request) -> AppState:
    return request.app[APP_STATE]
