"""Typed JSON errors for the REST API: ShopError, AuthError and validation failures."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from commerce.auth import AuthError
from commerce.models import ShopError

SHOP_ERROR_STATUS: dict[str, int] = {
    "not_found": 404,
    "out_of_stock": 409,
    "invalid_size": 422,
    "invalid_quantity": 422,
    "empty_cart": 409,
    "payment_declined": 402,
    "conflict": 409,
    "payment_unavailable": 503,
    "store_unavailable": 503,
    "invalid_webhook": 400,
}
AUTH_ERROR_STATUS: dict[str, int] = {
    "missing_token": 401,
    "invalid_token": 401,
    "expired_token": 401,
    "wrong_token_type": 401,
    "login_failed": 401,
    "invalid_state": 400,
    "workos_not_configured": 501,
    "identity_provider_unavailable": 502,
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    status: int
    details: list[Any] | dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    """Every non-2xx JSON response has this shape."""

    error: ErrorDetail


def api_error(code: str, message: str, status: int, details: list[Any] | dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=status, headers=headers)


def _jsonable(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def shop_error_response(exc: ShopError) -> web.Response:
    status = SHOP_ERROR_STATUS.get(exc.code, 400)
    details = {k: _jsonable(v) for k, v in exc.details.items()} or None
    headers = {"Retry-After": "2"} if status == 503 else None  # unavailable: retry with the same key
    return api_error(exc.code, exc.message, status, details, headers)


def auth_error_response(exc: AuthError) -> web.Response:
    status = AUTH_ERROR_STATUS.get(exc.code, 401)
    headers = {"WWW-Authenticate": f'Bearer error="{exc.code}"'} if status == 401 else None
    return api_error(exc.code, exc.message, status, headers=headers)


def validation_details(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    """Pydantic errors without the submitted values (they may be personal data)."""
    return [
        {"loc": [where, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def validation_error_response(details: list[dict[str, Any]]) -> web.Response:
    return api_error("validation_error", "the request is invalid", 422, details)
