"""The advice latency bench (bench/advice_latency.py) measures what it says: advice and risk, per run and pooled."""

from __future__ import annotations

from bench.advice_latency import measure


def test_latency_bench_reports_percentiles_per_run_and_pooled() -> None:
    result = measure(runs=2, calls=5)
    assert len(result["per_run"]) == 2
    for part in ("advice", "risk", "total"):
        pooled = result["pooled"][part]
        assert 0 < pooled["p50"] <= pooled["p99"]
    assert result["pooled"]["total"]["p50"] >= result["pooled"]["advice"]["p50"]
    assert result["goal_met"] == (result["pooled"]["total"]["p99"] <= result["goal_p99_ms"])
