"""aiohttp adapter for /ws/voice: admission (server full — `voice_server.platform.capacity` — checked at the upgrade and
again at `hello`, draining, too many sockets without `hello` from one address), one `VoiceSession` per socket,
a registry of live sessions, the drain watcher and `drain_sessions` (the SIGTERM drain of `shepherd serve`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from aiohttp import web

from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.platform.capacity import Verdict, capacity_of
from voice_server.platform.logs import get_logger
from voice_server.voice import protocol as p
from voice_server.voice.pending_handshakes import PendingHandshakes
from voice_server.voice.session import SessionOptions, VoiceSession

log = get_logger(__name__)

routes = web.RouteTableDef()


class SessionRegistry:
    """Live voice sessions of this process; `len()` is the counter checked against `max_sessions`."""

    def __init__(self, options: SessionOptions | None = None, max_pending_handshakes: int = 32) -> None:
        self.options = options or SessionOptions()
        self.sessions: set[VoiceSession] = set()
        self.pending = PendingHandshakes(max_pending_handshakes)
        """Sockets that have not sent `hello` yet, per peer address."""
        self._changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self.sessions)

    def ready_sessions(self) -> int:
        """Sessions past `hello` (sockets still waiting for theirs are not counted)."""
        return sum(1 for s in self.sessions if s.ready)

    def talking_sessions(self, window_s: float) -> int:
        """Ready sessions with a turn in progress or one started within `window_s`."""
        at = time.monotonic()
        return sum(1 for s in self.sessions if s.ready and s.talking(at, window_s))

    def add(self, session: VoiceSession) -> None:
        self.sessions.add(session)
        self._changed.set()

    def discard(self, session: VoiceSession) -> None:
        self.sessions.discard(session)
        self._changed.set()

    def drain(self) -> None:
        for session in list(self.sessions):
            session.request_drain()

    def cut_turns(self) -> None:
        """Drain timeout: cut every turn still running (`interruption`, reason `cancel`), then go away."""
        for session in list(self.sessions):
            session.cut()

    async def wait_empty(self, timeout_s: float) -> bool:
        """Wait until no session is left (True) or ``timeout_s`` passed (False)."""
        deadline = time.monotonic() + timeout_s
        while self.sessions:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return True


def registry_of(state: AppState) -> SessionRegistry:
    registry = state.services.voice_sessions
    if registry is None:
        registry = state.services.voice_sessions = SessionRegistry(
            SessionOptions.from_settings(state.settings), state.settings.max_pending_handshakes
        )
    return registry


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def capacity_verdict(state: AppState) -> Verdict:
    """How many more voice sessions this node takes now (`voice_server.platform.capacity.assess`)."""
    registry = registry_of(state)
    return capacity_of(state).verdict(
        registry.ready_sessions(), registry.talking_sessions(state.settings.talking_window_s)
    )


def admission(state: AppState) -> p.ProtocolError | None:
    """`server_full` (close 4503, with a retry hint) when the node cannot take one more session now."""
    verdict = capacity_verdict(state)
    if not verdict.full:
        return None
    log.info("session.refused", reason=verdict.reason)
    return p.ProtocolError(
        p.ErrorCode.SERVER_FULL, f"server full ({verdict.reason}); retry later or on another node",
        p.CloseCode.SERVER_FULL, retry_after_s=verdict.retry_after_s,
    )


async def _refuse(ws: web.WebSocketResponse, error: p.ProtocolError) -> web.WebSocketResponse:
    with contextlib.suppress(Exception):
        await ws.send_str(error.to_message().model_dump_json())
        assert error.close_code is not None
        await asyncio.wait_for(ws.close(code=error.close_code, message=error.code.value.encode()), 2.0)
    return ws


@routes.get("/ws/voice")
async def voice_ws(request: web.Request) -> web.StreamResponse:
    """Upgrade to the voice websocket (protocol: docs/protocol.md)."""
    state = request.app[APP_STATE]
    registry = registry_of(state)
    ws = web.WebSocketResponse(
        max_msg_size=state.settings.max_message_bytes + 1,  # aiohttp refuses size >= max; we allow <=
        # dead-peer detection is the session's own keepalive (VoiceSession._keepalive): aiohttp's heartbeat
        # re-arms a timer through an extra loop callback on every received chunk, i.e. 50 times a second
        # per listening session; pings and pongs reach the session's read loop (autoping off)
        heartbeat=None,
        autoping=False,
    )
    await ws.prepare(request)
    if state.draining:
        return await _refuse(
            ws, p.ProtocolError(p.ErrorCode.NOT_READY, "node is draining", p.CloseCode.GOING_AWAY)
        )
    if len(registry) >= state.settings.max_sessions:  # sockets, with those still waiting for hello
        return await _refuse(
            ws, p.ProtocolError(
                p.ErrorCode.SERVER_FULL, "too many voice sessions", p.CloseCode.SERVER_FULL,
                retry_after_s=state.settings.admission_retry_after_s,
            )
        )
    pending = registry.pending.acquire(request.remote or "unknown")
    if pending is None:
        return await _refuse(
            ws,
            p.ProtocolError(
                p.ErrorCode.TOO_MANY_HANDSHAKES,
                "too many connections from this address have not sent hello",
                p.CloseCode.TOO_MANY_HANDSHAKES,
            ),
        )
    transport = request.transport
    session = VoiceSession(
        ws,
        state,
        registry.options,
        header_token=_bearer(request),
        abort=lambda: transport.abort() if transport is not None else None,
        said_hello=pending.release,
        admit=lambda: admission(state),
    )
    registry.add(session)
    try:
        await session.run()
    finally:
        pending.release()
        registry.discard(session)
    return ws


CUT_GRACE_S = 3.0
"""After the drain timeout cut the turns still running, sessions get this long to close."""


async def drain_sessions(state: AppState, timeout_s: float) -> int:
    """Drain this node; returns how many sessions were still open at the end (0 when all left).

    /readyz answers 503 and new sessions are refused with 1001 from now on; each live session
    finishes its current turn, then gets `going_away` with its resume token and close 1001. Turns
    still running after ``timeout_s`` are cut, so the whole drain is bounded.
    """
    state.draining = True
    registry = registry_of(state)
    log.info("drain.started", sessions=len(registry), timeout_s=timeout_s)
    registry.drain()
    if not await registry.wait_empty(timeout_s):
        log.warning("drain.timeout", sessions=len(registry))
        registry.cut_turns()
        await registry.wait_empty(CUT_GRACE_S)
    log.info("drain.done", sessions_left=len(registry))
    return len(registry)


async def _watch_drain(state: AppState, registry: SessionRegistry) -> None:
    while not state.draining:  # noqa: ASYNC110 - AppState.draining is a plain flag
        await asyncio.sleep(0.25)
    registry.drain()


async def voice_ctx(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: session registry, drain watcher and capacity sampler; on shutdown every session
    goes away (1001)."""
    state = app[APP_STATE]
    registry = registry_of(state)
    watcher = asyncio.create_task(_watch_drain(state, registry), name="voice-drain-watch")
    sampler = asyncio.create_task(
        capacity_of(state).run(lambda: capacity_verdict(state)), name="capacity-sampler"
    )
    yield
    for task in (watcher, sampler):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    registry.drain()


async def on_shutdown(app: web.Application) -> None:
    """Before handlers are cancelled: ask live sessions to go away with their resume token."""
    registry_of(app[APP_STATE]).drain()


def setup_voice(app: web.Application) -> None:
    app.router.add_routes(routes)
    app.cleanup_ctx.append(voice_ctx)
    app.on_shutdown.append(on_shutdown)
