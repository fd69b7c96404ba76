"""Merge the ``rows`` of every ``bench/results/*.json`` into ``summary.md`` and the README table.

The README block between ``<!-- BENCHMARK_TABLE_START -->`` and ``<!-- BENCHMARK_TABLE_END -->`` (and
the same block in ``docs/performance.md``) is replaced; nothing else in those files is touched, and
running it twice changes nothing. A benchmark that ``bench/run_all.py`` could not run is listed as
"not run: <reason>", and its older result file (if any) is left out rather than shown as current. A result
file written by an older, since fixed measuring method (``setup.method`` below ``METHODS``) is listed as
"not re-measured since the fix". A goal is never "met" on a row whose ``timeouts`` show that either side
timed out.

    python -m bench.readme_table [--results bench/results] [--readme README.md]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.report import RESULTS_DIR, load_results

ROOT = Path(__file__).resolve().parents[1]
START = "<!-- BENCHMARK_TABLE_START -->"
END = "<!-- BENCHMARK_TABLE_END -->"
STATUS_DOC = "run_all"
ORDER = ("voice_latency", "concurrency", "listening_cost", "asr_compare", "commerce", "fit_returns")
TITLES = {"voice_latency": "Voice-to-voice latency", "concurrency": "Concurrency", "listening_cost": "Listening cost",
          "asr_compare": "ASR vs WhisperLive",
          "commerce": "Commerce", "fit_returns": "Fit and returns quality"}
PLOTS = ("voice_latency.png", "concurrency.png", "asr_compare.png", "search_latency.png")
METHODS: dict[str, tuple[int, str]] = {
    "asr_compare": (2, "method 1 never sent WhisperLive its end-of-audio signal, so most of its streams timed out"),
}
"""Benchmark → (current method version, what was wrong with the older ones)."""


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.replace("|", "\\|").split())


def _goal(r: dict[str, Any]) -> str:
    goal = _cell(r.get("goal"))
    if goal and any(r.get("timeouts") or ()):
        return f"{goal} — no verdict: timeouts"  # a side that timed out was not measured, so nothing is met
    if not goal or r.get("met") is None:
        return goal
    return f"{goal} — {'met' if r['met'] else 'missed'}"


def _order_key(name: str) -> tuple[int, str]:
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def run_status(docs: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{benchmark: {"status", "reason", "started", ...}} from ``run_all.json`` (empty when absent)."""
    for doc in docs:
        if doc.get("name") == STATUS_DOC:
            return dict((doc.get("results") or {}).get("benchmarks") or {})
    return {}


