"""bench.listen_load: the prebuilt client frame, failure kinds and why a listening ramp stopped."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from bench.concurrency import merge_previous, stopped_by
from bench.listen_load import HandshakeClosed, failure_kind, masked_binary_frame


def unmask(frame: bytes) -> tuple[int, bytes]:
    opcode, length = frame[0], frame[1] & 0x7F
    offset = 2
    if length == 126:
        length, offset = int.from_bytes(frame[2:4], "big"), 4
    key, payload = frame[offset : offset + 4], frame[offset + 4 :]
    assert frame[1] & 0x80 and len(payload) == length
    return opcode, bytes(b ^ key[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize("size", [0, 10, 640, 70000])
def test_prebuilt_frame_is_a_masked_final_binary_frame(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    frame = masked_binary_frame(payload)
    if size < 1 << 16:
        assert unmask(frame) == (0x82, payload)
    else:
        assert frame[1] & 0x7F == 127 and int.from_bytes(frame[2:10], "big") == size


def test_failure_kinds_name_the_limit() -> None:
    assert failure_kind(TimeoutError()) == "connect_timeout"
    assert failure_kind(HandshakeClosed(4429)) == "close_4429_pending_handshakes"
    assert failure_kind(HandshakeClosed(4503)) == "close_4503_server_full"
    info = aiohttp.RequestInfo(aiohttp.client.URL("http://x/api/auth/guest"), "POST", {}, aiohttp.client.URL("http://x"))
    assert failure_kind(aiohttp.ClientResponseError(info, (), status=429)) == "guest_token_http_429_rate_limit"


def step(**over: object) -> dict[str, object]:
    base = {"target": 500, "failures": {}, "closed": 0, "close_codes": {}, "loadgen_limited": False,
            "loadgen_late_p95_ms": 0.0, "loadgen_cpu_cores": 0.2, "server_cpu_cores": 0.5, "lag_p95_ms": 250.0,
            "unanswered_pings": 0}
    return base | over


def test_stopped_by_names_the_most_fundamental_cause() -> None:
    assert stopped_by(step(failures={"close_4503_server_full": 3}), 1)["kind"] == "refused"
    assert "SHEPHERD_MAX_SESSIONS" in stopped_by(step(failures={"close_4503_server_full": 3}), 1)["detail"]
    assert stopped_by(step(closed=2, close_codes={"4429": 2}), 1)["kind"] == "closed"
    assert stopped_by(step(loadgen_limited=True), 1)["kind"] == "loadgen"
    assert stopped_by(step(server_cpu_cores=0.97), 1)["kind"] == "server_cpu"
    assert stopped_by(step(), 1)["kind"] == "server_lag"
    assert "7 pings unanswered" in stopped_by(step(lag_p95_ms=60.0, unanswered_pings=7), 1)["detail"]


def test_a_listening_only_run_keeps_the_shopper_ramp(tmp_path: Path) -> None:
    path = tmp_path / "concurrency.json"
    old_rows = [{"metric": "shoppers held (p95 <= 1.5 s, nothing dropped)", "value": "2+"},
                {"metric": "listening-only sessions on one core", "value": "100"}]
    path.write_text(json.dumps({"created": "2026-12-01T00:00:00Z", "rows": old_rows, "results": {
        "max_shoppers": 2, "shopper_limit_reached": False, "ramp": [{"n": 1}, {"n": 2}],
        "listening": [{"n": 100}]}}))
    results = {"max_shoppers": 0, "ramp": [], "listening": [{"n": 600}]}
    rows = [{"metric": "listening-only sessions on one core", "value": "600+"}]
    setup: dict[str, object] = {}
    merge_previous(path, results, rows, setup, skip_shoppers=True, skip_listening=False)
    assert results["ramp"] == [{"n": 1}, {"n": 2}] and results["max_shoppers"] == 2
    assert results["listening"] == [{"n": 600}]
    assert [r["value"] for r in rows] == ["2+", "600+"]
    assert setup["merged_from"] == {"shoppers": "2026-12-01T00:00:00Z"}
