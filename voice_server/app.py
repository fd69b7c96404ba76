"""The aiohttp application: one process serves REST, the voice websocket, the widget and health."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator

from aiohttp import web

from voice_server.api import health, setup_api, widget_site
from voice_server.api.auth_middleware import auth_middleware
from voice_server.api.cors import cors_middleware
from voice_server.api.middleware import request_context, security_headers
from voice_server.api.rate_limit import rate_limit_middleware
from voice_server.conversation.service import conversation_ctx
from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.platform.backends import open_backends
from voice_server.platform.heap import observe_gc_pauses
from voice_server.platform.logs import get_logger
from voice_server.platform.maintenance import maintenance_ctx
from voice_server.platform.notice_hub import notices_ctx
from voice_server.platform.settings import Settings
from voice_server.voice.speech_engines import speech_ctx
from voice_server.voice.websocket import setup_voice

log = get_logger(__name__)


def create_app(settings: Settings, *, speech: bool = True) -> web.Application:
    """Build the app. ``speech=False`` skips loading the ASR model and TTS voice (REST-only tests)."""
    app = web.Application(
        middlewares=[
            request_context, security_headers, cors_middleware, rate_limit_middleware, auth_middleware,
        ],
        client_max_size=settings.max_message_bytes,
    )
    observe_gc_pauses()
    node_id = settings.node_id or f"{socket.gethostname()}:{os.getpid()}"
    app[APP_STATE] = AppState(settings=settings, node_id=node_id)
    app.cleanup_ctx.append(_backends_ctx)
    app.cleanup_ctx.append(conversation_ctx)
    app.cleanup_ctx.append(notices_ctx)
    app.cleanup_ctx.append(maintenance_ctx)
    app.router.add_routes(health.routes)
    setup_api(app)
    if speech:
        app.cleanup_ctx.append(speech_ctx)
    setup_voice(app)
    app.router.add_routes(widget_site.routes)
    return app


async def _backends_ctx(app: web.Application) -> AsyncIterator[None]:
    state = app[APP_STATE]
    state.backends = await open_backends(state.settings)
    log.info("app.started", node=state.node_id)
    yield
    await state.backends.close()
    log.info("app.stopped", node=state.node_id)
