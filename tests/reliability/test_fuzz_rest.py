"""Hostile input on every REST route of the live server: typed 4xx in the documented envelope, never 5xx.

tests/api/test_openapi.py already runs schemathesis with *valid* requests (positive mode) against every
operation. Here: schemathesis in *negative* mode (requests that violate the schema) for every operation,
and a hand-written hypothesis strategy of what schemas cannot express — malformed or deeply nested JSON,
NaN/Infinity, NUL and lone surrogates, unicode edge cases, wrong content types, hostile path segments,
over-size bodies. Plus: text that reaches search, logs or speech never reaches a shell.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import LiveServer, Shopper
from voice_server.api import api_routes
from voice_server.api.routing import ApiRoute

REPO = Path(__file__).resolve().parents[2]
FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
NEGATIVE_EXAMPLES = 5
ROUTES = api_routes()

UNICODE_EDGES = ["\u202e", "\u200b", "e\u0301", "👗", "\ufeff", "שמלה", "\U0010ffff", "\x00", "a\u0000b",
                 "x" * 5000, "../../etc/passwd", "%00", "%2e%2e%2f", "$(touch /tmp/pwned-rest)", "'; DROP TABLE"]
texts = st.one_of(st.text(max_size=30), st.sampled_from(UNICODE_EDGES))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**80), 2**80),
                    st.floats(allow_nan=True, allow_infinity=True), texts)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=8)


def field_bodies(route: ApiRoute) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the route's real field names (so validation goes deep) and hostile values."""
    names = sorted(route.body.model_fields) if route.body is not None else []
    keys = st.sampled_from(names) if names else st.text(max_size=8)
    return st.dictionaries(st.one_of(keys, st.text(max_size=8)), json_values, max_size=4)


RAW_BODIES = [b"{", b"nul", b"[]", b'"x"', b"\xff\xfe", b'{"a":NaN}', b'{"quantity":Infinity}',
              b'{"product_id":1e999}', b'{"reason":"a\\ud800b"}', b'{"reason":"\\u0000"}',
              b'{"preferences":{"x":NaN}}', b'{"preferences":{"\\u0000":1}}', b"[" * 50_000, b'{"a":' * 50_000]


@st.composite
def hostile_requests(draw: st.DrawFn) -> tuple[ApiRoute, str, dict[str, Any], bytes | None, dict[str, str]]:
    route = draw(st.sampled_from(ROUTES))
    segment = st.one_of(st.sampled_from(["0", "-1", "1e9", str(2**70), "abc", "%00", "..", "%2F", "NaN"]),
                        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12))
    path = re.sub(r"\{\w+\}", lambda _: draw(segment).replace("/", "%2F").replace("?", "%3F")
                  .replace("#", "%23") or "1", route.path)
    query = draw(st.dictionaries(st.one_of(st.sampled_from(sorted(route.query.model_fields))
                                           if route.query else st.text(max_size=6), st.text(max_size=6)),
                                 texts.map(str), max_size=3))
    body: bytes | None = None
    if route.method in {"POST", "PUT", "PATCH"}:
        body = draw(st.one_of(field_bodies(route).map(lambda v: json.dumps(v, allow_nan=True).encode()),
                              json_values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
                              st.sampled_from(RAW_BODIES), st.binary(max_size=40)))
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain", "application/x-www-form-"
                                                     "urlencoded", "multipart/form-data; boundary=x"]))}
    if draw(st.booleans()):
        headers["Idempotency-Key"] = draw(st.sampled_from(["", "x", "a" * 201, "ok-key-123;rm -rf", "ключ-12345678",
                                                          "valid-key-0001"]))
    return route, path, query, body, headers


# 5xx that are documented answers about this node's configuration, not failures (docs/api.md)
CONFIG_5XX = {(501, "workos_not_configured"), (503, "webhooks_not_configured")}


# aiohttp's HTTP parser answers a request line over 8190 bytes itself (plain text, before any middleware)
PARSER_400 = "bytes when reading"


def check_envelope(status: int, content_type: str, body: Any, what: str) -> None:
    if status == 400 and content_type.startswith("text/plain") and PARSER_400 in str(body):
        return
    if status >= 500 and isinstance(body, dict):
        assert (status, body.get("error", {}).get("code")) in CONFIG_5XX, f"{what}: {status} {body}"
    assert status < 500 or isinstance(body, dict), f"{what}: {status} {body}"
    if status >= 400:
        assert content_type.startswith("application/json"), f"{what}: {status} {content_type!r} {body!r:.300}"
        error = body["error"]
        assert isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str), what
        assert error["status"] == status, what


@pytest.mark.slow
@FUZZ
@given(request=hostile_requests())
async def test_hostile_requests_get_typed_4xx(live: LiveServer, shopper: Shopper,
                                              request: tuple[ApiRoute, str, dict[str, Any], bytes | None,
                                                             dict[str, str]]) -> None:
    route, path, query, body, headers = request
    resp = await live.client.request(route.method, path, params=query, data=body,
                                     headers={**shopper.auth, **headers}, allow_redirects=False)
    text = await resp.text()
    parsed = json.loads(text) if resp.content_type == "application/json" else text
    check_envelope(resp.status, resp.content_type, parsed, f"{route.method} {path} {query} {body!r:.200}")


