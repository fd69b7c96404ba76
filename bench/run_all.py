"""Run every benchmark, then the plots and the README table (``make bench``).

Each benchmark runs as its own process (``python -m bench.<module> [--quick]``) with a time limit,
so one that is missing, fails or hangs is recorded as "not run: <reason>" and the others still run.
WhisperLive's venv is prepared first with ``make bench-wl-venv`` when the Makefile has that target.
The outcome of each benchmark is kept in ``bench/results/run_all.json`` (the shared result format;
``bench/readme_table.py`` reads it).

    python -m bench.run_all [--quick] [--only commerce,fit_returns]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import RESULTS_DIR, write_result

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Benchmark:
    name: str  # also the result file: bench/results/<name>.json
    module: str
    timeout_s: int
    quick_timeout_s: int
    prepare: str | None = None  # a Makefile target to run first


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("commerce", "bench.commerce_bench", 1500, 1200),  # the first run builds the 100k catalog
    Benchmark("fit_returns", "bench.fit_returns", 1500, 600),
    Benchmark("voice_latency", "bench.voice_latency", 600, 300),
    Benchmark("concurrency", "bench.concurrency", 900, 400),
    Benchmark("asr_compare", "bench.asr_compare", 900, 400, prepare="bench-wl-venv"),
    Benchmark("semantic", "bench.semantic_bench", 300, 120),
    Benchmark("turn_end", "bench.turn_end", 1200, 300),
)
NAMES = tuple(b.name for b in BENCHMARKS)


@dataclass
class Outcome:
    status: str  # "ok" or "not run"
    reason: str
    started: str
    seconds: float
    returncode: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def has_make_target(target: str, makefile: Path = ROOT / "Makefile") -> bool:
    try:
        text = makefile.read_text()
    except OSError:
        return False
    return re.search(rf"^{re.escape(target)}\s*:", text, re.MULTILINE) is not None


def run_logged(cmd: Sequence[str], timeout_s: float, echo: Callable[[str], None], cwd: Path = ROOT
               ) -> tuple[int | None, list[str]]:
    """Run ``cmd`` in its own process group, echoing its output; (exit code or None on timeout, last lines)."""
    tail: collections.deque[str] = collections.deque(maxlen=30)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", start_new_session=True)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip("\n"))
            echo(line.rstrip("\n"))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code: int | None = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        code = None
        os.killpg(proc.pid, signal.SIGTERM)  # the group we started (the benchmark and its servers)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(timeout=5)
    return code, list(tail)


def _last_error(lines: list[str]) -> str:
    """The most telling line of a failed run's output (the exception line when there is one)."""
    meaningful = [ln.strip() for ln in lines if ln.strip()]
    for line in reversed(meaningful):
        if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line) or line.startswith("error"):
            return line[:200]
    return meaningful[-1][:200] if meaningful else "no output"


def run_one(bench: Benchmark, quick: bool, echo: Callable[[str], None], cwd: Path = ROOT) -> Outcome:
    started, t0 = now_iso(), time.perf_counter()

    def outcome(status: str, reason: str, code: int | None = None) -> Outcome:
        return Outcome(status, reason, started, round(time.perf_counter() - t0, 1), code)

    if importlib.util.find_spec(bench.module) is None:
        return outcome("not run", f"module {bench.module} not found")
    if bench.prepare is not None:
        if not has_make_target(bench.prepare, cwd / "Makefile"):
            return outcome("not run", f"no `make {bench.prepare}` target")
        code, tail = run_logged(["make", "--no-print-directory", bench.prepare], 1200, echo, cwd)
        if code != 0:
            return outcome("not run", f"make {bench.prepare} failed: {_last_error(tail)}", code)
    limit = bench.quick_timeout_s if quick else bench.timeout_s
    code, tail = run_logged([sys.executable, "-m", bench.module, *(["--quick"] if quick else [])], limit, echo,
                            cwd)
    if code is None:
        return outcome("not run", f"timed out after {limit} s", code)
    if code != 0:
        return outcome("not run", f"exit {code}: {_last_error(tail)}", code)
    return outcome("ok", "", code)


def previous_status(results_dir: Path) -> dict[str, Any]:
    from bench.readme_table import run_status
    from bench.report import load_results

    return run_status(load_results(results_dir))


def run_all(names: Sequence[str], quick: bool, results_dir: Path = RESULTS_DIR,
            benchmarks: Sequence[Benchmark] = BENCHMARKS, echo: Callable[[str], None] = print,
            readme: Path | None = ROOT / "README.md", performance: Path | None = ROOT / "docs" / "performance.md",
            cwd: Path = ROOT) -> dict[str, Outcome]:
    """Run the chosen benchmarks, record their outcomes, render the plots and the tables."""
    from bench.plots import render_all
    from bench.readme_table import run as write_tables

    started = now_iso()
    outcomes: dict[str, Outcome] = {}
    for bench in benchmarks:
        if bench.name not in names:
            continue
        echo(f"=== {bench.name} ({bench.module}{' --quick' if quick else ''})")
        outcomes[bench.name] = run_one(bench, quick, echo, cwd)
        o = outcomes[bench.name]
        echo(f"=== {bench.name}: {o.status}{': ' + o.reason if o.reason else ''} ({o.seconds:.0f} s)")
    status = {**previous_status(results_dir), **{n: o.as_dict() for n, o in outcomes.items()}}
    plots = render_all(results_dir) if results_dir.exists() else {}
    write_result("run_all", {"quick": quick, "only": list(names)},
                 {"started": started, "benchmarks": status, "plots": plots}, [], results_dir)
    if readme is not None:
        for path in write_tables(results_dir, readme, performance):
            echo(f"wrote {path}")
    return outcomes


def parse_only(text: str | None) -> list[str]:
    if not text:
        return list(NAMES)
    chosen = [n.strip().replace("-", "_") for n in text.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in NAMES]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's smoke size (minutes, not tens)")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of: {', '.join(NAMES)}")
    a = parser.parse_args(argv)
    outcomes = run_all(parse_only(a.only), a.quick)
    print("\nsummary:")
    for name, o in outcomes.items():
        print(f"  {name:<14} {o.status}{': ' + o.reason if o.reason else ''} ({o.seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