def collect_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every result's rows in a fixed order, with "not run" lines for what the last run_all could not run.

    A result file older than the failed attempt is stale and left out; one written during the attempt
    (a benchmark that wrote its numbers, then exited non-zero) is shown.
    """
    status = run_status(docs)
    by_name = {d["name"]: d for d in docs if d.get("name") and d.get("name") != STATUS_DOC and "rows" in d}
    names = sorted(set(by_name) | {n for n, s in status.items() if s.get("status") != "ok"}, key=_order_key)
    out: list[dict[str, Any]] = []
    for name in names:
        state = status.get(name, {"status": "ok"})
        doc = by_name.get(name)
        if state.get("status") != "ok":
            started = str(state.get("started") or "")
            if doc is None or str(doc.get("created", "")) < started:
                out.append({"benchmark": TITLES.get(name, name), "metric": "—",
                            "value": f"not run: {state.get('reason') or 'unknown reason'}", "goal": "",
                            "met": None, "setup": ""})
                continue
        if doc is not None and _stale(name, doc):
            why = METHODS[name][1]
            out.append({"benchmark": TITLES.get(name, name), "metric": "—",
                        "value": f"not re-measured since the fix ({why}); the old run stays in "
                                 f"bench/results/{name}.json", "goal": "", "met": None, "setup": ""})
        elif doc is not None:
            out.extend(doc["rows"])
    return out


def _stale(name: str, doc: dict[str, Any]) -> bool:
    """Written by a measuring method older than the current one of ``name``."""
    if name not in METHODS:
        return False
    method = (doc.get("setup") or {}).get("method") or 1
    return int(method) < METHODS[name][0]


def markdown_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| Benchmark | Metric | Result | Goal | Setup |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {_cell(r.get('benchmark'))} | {_cell(r.get('metric'))} | {_cell(r.get('value'))} "
                     f"| {_goal(r)} | {_cell(r.get('setup'))} |")
    return "\n".join(lines)


def machine_line(docs: list[dict[str, Any]]) -> str:
    """One line per distinct machine the results were measured on, and the date of the newest result."""
    seen: list[str] = []
    for d in docs:
        m = d.get("machine") or {}
        if "cpu" not in m:  # written before results recorded `bench.report.machine_info()`
            continue
        text = f"{m.get('cpu') or 'unknown CPU'}, {m.get('cores')} cores, {m.get('memory_gib')} GiB, " \
               f"Python {m.get('python')}, {m.get('platform')}"
        if text not in seen:
            seen.append(text)
    dates = sorted(str(d["created"]) for d in docs if d.get("created"))
    when = f"{dates[0][:10]} to {dates[-1][:10]}" if dates and dates[0][:10] != dates[-1][:10] else \
        (dates[-1][:10] if dates else "never")
    probes = [f"{d['name']} {d['machine']['cpu_probe_ms']} ms" for d in docs
              if (d.get("machine") or {}).get("cpu_probe_ms") is not None and d.get("rows")]
    probe = (f" CPU probe when written (a fixed Python loop, lower is faster; this VM's speed moves up to 2x "
             f"within minutes): {', '.join(probes)}.") if probes else ""
    return f"Machine: {'; '.join(seen) or 'unknown'}. Measured {when} (UTC).{probe}"


def table_block(docs: list[dict[str, Any]], summary_link: str, docs_link: str) -> str:
    """The generated markdown that goes between the markers."""
    rows = collect_rows(docs)
    if not rows:
        return ("No benchmark results yet: run `make bench` (or `shepherd bench all`); results land in "
                "`bench/results/`.")
    return "\n".join([
        markdown_table(rows), "",
        machine_line(docs),
        f"Each row comes from one run of its benchmark (percentiles over the samples of that run) unless its "
        f"setup names more runs (\"3 runs x 8 turns\"). Generated by `make bench` from "
        f"`bench/results/*.json`; details, plots and how to reproduce: [{summary_link}]({summary_link}), "
        f"[{docs_link}]({docs_link}).",
    ])


def summary_markdown(docs: list[dict[str, Any]], results_dir: Path) -> str:
    """``bench/results/summary.md``: the table, the machine, the plots that exist."""
    parts = ["# Benchmark summary", "", table_block(docs, "summary.md", "../../docs/performance.md"), ""]
    stale = {d["name"] for d in docs if d.get("name") and _stale(d["name"], d)}
    plots = [p for p in PLOTS if (results_dir / p).exists() and p[:-4] not in stale]
    if plots:
        parts += ["## Plots", ""] + [f"![{p[:-4]}]({p})" for p in plots] + [""]
    return "\n".join(parts)


def replace_block(text: str, block: str) -> str:
    """``text`` with everything between the markers replaced by ``block`` (markers kept)."""
    start = text.find(START)
    end = text.find(END, start + len(START)) if start >= 0 else -1
    if start < 0 or end < 0:
        raise ValueError(f"markers {START} ... {END} not found")
    return f"{text[: start + len(START)]}\n{block.strip()}\n{text[end:]}"


def update_file(path: Path, block: str) -> bool:
    """Replace the marked block of ``path``; True if the file changed."""
    text = path.read_text()
    new = replace_block(text, block)
    if new == text:
        return False
    path.write_text(new)
    return True


def run(results_dir: Path = RESULTS_DIR, readme: Path = ROOT / "README.md",
        performance: Path | None = ROOT / "docs" / "performance.md") -> list[Path]:
    """Write summary.md and refresh the marked blocks; returns the files written."""
    docs = load_results(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    summary = results_dir / "summary.md"
    summary.write_text(summary_markdown(docs, results_dir))
    written = [summary]
    if update_file(readme, table_block(docs, "bench/results/summary.md", "docs/performance.md")):
        written.append(readme)
    if performance is not None and performance.exists() and START in performance.read_text():
        if update_file(performance, table_block(docs, "../bench/results/summary.md", "performance.md")):
            written.append(performance)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--performance", type=Path, default=ROOT / "docs" / "performance.md")
    a = parser.parse_args(argv)
    for path in run(a.results, a.readme, a.performance):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
