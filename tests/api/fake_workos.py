"""A local stand-in for the WorkOS API, speaking its wire format for the AuthKit endpoints used.

``GET /user_management/authorize`` plays the hosted sign-in page (it signs in the configured
user at once and redirects back with ``code`` and ``state``); ``POST /user_management/authenticate``
exchanges a one-time code for ``{user, access_token, refresh_token}`` as WorkOS does, checking
the client id and the API key (sent as ``client_secret``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web


def workos_user(user_id: str, email: str, first_name: str | None = None, last_name: str | None = None
                ) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "object": "user", "id": user_id, "email": email, "email_verified": True,
        "first_name": first_name, "last_name": last_name, "profile_picture_url": None,
        "external_id": None, "last_sign_in_at": now, "created_at": now, "updated_at": now,
        "metadata": {}, "locale": None,
    }


def _error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


@dataclass
class FakeWorkOS:
    api_key: str
    client_id: str
    user: dict[str, Any] = field(default_factory=lambda: workos_user("user_01FAKE", "shopper@example.com"))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    authenticate_calls: list[dict[str, Any]] = field(default_factory=list)

    def issue_code(self, user: dict[str, Any] | None = None) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = user or self.user
        return code

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/user_management/authorize", self.authorize)
        app.router.add_post("/user_management/authenticate", self.authenticate)
        return app

    async def authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != self.client_id:
            return _error(400, "invalid_client", "unknown client_id")
        if query.get("response_type") != "code" or query.get("provider") != "authkit":
            return _error(400, "invalid_request", "expected response_type=code and provider=authkit")
        redirect_uri = query.get("redirect_uri", "")
        params = {"code": self.issue_code(), **({"state": query["state"]} if "state" in query else {})}
        raise web.HTTPFound(f"{redirect_uri}?{urlencode(params)}")

    async def authenticate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.authenticate_calls.append(body)
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.api_key:
            return _error(401, "invalid_client", "Invalid client secret.")
        if body.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "unsupported grant type")
        user = self.codes.pop(str(body.get("code")), None)
        if user is None:
            return _error(400, "invalid_grant", "The code has expired or is invalid.")
        return web.json_response({
            "user": user, "organization_id": None, "authentication_method": "Password",
            "access_token": f"fake_access.{secrets.token_urlsafe(24)}",
            "refresh_token": secrets.token_urlsafe(24),
        })