async def test_deeply_nested_and_non_finite_bodies(live: LiveServer, shopper: Shopper) -> None:
    """Deterministic cases of the strategy above (they once answered 500)."""
    for body in RAW_BODIES:
        for route in (r for r in ROUTES if r.method in {"POST", "PUT", "PATCH"} and not r.public):
            resp = await live.client.request(route.method, route.path.replace("{order_id}", "1")
                                             .replace("{return_id}", "1"), data=body,
                                             headers={**shopper.auth, "Content-Type": "application/json",
                                                      "Idempotency-Key": "nested-key-0001"})
            check_envelope(resp.status, resp.content_type, await resp.json(), f"{route.path} {body!r:.60}")


async def test_oversize_body_is_413_typed(live: LiveServer, shopper: Shopper) -> None:
    big = b'{"reason":"' + b"x" * (live.settings.max_message_bytes + 10) + b'"}'
    resp = await live.client.post("/api/returns", data=big, headers={**shopper.auth,
                                                                      "Content-Type": "application/json"})
    assert resp.status == 413
    check_envelope(resp.status, resp.content_type, await resp.json(), "oversize")


def exercise_negative(operation: Any, base_url: str, token: str) -> None:
    """A few schema-violating requests against one operation; each must get a typed 4xx."""

    @hypothesis.settings(max_examples=NEGATIVE_EXAMPLES, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    @hypothesis.given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))
    def exercise(case: Any) -> None:
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60,
                             allow_redirects=False)
        headers = {k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
        content_type = headers.get("content-type", "")
        body = response.json() if content_type.startswith("application/json") else response.text
        check_envelope(response.status_code, content_type, body, operation.label)

    try:
        exercise()
    except hypothesis.errors.Unsatisfiable:  # nothing in this operation can be made invalid
        return


def run_negative_schemathesis(base_url: str, token: str) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            exercise_negative(operation, base_url, token)
        except Exception as exc:  # collect every operation's failures, then report
            failures.append(f"{operation.label}: {exc}")
    return failures


@pytest.mark.slow
async def test_schemathesis_negative_mode(live: LiveServer, shopper: Shopper) -> None:
    failures = await asyncio.to_thread(run_negative_schemathesis, live.base_url, shopper.token)
    assert not failures, "\n\n".join(failures)


# ---------------------------------------------------------------------------- no shell


def exists(path: Path) -> bool:
    return path.exists()


async def test_search_text_never_reaches_a_shell(live: LiveServer, shopper: Shopper, tmp_path: Path) -> None:
    marker = tmp_path / "pwned-rest"
    for query in (f"$(touch {marker})", f"jeans; touch {marker}; rm -rf {tmp_path}", f"`touch {marker}`",
                  f"dress && touch {marker}", f"| touch {marker}"):
        resp = await live.client.get("/api/products/search", headers=shopper.auth, params={"query": query})
        assert resp.status == 200, await resp.text()
        reason = await live.client.post("/api/returns", headers=shopper.auth, json={"reason": query})
        assert reason.status < 500
    assert not exists(marker) and exists(tmp_path)


PROCESS_CALLS = {
    ("subprocess", "run"), ("subprocess", "Popen"), ("subprocess", "call"), ("subprocess", "check_call"),
    ("subprocess", "check_output"), ("subprocess", "getoutput"), ("subprocess", "getstatusoutput"),
    ("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execvp"), ("os", "execl"), ("os", "spawnv"),
    ("asyncio", "create_subprocess_shell"), ("asyncio", "create_subprocess_exec"), ("pty", "spawn"),
}
# The one process the server starts: the embedded Valkey, with its own binary and a config it wrote.
ALLOWED_PROCESS_CALLS = {("voice_server/platform/embedded.py", "subprocess.run([binary, str(conf)], check=True, timeout=30)")}


def process_calls() -> tuple[set[tuple[str, str]], list[str]]:
    calls, shell = set(), []
    for package in ("voice_server", "commerce", "audio"):
        for path in sorted((REPO / package).rglob("*.py")):
            rel = str(path.relative_to(REPO))
            tree = ast.parse(path.read_text(), rel)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                        (func.value.id, func.attr) in PROCESS_CALLS:
                    calls.add((rel, ast.unparse(node)))
                if isinstance(func, ast.Name) and func.id in {"eval", "exec", "system", "popen"}:
                    calls.add((rel, ast.unparse(node)))
                if any(k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                       for k in node.keywords):
                    shell.append(f"{rel}: {ast.unparse(node)}")
    return calls, shell


def test_no_shell_and_no_process_takes_user_text() -> None:
    """Source scan: no shell=True anywhere; the only process launched runs a fixed binary and config."""
    calls, shell = process_calls()
    assert shell == []
    assert calls == ALLOWED_PROCESS_CALLS, calls - ALLOWED_PROCESS_CALLS
