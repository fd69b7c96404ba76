"""Every protected route answers 401 with a typed code for each kind of bad token.

Parametrised over the live route table, so a new route is covered without editing this file.
"""

from __future__ import annotations

import re
import time
import uuid

import jwt
import pytest
from aiohttp.test_utils import TestClient

from commerce.auth import issue_token
from tests.api.conftest import bearer
from voice_server.api import api_routes
from voice_server.api.routing import ApiRoute
from voice_server.platform.settings import Settings

PROTECTED = [r for r in api_routes() if not r.public]
PUBLIC = {(r.method, r.path) for r in api_routes() if r.public}
SAMPLE_PATH_VALUES = {"conversation_id": str(uuid.uuid4())}


def concrete_path(route: ApiRoute) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), "1"), route.path)


def bad_headers(kind: str, key: bytes) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": "1", "kind": "guest", "sid": "s", "iat": now, "exp": now + 600, "typ": "access"}
    match kind:
        case "none":
            return {}
        case "basic":
            return {"Authorization": "Basic dXNlcjpwYXNz"}
        case "garbage":
            return bearer("not-a-token")
        case "expired":
            return bearer(issue_token(key, 1, "guest", 5, now=now - 60))
        case "tampered":
            header, _, signature = issue_token(key, 1, "guest", 600).split(".")
            other_payload = jwt.encode({**claims, "sub": "2"}, key, algorithm="HS256").split(".")[1]
            return bearer(f"{header}.{other_payload}.{signature}")
        case "alg_none":
            return bearer(jwt.encode(claims, None, algorithm="none"))
        case "wrong_typ":
            return bearer(issue_token(key, 1, "guest", 600, typ="resume"))
    raise AssertionError(kind)


EXPECTED_CODE = {"none": "missing_token", "basic": "missing_token", "garbage": "invalid_token",
                 "expired": "expired_token", "tampered": "invalid_token", "alg_none": "invalid_token",
                 "wrong_typ": "wrong_token_type"}


def test_public_routes_are_exactly_the_intended_ones() -> None:
    assert PUBLIC == {("POST", "/api/auth/guest"), ("GET", "/api/auth/authorize"),
                      ("GET", "/api/auth/callback"), ("POST", "/api/webhooks/stripe")}


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.path}")
async def test_protected_route_rejects_bad_tokens(app_client: TestClient, settings: Settings,
                                                  route: ApiRoute) -> None:
    key = settings.token_key()
    for kind, code in EXPECTED_CODE.items():
        resp = await app_client.request(route.method, concrete_path(route), headers=bad_headers(kind, key),
                                        json={} if route.method in {"POST", "PUT", "PATCH"} else None)
        body = await resp.json()
        assert resp.status == 401, (kind, body)
        assert body["error"]["code"] == code, kind
        assert body["error"]["status"] == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_unknown_api_path_is_404_not_401(app_client: TestClient) -> None:
    resp = await app_client.get("/api/no-such-thing")
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"


async def test_guest_token_opens_me(app_client: TestClient, guest: tuple[str, int]) -> None:
    token, user_id = guest
    resp = await app_client.get("/api/auth/me", headers=bearer(token))
    assert resp.status == 200
    body = await resp.json()
    assert body["user_id"] == user_id and body["kind"] == "guest" and body["email"] is None


async def test_token_of_deleted_user_is_rejected(app_client: TestClient, settings: Settings) -> None:
    resp = await app_client.get("/api/auth/me", headers=bearer(issue_token(settings.token_key(), 2**40,
                                                                            "guest", 60)))
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "invalid_token"
