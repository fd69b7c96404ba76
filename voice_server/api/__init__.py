"""The REST API under ``/api/``: declarative routes, OpenAPI document, shared services.

``setup_api(app)`` registers every route of ``ROUTERS`` and ``GET /openapi.json``; the
middlewares (CORS, rate limit, auth) are listed in ``voice_server.app``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from voice_server.api.openapi import build_openapi
from voice_server.api.routes import advice, auth, cart, conversations, orders, products, profile, webhooks
from voice_server.api.routing import ApiRoute, handler_for
from voice_server.platform.app_state import APP_STATE
from voice_server.platform.logs import get_logger

log = get_logger(__name__)
ROUTERS = (auth.router, products.router, advice.router, profile.router, cart.router, orders.router,
           webhooks.router, conversations.router)
API_ROUTES: web.AppKey[list[ApiRoute]] = web.AppKey("shepherd_api_routes", list)


def api_routes() -> list[ApiRoute]:
    return [route for router in ROUTERS for route in router.routes]


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document (built once per app)."""
    state = request.app[APP_STATE]
    if state.services.openapi is None:
        state.services.openapi = build_openapi(request.app[API_ROUTES])
    return web.json_response(state.services.openapi)


async def _close_services(app: web.Application) -> None:
    services = app[APP_STATE].services
    workos, payments = services.workos, services.payments
    services.workos = services.payments = None
    closers: list[tuple[str, Callable[[], Awaitable[None]]]] = []
    if workos is not None:
        closers.append(("workos", workos.close))
    if payments is not None:
        closers.append(("payments", payments.aclose))
    for name, close in closers:
        try:
            await close()
        except Exception as exc:  # closing is best effort at shutdown
            log.warning("api.close_failed", service=name, error=type(exc).__name__)


def setup_api(app: web.Application) -> None:
    """Register the API routes and ``/openapi.json`` on ``app``."""
    routes = api_routes()
    for route in routes:
        app.router.add_route(route.method, route.path, handler_for(route), name=route.operation_id)
    app[API_ROUTES] = routes
    app.router.add_get("/openapi.json", openapi_json, name="openapi")
    app.on_cleanup.append(_close_services)
