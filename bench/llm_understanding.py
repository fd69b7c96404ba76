"""Corpus score of LLM understanding vs the rules, and the LLM's time per turn (p50/p95).

Starts llama.cpp's OpenAI-compatible server (xllamacpp) with the bundled SmolLM2-135M on a
loopback port, then scores the conversation corpus twice with the shared scorer, through this
checkout's `shepherd chat --json`: once with the rules alone, once with SHEPHERD_LLM_BASE_URL set.
The chat output of the LLM run is kept to count who answered each turn, why the rules had to
take over, and how long the model took. JSON to ``--out`` (default bench/results/llm_understanding.json):

    python -m bench.llm_understanding [--cases ../shared/eval/conversations.json] [--timeout-ms 30000]
        [--threads 1] [--only NAME ...]

``--timeout-ms`` is generous by default so the score measures the model, not this CPU; the
production default budget (SHEPHERD_LLM_TIMEOUT_MS) is much tighter.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.llm_server import MODEL_FILE, MODEL_SHA256, LocalLlmServer
from bench.report import machine_info

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CASES = REPO.parent / "shared" / "eval" / "conversations.json"
DEFAULT_OUT = REPO / "bench" / "results" / "llm_understanding.json"


def wrapper_script(folder: Path, log: Path | None) -> Path:
    """A `shepherd` that runs this checkout's code (and keeps its stdout in ``log`` when given)."""
    run = f'cd "{REPO}" && PYTHONPATH="{REPO}" "{sys.executable}" -m voice_server.tools.cli "$@"'
    body = f'#!/usr/bin/env bash\nset -o pipefail\n{run} | tee -a "{log}"\n' if log else f"#!/usr/bin/env bash\n{run}\n"
    path = folder / ("shepherd-llm" if log else "shepherd-rules")
    path.write_text(body)
    path.chmod(0o755)
    return path


def score(scorer: Path, cases: Path, shepherd: Path, env: dict[str, str], only: list[str]) -> dict[str, Any]:
    """Run the shared scorer; its JSON summary line plus the wall time."""
    cmd = [sys.executable, str(scorer), "--cases", str(cases), "--shepherd", str(shepherd), "--json"]
    if only:
        cmd += ["--only", *only]
    started = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    right, total = summary["right"], summary["total"]
    return {"right": right, "total": total, "percent": round(100.0 * right / max(1, total), 1),
            "wall_s": round(time.perf_counter() - started, 1), "misses": len(summary["misses"])}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def turn_stats(log: Path) -> dict[str, Any]:
    """Who answered each turn of the LLM run, fallback reasons, and the model's time per turn."""
    turns = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    who = Counter(str(t.get("understander")) for t in turns)
    reasons = Counter(str(t["understander_fallback"]) for t in turns if t.get("understander_fallback"))
    answered = [float(t["llm_ms"]) for t in turns if t.get("understander") == "llm"]
    asked = [float(t["llm_ms"]) for t in turns if t.get("llm_ms") is not None]
    return {
        "turns": len(turns), "answered_by": dict(who), "fallback_reasons": dict(reasons),
        "llm_ms_answered": {"p50": percentile(answered, 50), "p95": percentile(answered, 95), "n": len(answered)},
        "llm_ms_all_attempts": {"p50": percentile(asked, 50), "p95": percentile(asked, 95), "n": len(asked)},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--scorer", type=Path, default=None, help="default: score_conversations.py beside --cases")
    ap.add_argument("--timeout-ms", type=int, default=30000, help="SHEPHERD_LLM_TIMEOUT_MS for the LLM run")
    ap.add_argument("--mode", choices=("json_schema", "tools"), default="json_schema")
    ap.add_argument("--threads", type=int, default=1, help="llama.cpp threads")
    ap.add_argument("--only", nargs="*", default=[], help="conversation names (default: all)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    scorer = args.scorer or args.cases.parent / "score_conversations.py"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SHEPHERD_LLM_")}
    with tempfile.TemporaryDirectory(prefix="bench-llm-") as tmp:
        folder = Path(tmp)
        log = folder / "llm-turns.jsonl"
        rules = score(scorer, args.cases, wrapper_script(folder, None), base_env, args.only)
        print(f"rules: {rules['right']}/{rules['total']} ({rules['percent']} %)", file=sys.stderr)
        with (folder / "server.log").open("w") as server_log, \
                LocalLlmServer(threads=args.threads, log=server_log) as base_url:
            env = dict(base_env, SHEPHERD_LLM_BASE_URL=base_url, SHEPHERD_LLM_MODE=args.mode,
                       SHEPHERD_LLM_TIMEOUT_MS=str(args.timeout_ms))
            llm = score(scorer, args.cases, wrapper_script(folder, log), env, args.only)
        llm.update(turn_stats(log))
        print(f"llm: {llm['right']}/{llm['total']} ({llm['percent']} %)", file=sys.stderr)
    result = {
        "benchmark": "llm_understanding",
        "command": "python -m bench.llm_understanding " + " ".join(sys.argv[1:]),
        "cases": str(args.cases), "only": args.only,
        "server": "llama.cpp server via xllamacpp, CPU", "model": MODEL_FILE, "model_sha256": MODEL_SHA256,
        "mode": args.mode, "timeout_ms": args.timeout_ms, "threads": args.threads,
        "machine": machine_info() | {"load_avg_1m_at_end": round(os.getloadavg()[0], 2)},
        "rules": rules, "llm": llm,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
