"""Run the app until SIGTERM/SIGINT, draining first: what `shepherd serve` does.

Like aiohttp's ``run_app`` but with a drain before the shutdown, so a load balancer (or the
orchestrator's rolling update) can take the node out without cutting anyone off:

1. the first SIGTERM/SIGINT starts `voice_server.voice.websocket.drain_sessions`: /readyz turns 503, new voice
   sessions are refused (close 1001), turns in flight finish, each session gets its resume token
   (`going_away`) and close 1001; turns still running after ``drain_timeout_s`` are cut;
2. then the app shuts down as usual (HTTP keeps answering during the drain) and the process exits 0.

A second signal during the drain skips the rest of the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

from aiohttp import web

from voice_server.platform.app_state import APP_STATE
from voice_server.platform.logs import get_logger
from voice_server.voice.websocket import drain_sessions

log = get_logger(__name__)

SHUTDOWN_TIMEOUT_S = 5.0
"""After the drain: how long aiohttp waits for the remaining requests before cancelling them."""


def _urls(runner: web.AppRunner) -> list[str]:
    return [f"http://{host}:{port}" for host, port, *_ in runner.addresses]


async def serve(
    app: web.Application, host: str, port: int, *, drain_timeout_s: float,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve until a signal, drain, shut down. Returns normally (exit status 0)."""
    loop = asyncio.get_running_loop()
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
    await runner.setup()
    signals = asyncio.Queue[int]()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, signals.put_nowait, int(sig))
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        echo(f"======== Running on {', '.join(_urls(runner))} ========\n(Press CTRL+C to quit)")
        received = await signals.get()
        log.info("serve.signal", signal=signal.Signals(received).name)
        drain = asyncio.create_task(drain_sessions(app[APP_STATE], drain_timeout_s), name="drain")
        second = asyncio.create_task(signals.get(), name="second-signal")
        await asyncio.wait({drain, second}, return_when=asyncio.FIRST_COMPLETED)
        for task in (drain, second):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
    log.info("serve.stopped")


__all__ = ["SHUTDOWN_TIMEOUT_S", "serve"]
