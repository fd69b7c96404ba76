"""What one listening-only session costs the server: core-ms of CPU per session-second (issue #17 item 5).

    python -m bench.listening_cost [--runs 5] [--sessions 50] [--seconds 20] [--e2e-sessions 100]
                                   [--baseline-root /path/to/other/checkout] [--skip-e2e] [--profile]

A listening session is a connected microphone streaming 20 ms pcm_s16le frames of silence or background
noise with nobody talking. Two measurements:

* **core** — `SessionCore.handle` fed `AudioFrame` events (no sockets, no event loop): ``--sessions``
  cores after a real `hello`, each fed ``--seconds`` of audio in 20 ms frames, round-robin like a server
  with that many sockets. CPU = ``time.process_time`` over the whole feed, so numpy/soxr/webrtcvad are
  counted. Three signals: ``silence`` (digital zeros), ``hiss`` (white noise at −60 dBFS, a quiet
  microphone: below the endpointer's energy gate) and ``room`` (pink noise at −38 dBFS: above the gate,
  so webrtcvad and the spectral-flatness check run on every frame; never opens a turn). Each run is
  a fresh subprocess; with ``--baseline-root`` every run alternates between that checkout and this one,
  so the before/after ratio is measured side by side on the same (shared, noisy) CPU.
* **e2e** — a real ``shepherd serve`` (bench.concurrency.ServerProcess) pinned to one core, the load
  generator (bench.listen_load) on the others: ``--e2e-sessions`` websockets streaming silence.
  CPU = the server process's user+system time over ``--e2e-seconds`` minus the same window measured
  idle just before (the server's own timers), divided by sessions × seconds.

Writes ``bench/results/listening_cost.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000
FRAME_MS = 20
SIGNALS = ("silence", "hiss", "room")
HELLO = {"type": "hello", "version": 1, "input": {"encoding": "pcm_s16le", "sample_rate": RATE, "channels": 1},
         "output": {"encoding": "pcm_s16le", "sample_rate": 24000, "channels": 1}}
ROOT = Path(__file__).resolve().parents[1]


def signal_frames(kind: str, seconds: float, seed: int = 3) -> list[bytes]:
    """`seconds` of `kind` as 20 ms pcm_s16le frames at 16 kHz (deterministic)."""
    n = int(RATE * seconds)
    rng = np.random.default_rng(seed)
    if kind == "silence":
        samples = np.zeros(n)
    elif kind == "hiss":
        samples = rng.standard_normal(n) * 10 ** (-60 / 20)
    elif kind == "room":  # pink noise (1/f power) at -38 dBFS
        spectrum = np.fft.rfft(rng.standard_normal(n))
        spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
        pink = np.fft.irfft(spectrum, n)
        samples = pink / np.sqrt(np.mean(pink**2)) * 10 ** (-38 / 20)
    else:
        raise ValueError(kind)
    pcm = np.clip(np.rint(samples * 32768), -32768, 32767).astype("<i2").tobytes()
    step = RATE * FRAME_MS // 1000 * 2
    return [pcm[i : i + step] for i in range(0, len(pcm) - step + 1, step)]


# ------------------------------------------------------------------ core (runs in a subprocess)
def core_worker(kind: str, sessions: int, seconds: float, profile: str | None) -> dict[str, Any]:
    """Feed `sessions` SessionCores `seconds` of `kind`, round-robin; CPU per session-second."""
    from voice_server.platform.logs import configure_logging
    from voice_server.voice import session_events as e
    from voice_server.voice.session_core import SessionCore
    from voice_server.voice.session_options import SessionOptions

    class Backlog:
        def queued_audio_ms_for(self, turn_id: int) -> float:
            return 0.0

    configure_logging("warning", "console")  # no session.ready lines on stdout
    options = SessionOptions()
    cores = []
    for i in range(sessions):
        core = SessionCore(options, f"bench-{i}", Backlog())
        core.handle(e.FirstFrame(json.dumps(HELLO), binary=False), 0.0)
        core.handle(e.Admitted(user_id=i, user_kind="guest", conversation_id=f"c{i}", resumed=False,
                               resume_token="rt", node="bench", max_message_bytes=65536), 0.0)
        cores.append(core)
    frames = signal_frames(kind, seconds)
    events = [e.AudioFrame(f, asr_ready=True, asr_busy=False) for f in frames]  # built once: not the core's cost
    # warm-up: one second per session (first-call costs, the endpointer's windows fill)
    for k in range(50):
        for core in cores:
            core.handle(events[k], k * 0.02)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    actions = 0
    for k, event in enumerate(events):
        at = 1.0 + k * 0.02
        for core in cores:
            actions += len(core.handle(event, at))
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
    if profiler is not None and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    session_s = sessions * len(events) * FRAME_MS / 1000
    return {"signal": kind, "sessions": sessions, "frames": len(events) * sessions, "actions": actions,
            "cpu_s": cpu, "wall_s": wall, "core_ms_per_session_s": cpu * 1000 / session_s,
            "us_per_frame": cpu * 1e6 / (len(events) * sessions)}


def run_core(root: Path, kind: str, sessions: int, seconds: float, profile: str | None = None) -> dict[str, Any]:
    """`core_worker` in a fresh interpreter importing the code of `root` (this checkout or a baseline)."""
    env = dict(os.environ, PYTHONPATH=str(root), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--sessions", str(sessions),
           "--seconds", str(seconds)] + (["--profile", profile] if profile else [])
    out = subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def core_series(roots: dict[str, Path], runs: int, sessions: int, seconds: float) -> dict[str, Any]:
    """Per signal and checkout: `runs` subprocess runs, alternating checkouts within each run."""
    out: dict[str, Any] = {}
    for kind in SIGNALS:
        samples: dict[str, list[float]] = {label: [] for label in roots}
        for r in range(runs):
            order = list(roots.items()) if r % 2 == 0 else list(reversed(roots.items()))
            for label, root in order:
                result = run_core(root, kind, sessions, seconds)
                samples[label].append(result["core_ms_per_session_s"])
                log(f"core {kind} run {r + 1}/{runs} {label}: {result['core_ms_per_session_s']:.3f} core-ms "
                    f"per session-s ({result['us_per_frame']:.1f} us/frame)")
        out[kind] = {label: spread(values) for label, values in samples.items()}
        if "baseline" in samples:
            ratios = [b / c for b, c in zip(samples["baseline"], samples["current"], strict=True)]
            out[kind]["speedup"] = spread(ratios)
    return out


def spread(values: list[float]) -> dict[str, Any]:
    arr = np.asarray(values, dtype=float)
    return {"median": round(float(np.median(arr)), 4), "min": round(float(arr.min()), 4),
            "max": round(float(arr.max()), 4), "runs": [round(float(v), 4) for v in arr]}


def log(message: str) -> None:
    print(f"[listening_cost] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ end to end (real server)
async def e2e_once(root: Path, state_dir: Path, sessions: int, seconds: float, runs: int) -> dict[str, Any]:
    """A real server from `root` on one core; idle vs `sessions` listeners, `runs` windows of `seconds`."""
    from bench.concurrency import ServerProcess
    from bench.listen_load import ListenLoad
    from bench.report import summarize

    server = ServerProcess(state_dir, root=root)
    server.start()
    load: ListenLoad | None = None
    try:
        await server.ready()
        cores = sorted(os.sched_getaffinity(0))
        server.pin({cores[0]})
        await asyncio.sleep(3.0)
        idle0, t0 = server.cpu_s(), time.monotonic()
        await asyncio.sleep(seconds)
        idle_cores = (server.cpu_s() - idle0) / (time.monotonic() - t0)
        load = ListenLoad(server.base, server.url, procs=1, cores=set(cores[1:]) or None)
        await load.start()
        connected = await load.add(sessions)
        added = connected["added"]
        await asyncio.sleep(3.0)
        rss = server.rss_mb()
        windows = []
        for _ in range(runs):
            c0, t0 = server.cpu_s(), time.monotonic()
            await asyncio.sleep(seconds)
            busy = (server.cpu_s() - c0) / (time.monotonic() - t0)
            windows.append((busy - idle_cores) * 1000 / max(added, 1))
        stats = await load.stats(window_s=seconds * runs)
        rtt = summarize(stats["rtts"])
        return {"sessions": added, "connect_failures": connected["failures"],
                "idle_server_cores": round(idle_cores, 4), "core_ms_per_session_s": windows,
                "rss_mb": round(rss, 1), "ping_rtt_p95_ms": round(rtt.get("p95", 0.0), 1),
                "loadgen_late_p95_ms": round(summarize(stats["late"]).get("p95", 0.0), 1)}
    finally:
        if load is not None:
            await load.close()
        server.stop()


def e2e_series(roots: dict[str, Path], state_dir: Path, sessions: int, seconds: float, runs: int
               ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, root in roots.items():
        result = asyncio.run(e2e_once(root, state_dir, sessions, seconds, runs))
        values = result.pop("core_ms_per_session_s")
        out[label] = {**spread(values), **result}
        log(f"e2e {label}: {out[label]['median']:.3f} core-ms per session-s over {result['sessions']} sessions "
            f"(windows {out[label]['runs']})")
    if "baseline" in out:
        out["speedup"] = round(out["baseline"]["median"] / out["current"]["median"], 2)
    return out


# ------------------------------------------------------------------ main
def build_rows(core: dict[str, Any], e2e: dict[str, Any] | None, args: argparse.Namespace) -> list[dict[str, Any]]:
    from bench.report import row

    before = f"; before = {args.baseline_commit}" if args.baseline_commit else ""
    label = (f"SessionCore fed 20 ms frames, {args.sessions} sessions x {args.seconds:.0f} s, "
             f"{args.runs} runs (median, min-max){before}")
    rows = []
    for kind in ("silence", "room"):
        c = core[kind]["current"]
        value = f"{c['median']:.2f} core-ms per session-s ({c['min']:.2f}-{c['max']:.2f})"
        if "speedup" in core[kind]:
            s = core[kind]["speedup"]
            value += f"; {s['median']:.1f}x less than before ({s['min']:.1f}-{s['max']:.1f}x)"
        rows.append(row("Listening cost", f"server core path, {kind}", value, label))
    if e2e is not None:
        c = e2e["current"]
        value = (f"{c['median']:.2f} core-ms per session-s ({c['min']:.2f}-{c['max']:.2f}) "
                 f"= {1000 / c['median']:.0f} sessions per core" if c["median"] > 0 else "n/a")
        if "speedup" in e2e:
            value += f"; {e2e['speedup']:.1f}x less than before"
        rows.append(row("Listening cost", "whole server over websockets, silence", value,
                        f"shepherd serve pinned to 1 core, {c['sessions']} sessions (each also pings once a "
                        f"second), {args.e2e_runs} windows of {args.e2e_seconds:.0f} s minus idle{before}"))
    return rows


def commit_of(root: Path) -> str | None:
    """Short git commit of a checkout (what "before" was), None outside git."""
    out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.listening_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="core: subprocess runs per signal and checkout")
    parser.add_argument("--sessions", type=int, default=50, help="core: sessions fed round-robin")
    parser.add_argument("--seconds", type=float, default=20.0, help="core: seconds of audio per session")
    parser.add_argument("--baseline-root", type=Path, default=None,
                        help="another checkout (e.g. before a change) measured alternately with this one")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--e2e-sessions", type=int, default=100)
    parser.add_argument("--e2e-seconds", type=float, default=10.0)
    parser.add_argument("--e2e-runs", type=int, default=3, help="e2e: measured windows per server")
    parser.add_argument("--state-dir", type=Path, default=None, help="e2e server state dir (bench default)")
    parser.add_argument("--profile", default=None, help="core: write a cProfile of one run (room) here and stop")
    parser.add_argument("--worker", choices=SIGNALS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(core_worker(args.worker, args.sessions, args.seconds, args.profile)))
        return 0
    if args.profile:
        print(json.dumps(run_core(ROOT, "room", args.sessions, args.seconds, args.profile)))
        return 0
    from bench.report import RESULTS_DIR, machine_info, write_result
    from bench.shoppers import DEFAULT_STATE_DIR

    roots = {"current": ROOT}
    if args.baseline_root is not None:
        roots = {"baseline": args.baseline_root.resolve(), "current": ROOT}
    machine_before = machine_info()["cpu_probe_ms"]
    args.baseline_commit = commit_of(roots["baseline"]) if "baseline" in roots else None
    core = core_series(roots, args.runs, args.sessions, args.seconds)
    e2e = None if args.skip_e2e else e2e_series(roots, args.state_dir or DEFAULT_STATE_DIR, args.e2e_sessions,
                                                  args.e2e_seconds, args.e2e_runs)
    setup = {"runs": args.runs, "signals": list(SIGNALS), "frame_ms": FRAME_MS, "rate": RATE,
             "core_sessions": args.sessions, "core_seconds": args.seconds,
             "e2e": None if e2e is None else {"sessions": args.e2e_sessions, "seconds": args.e2e_seconds,
                                              "windows": args.e2e_runs, "server": "pinned to 1 core"},
             "baseline_root": str(roots.get("baseline", "")) or None,
             "commits": {label: commit_of(root) for label, root in roots.items()},
             "cpu_probe_ms_before": machine_before}
    results = {"core": core, "e2e": e2e}
    path = write_result("listening_cost", setup, results, build_rows(core, e2e, args),
                        out_dir=args.out_dir or RESULTS_DIR)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
