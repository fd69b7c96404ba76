"""PNG plots from the result files in ``bench/results/`` (matplotlib, Agg backend: no display needed).

- ``concurrency.png``: p50 / p95 voice-to-voice and server RSS against simultaneous shoppers;
- ``voice_latency.png``: the median voice-to-voice time split by stage (stacked bar);
- ``asr_compare.png``: end of speech -> final transcript and throughput against concurrent streams,
  ours and WhisperLive;
- ``search_latency.png``: distribution (ECDF) of search and recommendation latency per catalog size.

A plot whose result file is missing (or has no data) is skipped. Every figure carries the machine and
the setup (model, compute type, runs) in its footer.

    python -m bench.plots [--results bench/results]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from bench.report import RESULTS_DIR

V2V_LIMIT_MS = 1500.0
SEARCH_GOAL_MS = 10.0
STAGE_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def load(results_dir: Path, name: str) -> dict[str, Any] | None:
    path = results_dir / f"{name}.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return None


def footer(doc: dict[str, Any], extra: str = "") -> str:
    """Machine + the setup keys a reader needs to trust a figure."""
    m = doc.get("machine") or {}
    s = doc.get("setup") or {}
    parts = [f"{m.get('cpu') or 'unknown CPU'}, {m.get('cores', '?')} cores"]
    for key in ("model", "device", "compute_type", "runs"):
        if s.get(key) not in (None, ""):
            parts.append(f"{key.replace('_', ' ')}: {s[key]}")
    if extra:
        parts.append(extra)
    parts.append(str(doc.get("created", ""))[:10])
    return " · ".join(parts)


def _finish(fig: Figure, doc: dict[str, Any], out: Path, extra: str = "") -> Path:
    fig.text(0.01, 0.01, footer(doc, extra), fontsize=7, color="#555555", ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _ms(values: list[Any], seconds: bool) -> list[float | None]:
    return [None if v is None else float(v) * (1000.0 if seconds else 1.0) for v in values]


def plot_concurrency(doc: dict[str, Any], out: Path) -> Path | None:
    ramp = sorted((doc.get("results") or {}).get("ramp") or [], key=lambda p: p["n"])
    if not ramp:
        return None
    seconds = (doc.get("results") or {}).get("unit") == "s"
    n = [p["n"] for p in ramp]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(n, _ms([p.get("p50") for p in ramp], seconds), "o-", label="p50")
    ax1.plot(n, _ms([p.get("p95") for p in ramp], seconds), "s--", label="p95")
    dropped = [(p["n"], p.get("p95")) for p in ramp if p.get("dropped")]
    if dropped:
        ax1.plot([d[0] for d in dropped], _ms([d[1] for d in dropped], seconds), "rx", ms=10,
                 label="frames dropped")
    ax1.axhline(V2V_LIMIT_MS, color="red", lw=0.8, ls=":", label="1.5 s limit")
    ax1.set(xlabel="simultaneous shoppers (N)", ylabel="voice-to-voice (ms)", title="Latency under load")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    rss = [p.get("rss_mb") for p in ramp]
    ax2.plot(n, rss, "o-", color="#55a868")
    ax2.set(xlabel="simultaneous shoppers (N)", ylabel="server RSS (MB)", title="Memory")
    ax2.grid(alpha=0.3)
    return _finish(fig, doc, out)


def plot_voice_latency(doc: dict[str, Any], out: Path) -> Path | None:
    results = doc.get("results") or {}
    stages = {k: v for k, v in (results.get("breakdown_median_ms") or {}).items() if v is not None}
    if not stages:
        return None
    fig, ax = plt.subplots(figsize=(9, 3.6))
    left = 0.0
    for (stage, value), colour in zip(stages.items(), STAGE_COLOURS * 2, strict=False):
        ax.barh([0], [value], left=left, color=colour, label=f"{stage.replace('_', ' ')} {value:.0f} ms")
        left += max(value, 0.0)
    v2v = results.get("v2v_ms") or {}
    title = "Voice-to-voice, median per stage"
    if v2v.get("n"):
        title += f" (p50 {v2v['p50']:.0f} ms, p95 {v2v['p95']:.0f} ms over {v2v['n']} turns)"
    ax.set(yticks=[], xlabel="ms from end of speech to first reply audio byte", title=title)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.5))
    return _finish(fig, doc, out)


def plot_asr_compare(doc: dict[str, Any], out: Path) -> Path | None:
    series = (doc.get("results") or {}).get("series") or []
    if not series:
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for system in sorted({p["system"] for p in series}):
        points = sorted((p for p in series if p["system"] == system), key=lambda p: p["streams"])
        streams = [p["streams"] for p in points]
        line = ax1.plot(streams, _ms([p.get("p50") for p in points], True), "o-", label=f"{system} p50")[0]
        ax1.plot(streams, _ms([p.get("p95") for p in points], True), "s--", color=line.get_color(),
                 label=f"{system} p95")
        ax2.plot(streams, [p.get("rtf") for p in points], "o-", color=line.get_color(), label=system)
    ax1.set(xlabel="concurrent streams", ylabel="end of speech -> final transcript (ms)", title="ASR latency")
    ax2.set(xlabel="concurrent streams", ylabel="audio seconds per wall second", title="ASR throughput")
    for ax in (ax1, ax2):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    return _finish(fig, doc, out)


def _ecdf(ax: Any, samples: list[float], label: str, style: str, colour: str | None = None) -> str:
    ordered = sorted(samples)
    line = ax.step(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], style, where="post",
                   label=label, color=colour)[0]
    return str(to_hex(line.get_color()))


def plot_search(doc: dict[str, Any], out: Path) -> Path | None:
    scales = [s for s in (doc.get("results") or {}).get("scales") or [] if s.get("search_ms")]
    if not scales:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for s in scales:
        label = f"{s['products']:,} products"
        colour = _ecdf(ax, s["search_ms"], f"search, {label}", "-")
        if s.get("recommend_ms"):
            _ecdf(ax, s["recommend_ms"], f"recommendations, {label}", ":", colour)
    ax.axvline(SEARCH_GOAL_MS, color="red", lw=0.8, ls="--", label=f"goal: p99 <= {SEARCH_GOAL_MS:.0f} ms")
    ax.axhline(0.99, color="#999999", lw=0.6)
    ax.set_xscale("log")
    ax.set(xlabel="latency (ms, log scale)", ylabel="fraction of calls", title="Search latency distribution")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, which="both")
    rounds = (doc.get("setup") or {}).get("rounds")
    return _finish(fig, doc, out, f"{rounds} rounds of the query mix, one call at a time")


PLOTS: dict[str, tuple[str, Callable[[dict[str, Any], Path], Path | None]]] = {
    "concurrency.png": ("concurrency", plot_concurrency),
    "voice_latency.png": ("voice_latency", plot_voice_latency),
    "asr_compare.png": ("asr_compare", plot_asr_compare),
    "search_latency.png": ("commerce", plot_search),
}


def render_all(results_dir: Path = RESULTS_DIR) -> dict[str, str]:
    """Render every plot whose data exists; {png name: path or 'skipped: reason'}."""
    done: dict[str, str] = {}
    for png, (name, fn) in PLOTS.items():
        doc = load(results_dir, name)
        if doc is None:
            done[png] = f"skipped: no {name}.json"
            continue
        path = fn(doc, results_dir / png)
        done[png] = str(path) if path else f"skipped: {name}.json has no plot data"
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    a = parser.parse_args(argv)
    for png, what in render_all(a.results).items():
        print(f"{png}: {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
