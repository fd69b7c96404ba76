"""The benchmark harness: README/summary table, plots, run_all's tolerance, and a small commerce run."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bench import commerce_bench, plots, readme_table, run_all
from bench.report import row, write_result
from voice_server.platform.backends import Backends
from voice_server.platform.embedded import start_postgres

README = """# Project

intro text

## Benchmarks

<!-- BENCHMARK_TABLE_START -->
BENCHMARK_TABLE
<!-- BENCHMARK_TABLE_END -->

## Docs

after text
"""
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_doc(results: Path, name: str, created: str, rows: list[dict[str, Any]],
              results_body: dict[str, Any] | None = None) -> None:
    results.mkdir(parents=True, exist_ok=True)
    doc = {"name": name, "created": created, "machine": {"cpu": "Test CPU", "cores": 2, "memory_gib": 8.0,
                                                         "python": "3.11.9", "platform": "Linux"},
           "setup": {"model": "whisper base", "compute_type": "int8", "runs": 3},
           "results": results_body or {}, "rows": rows}
    (results / f"{name}.json").write_text(json.dumps(doc))


# ---------------------------------------------------------------------------------------- table


def test_table_merges_rows_in_order_and_replaces_only_the_block(tmp_path: Path) -> None:
    results = tmp_path / "results"
    write_result("commerce", {}, {}, [row("Search", "p50 / p99 at 100k products", "2.0 / 8.5 ms", "100,000 products",
                                          "p99 <= 10 ms", True)], results)
    write_result("voice_latency", {}, {}, [
        row("Voice-to-voice", "p50 end of speech -> first audio", "540 ms", "2 cores | base int8", "<= 600 ms", True),
        row("Voice-to-voice", "p95 end of speech -> first audio", "910 ms", "2 cores", "<= 900 ms", False),
    ], results)
    readme = tmp_path / "README.md"
    readme.write_text(README)

    written = readme_table.run(results, readme, performance=None)

    assert results / "summary.md" in written and readme in written
    text = readme.read_text()
    before, block, after = text.partition(readme_table.START)[0], *text.partition(readme_table.START)[2].partition(
        readme_table.END)[::2]
    assert before == README.partition(readme_table.START)[0]
    assert after == README.partition(readme_table.END)[2]
    assert "BENCHMARK_TABLE\n" not in block
    lines = [ln for ln in block.splitlines() if ln.startswith("| ")]
    assert lines[0] == "| Benchmark | Metric | Result | Goal | Setup |"
    assert [ln.split("|")[1].strip() for ln in lines[1:]] == ["Voice-to-voice", "Voice-to-voice", "Search"]
    assert "<= 600 ms — met" in lines[1] and "<= 900 ms — missed" in lines[2]
    assert "2 cores \\| base int8" in lines[1]  # a pipe inside a cell is escaped
    assert "Machine:" in block and "(UTC)" in block
    assert "CPU probe when written" in block and "commerce " in block  # write_result records the probe
    summary = (results / "summary.md").read_text()
    assert "| Search | p50 / p99 at 100k products | 2.0 / 8.5 ms | p99 <= 10 ms — met |" in summary

    assert readme_table.run(results, readme, performance=None) == [results / "summary.md"]  # idempotent
    assert readme.read_text() == text


def test_replace_block_needs_both_markers() -> None:
    with pytest.raises(ValueError):
        readme_table.replace_block("no markers here", "table")
    assert readme_table.replace_block(f"a\n{readme_table.START}\nold\n{readme_table.END}\nb", "new") == \
        f"a\n{readme_table.START}\nnew\n{readme_table.END}\nb"


def test_failed_benchmark_hides_stale_rows_but_keeps_fresh_ones(tmp_path: Path) -> None:
    results = tmp_path / "results"
    write_doc(results, "concurrency", "2026-01-01T00:00:00Z", [row("Concurrency", "largest N", "30", "old run")])
    write_doc(results, "voice_latency", "2026-02-01T00:10:00Z", [row("Voice-to-voice", "p50", "500 ms", "fresh")])
    write_doc(results, "run_all", "2026-02-01T00:30:00Z", [], {"benchmarks": {
        "concurrency": {"status": "not run", "reason": "timed out after 900 s", "started": "2026-02-01T00:00:00Z"},
        "voice_latency": {"status": "not run", "reason": "exit 1: boom", "started": "2026-02-01T00:00:00Z"},
        "asr_compare": {"status": "not run", "reason": "no `make bench-wl-venv` target",
                        "started": "2026-02-01T00:00:00Z"},
    }})
    rows = readme_table.collect_rows(readme_table.load_results(results))
    assert [(r["benchmark"], r["value"]) for r in rows] == [
        ("Voice-to-voice", "500 ms"),  # written during the failed attempt: shown
        ("Concurrency", "not run: timed out after 900 s"),  # the 30 from January is stale: hidden
        ("ASR vs WhisperLive", "not run: no `make bench-wl-venv` target"),
    ]


def test_results_of_a_fixed_method_are_withdrawn_and_timeouts_never_meet_a_goal(tmp_path: Path) -> None:
    results = tmp_path / "results"
    old = row("ASR vs WhisperLive", "p50 (1 stream)", "648 ms vs 20000 ms", "1 stream", goal="ratio < 1", met=True)
    write_doc(results, "asr_compare", "2026-01-01T00:00:00Z", [old])  # no setup.method: method 1
    [withdrawn] = readme_table.collect_rows(readme_table.load_results(results))
    assert withdrawn["value"].startswith("not re-measured since the fix") and withdrawn["met"] is None
    assert "met" not in readme_table.markdown_table([withdrawn]).split("|")[4]
    summary = readme_table.summary_markdown(readme_table.load_results(results), results)
    (results / "asr_compare.png").write_bytes(PNG_MAGIC)
    assert "asr_compare.png" not in readme_table.summary_markdown(readme_table.load_results(results), results)
    assert "648 ms" not in summary

    doc = json.loads((results / "asr_compare.json").read_text())
    doc["setup"]["method"] = 2
    timed_out = {**old, "timeouts": [0, 9]}
    fair = {**old, "timeouts": [0, 0]}
    doc["rows"] = [timed_out, fair]
    (results / "asr_compare.json").write_text(json.dumps(doc))
    shown = readme_table.collect_rows(readme_table.load_results(results))
    assert [r["value"] for r in shown] == ["648 ms vs 20000 ms"] * 2
    goals = [line.split(" | ")[3] for line in readme_table.markdown_table(shown).splitlines()[2:]]
    assert goals == ["ratio < 1 — no verdict: timeouts", "ratio < 1 — met"]


def test_footer_says_rows_are_one_run_unless_the_setup_names_more(tmp_path: Path) -> None:
    results = tmp_path / "results"
    write_doc(results, "commerce", "2026-01-01T00:00:00Z", [row("Search", "p99", "4 ms", "360 queries")])
    block = readme_table.table_block(readme_table.load_results(results), "s.md", "p.md")
    assert "never single runs" not in block and "one run of its benchmark" in block


def test_no_results_leaves_a_pointer_not_an_empty_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README)
    readme_table.run(tmp_path / "results", readme, performance=None)
    assert "make bench" in readme.read_text() and "| Benchmark |" not in readme.read_text()


# ---------------------------------------------------------------------------------------- plots


def synthetic_results(results: Path) -> None:
    write_doc(results, "concurrency", "2026-02-01T00:00:00Z", [], {"ramp": [
        {"n": n, "p50": 400 + 20 * n, "p95": 700 + 40 * n, "dropped": int(n > 20), "rss_mb": 300 + 4 * n}
        for n in (1, 5, 10, 20, 25)]})
    write_doc(results, "voice_latency", "2026-02-01T00:00:00Z", [], {
        "v2v_ms": {"n": 30, "p50": 540.0, "p95": 800.0},
        "breakdown_median_ms": {"endpointing": 250.0, "asr": 180.0, "understanding": 20.0,
                                "tts_first_byte": 70.0, "transport": 5.0}})
    write_doc(results, "asr_compare", "2026-02-01T00:00:00Z", [], {"series": [
        {"system": system, "streams": s, "p50": 0.2 * s * k, "p95": 0.3 * s * k, "wer": 0.05, "rtf": 3.0 / k}
        for system, k in (("shepherd", 1.0), ("whisperlive", 1.6)) for s in (1, 4, 8)]})
    write_doc(results, "commerce", "2026-02-01T00:00:00Z", [], {"scales": [
        {"products": 11000, "search_ms": [1.0 + i / 50 for i in range(100)], "recommend_ms": [2.0, 3.0, 4.5]},
        {"products": 100000, "search_ms": [2.0 + i / 20 for i in range(100)], "recommend_ms": [3.0, 5.0]}]})


def test_plots_render_pngs_from_result_files(tmp_path: Path) -> None:
    results = tmp_path / "results"
    synthetic_results(results)
    done = plots.render_all(results)
    assert set(done) == {"concurrency.png", "voice_latency.png", "asr_compare.png", "search_latency.png"}
    for png, where in done.items():
        assert where == str(results / png)
        data = (results / png).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000


def test_plots_skip_missing_or_empty_results(tmp_path: Path) -> None:
    results = tmp_path / "results"
    write_doc(results, "concurrency", "2026-02-01T00:00:00Z", [], {"ramp": []})
    done = plots.render_all(results)
    assert done["concurrency.png"].startswith("skipped: concurrency.json has no plot data")
    assert done["voice_latency.png"] == "skipped: no voice_latency.json"
    assert not list(results.glob("*.png"))


def test_footer_names_machine_model_compute_type_and_runs() -> None:
    doc = {"machine": {"cpu": "Some CPU", "cores": 2}, "setup": {"model": "whisper base", "compute_type": "int8",
                                                              "runs": 3}, "created": "2026-02-01T00:00:00Z"}
    text = plots.footer(doc)
    for part in ("Some CPU, 2 cores", "model: whisper base", "compute type: int8", "runs: 3", "2026-02-01"):
        assert part in text


# ---------------------------------------------------------------------------------------- run_all


def test_run_all_survives_failing_missing_and_hanging_benchmarks(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results"
    (tmp_path / "harness_ok.py").write_text(textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from bench.report import row, write_result
        assert sys.argv[1:] == ["--quick"], sys.argv
        write_result("okbench", {{}}, {{}}, [row("OK bench", "answer", "42", "synthetic")], Path({str(results)!r}))
    """))
    (tmp_path / "harness_fail.py").write_text("raise RuntimeError('boom: the benchmark broke')\n")
    (tmp_path / "harness_hang.py").write_text("import time\ntime.sleep(120)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    readme = tmp_path / "README.md"
    readme.write_text(README)
    benches = [
        run_all.Benchmark("failbench", "harness_fail", 120, 120),
        run_all.Benchmark("missingbench", "harness_not_there", 120, 120),
        run_all.Benchmark("hangbench", "harness_hang", 120, 3),
        run_all.Benchmark("preparebench", "harness_ok", 120, 120, prepare="no-such-target"),
        run_all.Benchmark("okbench", "harness_ok", 120, 120),
    ]
    lines: list[str] = []
    outcomes = run_all.run_all([b.name for b in benches], True, results, benches, lines.append, readme, None,
                               cwd=tmp_path)

    assert outcomes["okbench"].status == "ok"
    assert outcomes["failbench"].status == "not run"
    assert "RuntimeError: boom: the benchmark broke" in outcomes["failbench"].reason
    assert outcomes["missingbench"].reason == "module harness_not_there not found"
    assert outcomes["hangbench"].reason == "timed out after 3 s"
    assert outcomes["preparebench"].reason == "no `make no-such-target` target"
    status = json.loads((results / "run_all.json").read_text())["results"]["benchmarks"]
    assert status["failbench"]["status"] == "not run" and status["okbench"]["status"] == "ok"
    table = readme.read_text()
    assert "| OK bench | answer | 42 |" in table
    assert "not run: exit 1: RuntimeError: boom" in table and "not run: timed out after 3 s" in table
    assert any("RuntimeError" in ln for ln in lines)  # the benchmark's output is echoed


def test_only_parses_names() -> None:
    assert run_all.parse_only("commerce, fit-returns") == ["commerce", "fit_returns"]
    assert run_all.parse_only(None) == list(run_all.NAMES)
    with pytest.raises(SystemExit):
        run_all.parse_only("commerce,nope")


# ---------------------------------------------------------------------------------------- commerce


@pytest.mark.slow
@pytest.mark.timeout(1800)
async def test_commerce_bench_quick_on_small_catalogs(backends: Backends, state_dir: Path, tmp_path: Path) -> None:
    cfg = commerce_bench.Config(sizes=[1200, 2400], rounds=2, checkouts=4, advice_runs=4, state_dir=state_dir,
                                dsn=None, prefix="bench_harness", out_dir=tmp_path, quick=True)
    path = await commerce_bench.run(cfg)

    doc = json.loads(path.read_text())
    assert doc["name"] == "commerce" and doc["setup"]["sizes"] == [1200, 2400]
    small, large = doc["results"]["scales"]
    assert small["catalog"]["products"] == 1200 and large["catalog"]["products"] == 2400
    for scale in (small, large):
        assert scale["search"]["n"] == 2 * len(commerce_bench.QUERY_MIX)
        assert 0 < scale["search"]["p50"] <= scale["search"]["p99"]
        assert scale["recommend"]["n"] == 2 * 3
    assert small["checkout"]["total"]["n"] == 4 and small["size_advice"]["n"] == 4
    assert small["advised"] == 4  # every advised product has a size chart: advice is given, not None
    metrics = [(r["benchmark"], r["metric"]) for r in doc["rows"]]
    assert ("Search", "p50 / p99 at 1.2k products") in metrics
    assert ("Checkout (offline provider)", "p50 / p99 cart add -> order -> pay -> confirm") in metrics

    # The checkouts really happened in that database: paid orders with sold stock, predictions stored.
    conn = await asyncpg.connect(await asyncio.to_thread(start_postgres, state_dir, "bench_harness_1200"))
    try:
        paid = await conn.fetchval("SELECT count(*) FROM orders WHERE status IN ('paid', 'return_requested')")
        predictions = await conn.fetchval("SELECT count(*) FROM return_predictions")
    finally:
        await conn.close()
    assert paid >= 4 + 1 + 3 + 3  # timed + warm-up + two returning shoppers' histories
    assert predictions >= 4


def test_shepherd_bench_lists_every_benchmark_and_passes_arguments_through(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from voice_server.tools.cli import main

    runner = CliRunner()
    listing = runner.invoke(main, ["bench", "--help"])
    assert listing.exit_code == 0, listing.output
    for name in ("all", "commerce", "voice", "concurrency", "asr-compare", "table", "fit", "returns"):
        assert f"  {name} " in listing.output
    passed = runner.invoke(main, ["bench", "all", "--only", "nope"])  # reaches run_all's own parser
    assert passed.exit_code != 0 and "unknown benchmark(s): nope" in str(passed.exception)


def test_fit_and_returns_rows_compare_with_baselines_and_goals() -> None:
    from bench.fit_returns import fit_rows, returns_rows

    scores = {"auc": 0.70, "brier": 0.17, "ece": 0.006, "accuracy": 0.76}
    fit = {"auc_macro": 0.783, "accuracy": 0.763, "seconds": 25.0, "baselines": {
        "majority_class": {"auc_macro": 0.5, "accuracy": 0.737},
        "latent_size_sembium2017": {"auc_macro": 0.699, "accuracy": 0.705}}}
    ret = {**scores, "baselines": {"base_rate": {**scores, "auc": 0.5, "brier": 0.194},
                                   "item_fit_problem_rate": {**scores, "auc": 0.666},
                                   "fit_model_not_fit": {**scores, "auc": 0.681}},
           "mitigation": {"predicted_return_rate_as_rented": 0.27, "predicted_return_rate_if_advice_taken": 0.24}}
    rows = fit_rows(fit, "full") + returns_rows(ret, "full")
    assert (rows[0]["value"], rows[0]["met"]) == ("0.783 (0.699)", True)
    assert rows[5]["value"] == "0.270 -> 0.240"
    assert rows[2]["value"] == "25 s" and rows[2]["met"] is True
    assert rows[3]["value"] == "0.700 (0.666)" and "fit != fit" in rows[3]["setup"]
    assert fit_rows({**fit, "auc_macro": 0.775}, "full")[0]["met"] is False  # issue 15: >= 0.78
    weak = fit_rows({**fit, "auc_macro": 0.69}, "full")  # below the latent-size baseline: missed
    assert weak[0]["met"] is False
