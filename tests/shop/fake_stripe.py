"""A local HTTP server speaking the slice of Stripe's wire format the shop uses.

Form-encoded ``POST /v1/payment_intents`` (Idempotency-Key honoured: a replay returns the stored
response), ``POST /v1/payment_intents/{id}/cancel``, ``POST /v1/refunds``; bearer-key auth;
``card_declined`` (HTTP 402) for amounts in ``declined_amounts``. ``signed_event`` builds a
webhook body and ``Stripe-Signature`` header the way Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "sk_test_fake_shepherd_0000"
WEBHOOK_SECRET = "whsec_fake_shepherd_0000"


def parse_form(items: list[tuple[str, str]]) -> dict[str, Any]:
    """``a[b][c]=v`` form pairs to nested dicts (Stripe's encoding)."""
    out: dict[str, Any] = {}
    for key, value in items:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


@dataclass
class FakeStripe:
    declined_amounts: set[int] = field(default_factory=set)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    _idempotent: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/payment_intents", self._create_intent)
        app.router.add_post("/v1/payment_intents/{id}/cancel", self._cancel_intent)
        app.router.add_post("/v1/refunds", self._create_refund)
        return app

    @staticmethod
    def _error(status: int, type_: str, message: str, **extra: Any) -> tuple[int, dict[str, Any]]:
        return status, {"error": {"type": type_, "message": message, **extra}}

    async def _handle(self, request: web.Request, create: Any) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            status, body = self._error(401, "invalid_request_error", "Invalid API Key provided.")
            return web.json_response(body, status=status)
        key = request.headers.get("Idempotency-Key")
        self.requests.append((request.method, request.path, key))
        params = parse_form(list((await request.post()).items()))  # type: ignore[arg-type]
        slot = (request.path, key) if key else None
        if slot is not None and slot in self._idempotent:
            status, body = self._idempotent[slot]
            return web.json_response(body, status=status, headers={"Idempotent-Replayed": "true"})
        status, body = create(params, request.match_info)
        if slot is not None:
            self._idempotent[slot] = (status, body)
        return web.json_response(body, status=status, headers={"Request-Id": f"req_{next(self._ids)}"})

    async def _create_intent(self, request: web.Request) -> web.Response:
        def create(params: dict[str, Any], _: Any) -> tuple[int, dict[str, Any]]:
            amount = int(params.get("amount", 0))
            if amount < 50:
                return self._error(400, "invalid_request_error", "Amount must be at least $0.50 usd",
                                   param="amount")
            if amount in self.declined_amounts or params.get("payment_method") == "pm_card_chargeDeclined":
                return self._error(402, "card_error", "Your card was declined.", code="card_declined",
                                   decline_code="generic_decline")
            pi_id = f"pi_fake{secrets.token_hex(8)}"
            intent = {
                "id": pi_id, "object": "payment_intent", "amount": amount,
                "currency": params.get("currency", "usd"), "status": "requires_payment_method",
                "client_secret": f"{pi_id}_secret_fake", "metadata": params.get("metadata", {}),
                "automatic_payment_methods": {"enabled": True}, "livemode": False,
                "created": int(time.time()),
            }
            self.intents[pi_id] = intent
            return 200, intent

        return await self._handle(request, create)

    async def _cancel_intent(self, request: web.Request) -> web.Response:
        def create(_: dict[str, Any], match: Any) -> tuple[int, dict[str, Any]]:
            intent = self.intents.get(match["id"])
            if intent is None:
                return self._error(404, "invalid_request_error", "No such payment_intent")
            if intent["status"] == "succeeded":
                return self._error(400, "invalid_request_error", "PaymentIntent already succeeded")
            intent["status"] = "canceled"
            return 200, intent

        return await self._handle(request, create)

    async def _create_refund(self, request: web.Request) -> web.Response:
        def create(params: dict[str, Any], _: Any) -> tuple[int, dict[str, Any]]:
            intent = self.intents.get(params.get("payment_intent", ""))
            if intent is None:
                return self._error(404, "invalid_request_error", "No such payment_intent")
            amount = int(params.get("amount", intent["amount"]))
            already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
            if amount + already > intent["amount"]:  # Stripe refuses to refund more than was charged
                return self._error(400, "invalid_request_error",
                                   f"Refund amount (${amount / 100:.2f}) is greater than unrefunded amount on "
                                   f"charge (${(intent['amount'] - already) / 100:.2f})", param="amount")
            re_id = f"re_fake{secrets.token_hex(8)}"
            refund = {"id": re_id, "object": "refund", "amount": amount,
                      "payment_intent": intent["id"], "status": "succeeded", "currency": intent["currency"]}
            self.refunds[re_id] = refund
            return 200, refund

        return await self._handle(request, create)


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header: ``t=<unix>,v1=HMAC-SHA256(secret, "<t>.<payload>")``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


_event_ids = itertools.count(1)


def event_body(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    return json.dumps({
        "id": event_id or f"evt_fake{next(_event_ids):06d}{secrets.token_hex(4)}",
        "object": "event", "type": event_type,
        "api_version": "2024-06-20", "created": int(time.time()), "livemode": False,
        "data": {"object": obj},
    }).encode()
