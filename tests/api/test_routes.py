"""Happy paths of the routes that the other API tests only probe: advice, checkout retry, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

from aiohttp.test_utils import TestClient

from tests.api.conftest import StartApp, bearer, new_guest
from tests.api.test_ownership import in_stock_product

WEBHOOK_SECRET = "whsec_apitestsecret000000"


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send (scheme v1)."""
    t = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


async def test_advice_and_checkout_retry(app_client: TestClient, guest: tuple[str, int]) -> None:
    auth = bearer(guest[0])
    product_id, size = await in_stock_product(app_client, auth)
    predicted = await app_client.post("/api/size/predict", headers=auth, json={"product_id": product_id})
    assert predicted.status == 200 and "advice" in await predicted.json()
    line = {"product_id": product_id, "size": size}
    risk = await app_client.post("/api/returns/risk", headers=auth, json=line)
    assert risk.status == 200 and 0 <= (await risk.json())["probability"] <= 1
    await app_client.post("/api/cart/items", headers=auth, json=line)
    key = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    first = await app_client.post("/api/checkout", headers={**auth, **key})
    again = await app_client.post("/api/checkout", headers={**auth, **key})
    assert first.status == again.status == 201
    assert (await first.json())["id"] == (await again.json())["id"]
    orders = await (await app_client.get("/api/orders", headers=auth)).json()
    assert [o["id"] for o in orders] == [(await first.json())["id"]]


async def test_stripe_webhook_signature_and_duplicates(start_app: StartApp) -> None:
    client = await start_app(stripe_webhook_secret=WEBHOOK_SECRET)
    payload = json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "customer.created",
                          "data": {"object": {}}}).encode()
    headers = {"Content-Type": "application/json"}
    wrong = {**headers, "Stripe-Signature": stripe_signature(payload, "whsec_wrong")}
    forged = await client.post("/api/webhooks/stripe", data=payload, headers=wrong)
    assert (forged.status, (await forged.json())["error"]["code"]) == (400, "invalid_webhook")
    unsigned = await client.post("/api/webhooks/stripe", data=payload, headers=headers)
    assert unsigned.status == 400
    stale = stripe_signature(payload, WEBHOOK_SECRET, int(time.time()) - 3600)
    assert (await client.post("/api/webhooks/stripe", data=payload,
                              headers={**headers, "Stripe-Signature": stale})).status == 400
    signed = {**headers, "Stripe-Signature": stripe_signature(payload, WEBHOOK_SECRET)}
    first = await client.post("/api/webhooks/stripe", data=payload, headers=signed)
    assert first.status == 200 and await first.json() == {"received": True, "duplicate": False}
    replay = await client.post("/api/webhooks/stripe", data=payload, headers=signed)
    assert replay.status == 200 and (await replay.json())["duplicate"] is True


async def test_webhook_unconfigured_is_503(app_client: TestClient) -> None:
    resp = await app_client.post("/api/webhooks/stripe", data=b"{}")
    assert (resp.status, (await resp.json())["error"]["code"]) == (503, "webhooks_not_configured")


async def test_new_guest_tokens_differ(app_client: TestClient) -> None:
    (t1, u1), (t2, u2) = await new_guest(app_client), await new_guest(app_client)
    assert t1 != t2 and u1 != u2
