"""Liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from voice_server.platform.app_state import APP_STATE, AppState
from voice_server.voice.websocket import capacity_verdict

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Process up."""
    state = request.app[APP_STATE]
    return web.json_response({"status": "ok", "node": state.node_id, "uptime_s": round(time.time() - state.started_at, 1)})


async def _check(coro: Awaitable[object], limit_s: float = 2.0) -> dict[str, object]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(coro, limit_s)
    except Exception as exc:  # readiness reports any failure as not ready
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


async def readiness(state: AppState) -> dict[str, dict[str, object]]:
    checks: dict[str, dict[str, object]] = {}
    if state.backends is None:
        checks["postgres"] = checks["valkey"] = {"ok": False, "error": "not started"}
    else:
        checks["postgres"] = await _check(state.pool.fetchval("SELECT 1"))
        checks["valkey"] = await _check(state.valkey.ping())
    checks["asr"] = {"ok": state.asr is not None, **({"model": state.asr_model} if state.asr else {})}
    checks["tts"] = {"ok": state.tts is not None, **({"engine": state.tts.name} if state.tts else {})}
    return checks


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Postgres, Valkey, ASR model and TTS voice each reported; 503 until all are ready, while draining,
    and while the node is full (`capacity`: no room for one more voice session, see voice_server.platform.capacity)."""
    state = request.app[APP_STATE]
    checks = await readiness(state)
    verdict = capacity_verdict(state)
    capacity: dict[str, object] = {"ok": not verdict.full, "free": verdict.free}
    if verdict.full:
        capacity.update(reason=verdict.reason, retry_after_s=verdict.retry_after_s)
    healthy = all(bool(c["ok"]) for c in checks.values())
    checks["capacity"] = capacity
    ready = healthy and not verdict.full and not state.draining
    status = "ready" if ready else "draining" if state.draining else "not_ready" if not healthy else "full"
    return web.json_response({"status": status, "checks": checks}, status=200 if ready else 503)


@routes.get("/metrics")
async def metrics(_: web.Request) -> web.Response:
    """Prometheus exposition format."""
    resp = web.Response(body=generate_latest())
    resp.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return resp
