"""The OpenAPI document is valid, matches the route table, and the live server conforms to it."""

from __future__ import annotations

import asyncio
from typing import Any

import hypothesis
import pytest
import schemathesis
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import StartApp, bearer, new_guest, workos_settings
from tests.api.fake_workos import FakeWorkOS
from voice_server.api import api_routes

MAX_EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


async def test_document_is_valid_and_complete(app_client: TestClient) -> None:
    resp = await app_client.get("/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for route in api_routes():
        op = doc["paths"][route.path][route.method.lower()]
        assert op["security"] == ([] if route.public else [{"bearerAuth": []}])
        if not route.public:
            assert "401" in op["responses"]
        assert "429" in op["responses"]
    assert {"/healthz", "/readyz"} <= set(doc["paths"])
    search = {p["name"]: p for p in doc["paths"]["/api/products/search"]["get"]["parameters"]}
    assert search["limit"]["schema"]["maximum"] == 50 and search["exclude_ids"]["explode"] is True
    checkout = doc["paths"]["/api/checkout"]["post"]["parameters"]
    assert checkout[0]["name"] == "Idempotency-Key" and checkout[0]["required"] is True


def exercise_operation(operation: Any, base_url: str, token: str, checks: list[Any]) -> None:
    """A few generated requests against one operation, each response checked against the schema."""

    @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    @hypothesis.given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        response = case.call(base_url=base_url, headers=bearer(token), timeout=30, allow_redirects=False)
        case.validate_response(response, checks=checks)

    exercise()


def run_schemathesis(base_url: str, token: str) -> list[str]:
    """Every operation of the live document; returns failures as text."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # /readyz answers a documented 503 here by design: the test app loads no ASR/TTS
        checks = CHECKS[1:] if operation.path == "/readyz" else CHECKS
        try:
            exercise_operation(operation, base_url, token, checks)
        except Exception as exc:  # collect every operation's failures, then report
            failures.append(f"{operation.label}: {exc}")
    return failures


@pytest.mark.slow
async def test_schemathesis_against_live_server(start_app: StartApp, fake_workos: tuple[FakeWorkOS, str]
                                                ) -> None:
    client = await start_app(rate_limit_per_minute=100_000, stripe_webhook_secret="whsec_schemathesis0000",
                             **workos_settings(fake_workos[1]))
    token, _ = await new_guest(client)
    base_url = str(client.make_url("")).rstrip("/")
    failures = await asyncio.to_thread(run_schemathesis, base_url, token)
    assert not failures, "\n\n".join(failures)
