"""A small declarative route layer on aiohttp: typed inputs, typed outputs, typed errors.

Each ``ApiRoute`` declares method, path, summary, tags, path/query/header/body models, the
response type, whether it is public, and the error statuses it documents. ``handler_for``
turns it into an aiohttp handler that validates the request, calls the route's function with an
``ApiCall`` and serialises the result; the same table generates the OpenAPI document.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, get_args, get_origin

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from commerce.auth import AuthError, Claims
from commerce.models import ShopError
from voice_server.api.errors import (
    auth_error_response,
    shop_error_response,
    validation_details,
    validation_error_response,
)
from voice_server.platform.app_state import APP_STATE, AppState

CLAIMS_KEY: web.RequestKey[Claims] = web.RequestKey("shepherd_claims", Claims)
ApiHandler = Callable[["ApiCall"], Awaitable[Any]]


class RequestInvalid(Exception):
    def __init__(self, details: list[dict[str, Any]]) -> None:
        super().__init__("request invalid")
        self.details = details


@dataclass
class ApiCall:
    """One validated request as seen by a route function."""

    request: web.Request
    claims: Claims | None
    path: Any = None
    query: Any = None
    headers: Any = None
    body: Any = None

    @property
    def user_id(self) -> int:
        if self.claims is None:
            raise AuthError("missing_token", "a bearer token is required")
        return self.claims.user_id

    @property
    def state(self) -> AppState:
        return self.request.app[APP_STATE]

    @property
    def pool(self) -> Any:
        return self.state.pool


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    handler: ApiHandler
    summary: str
    tags: tuple[str, ...] = ()
    path_params: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    raw_body: bool = False
    response: Any = None
    status: int = 200
    public: bool = False
    errors: tuple[int, ...] = ()
    redirect: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @cached_property
    def response_adapter(self) -> TypeAdapter[Any] | None:
        return None if self.response is None else TypeAdapter(self.response)


class ApiRouter:
    """Collects ``ApiRoute`` declarations through decorators."""

    def __init__(self, *, tags: tuple[str, ...] = ()) -> None:
        self.routes: list[ApiRoute] = []
        self._tags = tags

    def route(self, method: str, path: str, **spec: Any) -> Callable[[ApiHandler], ApiHandler]:
        def register(handler: ApiHandler) -> ApiHandler:
            spec.setdefault("tags", self._tags)
            spec.setdefault("description", inspect.cleandoc(handler.__doc__ or ""))
            self.routes.append(ApiRoute(method=method.upper(), path=path, handler=handler, **spec))
            return handler
        return register

    def get(self, path: str, **spec: Any) -> Callable[[ApiHandler], ApiHandler]:
        return self.route("GET", path, **spec)

    def post(self, path: str, **spec: Any) -> Callable[[ApiHandler], ApiHandler]:
        return self.route("POST", path, **spec)

    def put(self, path: str, **spec: Any) -> Callable[[ApiHandler], ApiHandler]:
        return self.route("PUT", path, **spec)

    def patch(self, path: str, **spec: Any) -> Callable[[ApiHandler], ApiHandler]:
        return self.route("PATCH", path, **spec)

    def delete(self, path: str, **spec: Any) -> Callable[[ApiHandler], ApiHandler]:
        return self.route("DELETE", path, **spec)


def _is_list_field(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(get_origin(arg) is list for arg in get_args(annotation))


def _nul_locations(value: Any, loc: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Where NUL characters hide in a decoded input (Postgres text cannot hold them)."""
    if isinstance(value, str):
        return [loc] if "\x00" in value else []
    if isinstance(value, dict):
        return [hit for k, v in value.items()
                for hit in _nul_locations(k, loc) + _nul_locations(v, (*loc, k))]
    if isinstance(value, list):
        return [hit for i, v in enumerate(value) for hit in _nul_locations(v, (*loc, i))]
    return []


def _validate(model: type[BaseModel] | None, data: dict[str, Any], where: str) -> Any:
    if model is None:
        return None
    nul = _nul_locations(data, (where,))
    if nul:
        problem = {"msg": "NUL characters are not allowed", "type": "string_nul"}
        raise RequestInvalid([{"loc": list(loc), **problem} for loc in nul])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestInvalid(validation_details(exc, where)) from exc


def _query_data(request: web.Request, model: type[BaseModel]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    list_fields = {name for name, f in model.model_fields.items() if _is_list_field(f.annotation)}
    for key in request.query:
        data[key] = request.query.getall(key) if key in list_fields else request.query[key]
    return data


def _header_data(request: web.Request, model: type[BaseModel]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        alias = info.alias or name
        if alias in request.headers:
            data[alias] = request.headers[alias]
    return data


async def _body_data(request: web.Request) -> Any:
    if not request.body_exists:
        return {}
    raw = await request.read()
    try:
        return json.loads(raw or b"{}", parse_constant=_not_json, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" too deep
        raise RequestInvalid([{"loc": ["body"], "msg": "body is not valid JSON", "type": "json_invalid"}]) \
            from exc


def _not_json(constant: str) -> Any:
    """NaN / Infinity are accepted by Python's parser but are not JSON (and Postgres refuses them)."""
    raise ValueError(f"{constant} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError("number out of range")
    return value


async def _parse(request: web.Request, route: ApiRoute) -> ApiCall:
    call = ApiCall(request=request, claims=request.get(CLAIMS_KEY))
    call.path = _validate(route.path_params, dict(request.match_info), "path")
    if route.query is not None:
        call.query = _validate(route.query, _query_data(request, route.query), "query")
    if route.headers is not None:
        call.headers = _validate(route.headers, _header_data(request, route.headers), "header")
    if route.body is not None:
        data = await _body_data(request)
        if not isinstance(data, dict):
            problem = {"loc": ["body"], "msg": "body must be a JSON object", "type": "dict_type"}
            raise RequestInvalid([problem])
        call.body = _validate(route.body, data, "body")
    return call


def handler_for(route: ApiRoute) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler for one route (marked with ``__api_route__`` for the middlewares)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            call = await _parse(request, route)
            if not route.public and call.claims is None:
                raise AuthError("missing_token", "a bearer token is required")
            result = await route.handler(call)
        except RequestInvalid as exc:
            return validation_error_response(exc.details)
        except ShopError as exc:
            return shop_error_response(exc)
        except AuthError as exc:
            return auth_error_response(exc)
        if isinstance(result, web.StreamResponse):
            return result
        adapter = route.response_adapter
        payload = adapter.dump_python(result, mode="json") if adapter is not None else result
        return web.json_response(payload, status=route.status)

    handle.__name__ = route.operation_id
    handle.__api_route__ = route  # type: ignore[attr-defined]  # marks the handler for the OpenAPI builder; functions take attributes, mypy does not model them
    return handle


def api_route_of(request: web.Request) -> ApiRoute | None:
    """The ``ApiRoute`` this request matched, if any."""
    return getattr(request.match_info.handler, "__api_route__", None)
