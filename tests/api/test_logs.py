"""Logs written while shoppers sign in and share measurements hold no tokens, e-mails or measurements."""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestClient

from tests.api.conftest import StartApp, bearer, workos_settings
from tests.api.fake_workos import FakeWorkOS, workos_user

EMAIL = "private.person@example.org"
HEIGHT = 187.25


async def test_no_secrets_or_personal_data_in_logs(start_app: StartApp, fake_workos: tuple[FakeWorkOS, str],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    fake, base_url = fake_workos
    fake.user = workos_user("user_03PRIVATE", EMAIL, "Private", "Person")
    caplog.set_level(logging.DEBUG)
    shop: TestClient = await start_app(**workos_settings(base_url))

    guest = await (await shop.post("/api/auth/guest")).json()
    signed_in = await (await shop.get("/api/auth/authorize")).json()
    await shop.get("/api/auth/callback", params={"code": "bogus", "state": "bogus"})  # a failure is logged
    for token in (guest["token"], signed_in["token"]):
        resp = await shop.put("/api/profile", headers=bearer(token),
                              json={"measurements": {"height_cm": HEIGHT, "chest_cm": 101.5}})
        assert resp.status == 200
    await shop.get("/api/cart", headers=bearer(guest["token"] + "x"))  # tampered token

    events = [r.msg.get("event") for r in caplog.records if isinstance(r.msg, dict)]
    assert {"auth.guest_created", "auth.signed_in", "auth.sign_in_failed"} <= set(events)
    formatter = logging.getLogger().handlers[0].formatter
    assert formatter is not None
    rendered = caplog.text + "\n".join(formatter.format(r) for r in caplog.records)
    for secret in (guest["token"], signed_in["token"], EMAIL, str(HEIGHT), "101.5", "sk_test_fakeworkoskey"):
        assert secret not in rendered, secret
