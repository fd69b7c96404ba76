"""WorkOS AuthKit sign-in through the real ``workos`` SDK against the local fake WorkOS server."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlparse

import pytest
from aiohttp.test_utils import TestClient

from commerce.auth import sign_state
from tests.api.conftest import API_KEY, CLIENT_ID, StartApp, bearer, workos_settings
from tests.api.fake_workos import FakeWorkOS, workos_user
from voice_server.platform.settings import Settings


@pytest.fixture
async def shop(start_app: StartApp, fake_workos: tuple[FakeWorkOS, str]) -> TestClient:
    return await start_app(**workos_settings(fake_workos[1]))


async def test_full_login_flow(shop: TestClient, fake_workos: tuple[FakeWorkOS, str],
                               caplog: pytest.LogCaptureFixture) -> None:
    fake, _ = fake_workos
    caplog.set_level(logging.DEBUG)
    resp = await shop.get("/api/auth/authorize", allow_redirects=True)  # shop -> fake AuthKit -> callback
    assert resp.status == 200, await resp.text()
    assert resp.headers["Cache-Control"] == "no-store"
    body = await resp.json()
    assert body["kind"] == "workos" and body["token_type"] == "bearer"
    assert fake.authenticate_calls[-1]["client_secret"] == API_KEY  # the SDK sent our key as WorkOS expects

    me = await (await shop.get("/api/auth/me", headers=bearer(body["token"]))).json()
    assert me == {**me, "user_id": body["user_id"], "kind": "workos", "email": "shopper@example.com"}

    again = await (await shop.get("/api/auth/authorize", allow_redirects=True)).json()
    assert again["user_id"] == body["user_id"]  # upserted by WorkOS user id, not duplicated
    assert "shopper@example.com" not in caplog.text and body["token"] not in caplog.text


async def test_authorize_redirects_with_signed_state(shop: TestClient, fake_workos: tuple[FakeWorkOS, str]
                                                     ) -> None:
    _, base_url = fake_workos
    resp = await shop.get("/api/auth/authorize", allow_redirects=False)
    assert resp.status == 302
    target = urlparse(resp.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == base_url and target.path == "/user_management/authorize"
    query = parse_qs(target.query)
    assert query["provider"] == ["authkit"] and query["client_id"] == [CLIENT_ID]
    assert query["state"][0].count(".") == 2
    cookie = resp.cookies["shepherd_login_nonce"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_callback_without_browser_nonce_is_refused(shop: TestClient, settings: Settings,
                                                        fake_workos: tuple[FakeWorkOS, str]) -> None:
    fake, _ = fake_workos
    state = sign_state(settings.token_key(), "some-other-browser")  # valid signature, other browser
    resp = await shop.get("/api/auth/callback", params={"code": fake.issue_code(), "state": state})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_state"
    assert fake.authenticate_calls == []  # never reached WorkOS


async def test_forged_state_is_refused(shop: TestClient, fake_workos: tuple[FakeWorkOS, str]) -> None:
    fake, _ = fake_workos
    await shop.get("/api/auth/authorize", allow_redirects=False)  # sets the nonce cookie
    cookies = shop.session.cookie_jar.filter_cookies(shop.make_url("/api/auth/callback"))
    forged = sign_state(b"attacker-key" * 4, cookies["shepherd_login_nonce"].value)
    resp = await shop.get("/api/auth/callback", params={"code": fake.issue_code(), "state": forged})
    assert (resp.status, (await resp.json())["error"]["code"]) == (400, "invalid_state")


async def test_rejected_code_is_login_failed(shop: TestClient) -> None:
    resp = await shop.get("/api/auth/authorize", allow_redirects=False)
    state = parse_qs(urlparse(resp.headers["Location"]).query)["state"][0]
    resp = await shop.get("/api/auth/callback", params={"code": "not-a-real-code", "state": state})
    assert (resp.status, (await resp.json())["error"]["code"]) == (401, "login_failed")


async def test_second_user_gets_own_account(shop: TestClient, fake_workos: tuple[FakeWorkOS, str]) -> None:
    fake, _ = fake_workos
    first = await (await shop.get("/api/auth/authorize")).json()
    fake.user = workos_user("user_02OTHER", "other@example.com", "Ada", "Lovelace")
    second = await (await shop.get("/api/auth/authorize")).json()
    assert second["user_id"] != first["user_id"]
    me = await (await shop.get("/api/auth/me", headers=bearer(second["token"]))).json()
    assert me["display_name"] == "Ada Lovelace"


async def test_workos_not_configured(app_client: TestClient) -> None:
    resp = await app_client.get("/api/auth/authorize", allow_redirects=False)
    assert resp.status == 501
    assert (await resp.json())["error"]["code"] == "workos_not_configured"
