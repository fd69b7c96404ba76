"""Concurrency: simulated shoppers and listening-only sessions against a real server (issue #7, part 2).

    python -m bench.concurrency [--max-n 40] [--step 5] [--duration-s 40] [--quick]

The server runs as a subprocess (``shepherd serve``: embedded Postgres + Valkey, Whisper, Piper)
and this process is the load generator, so the two never share a GIL.

1. **Shoppers.** N authenticated websocket sessions, each a microphone streaming 20 ms frames in
   real time: a fixture utterance about every ``--period-s`` (10 s), silence in between; a reply
   still playing when the next question is due is cancelled first. N ramps 1, S, 2S, ... until
   p95 voice-to-voice exceeds 1.5 s or anything is dropped: a turn without a full answer (no turn,
   empty transcript, no reply audio, an error), reply audio the server dropped (``audio_end``
   reason ``dropped`` / ``slow_client``) or that never arrived (fewer bytes than ``audio_end`` says),
   a session closed under it, or the server's own ``slow_client`` / 4429 counters moving.
2. **Listening-only.** The server (every thread) is pinned to one core and the load generator to
   the other; sessions stream silence in real time, each sending an in-band ``ping`` every second.
   The server answers a ping only after every frame sent before it, so the ping round trip is how
   far frame processing lags behind real time. Sessions ramp until that lag's p95 exceeds 200 ms.
   Memory per session = growth of the server's RSS / sessions.

Each ramp step also reports the server's CPU per answered turn by stage (VAD, ASR, understanding, shop,
TTS, protocol, total; core-milliseconds, from ``shepherd_cpu_seconds_total{stage}``: ``cpu_per_turn``).

   The load generator is ``bench.listen_load`` (worker processes writing one prebuilt masked frame per
   socket and tick, no client connection-pool limit: aiohttp's default pool of 100 connections is what
   stopped this ramp at 100 sessions before). Each step records connect failures by kind (close code /
   HTTP status: which limit), the load generator's lateness and CPU, the server's CPU per session-second;
   ``results["stopped_by"]`` says what ended the ramp: ``refused``, ``closed``, ``loadgen``,
   ``server_cpu`` or ``server_lag`` (``none`` when every step kept up).

Writes ``bench/results/concurrency.json`` with per-N series in ``results["ramp"]`` and
``results["listening"]`` for bench/plots.py. A run with ``--skip-shoppers`` (or ``--skip-listening``)
keeps the skipped ramp's numbers and rows from the file it replaces (``setup["merged_from"]``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import psutil
from prometheus_client.parser import text_string_to_metric_families

from bench.listen_load import CONNECT_TIMEOUT_S, ListenLoad
from bench.report import RESULTS_DIR, machine_info, row, summarize, write_result
from bench.shoppers import (
    DEFAULT_STATE_DIR,
    FRAME_MS,
    ROOT,
    STAGES,
    Shopper,
    TurnSample,
    Utterance,
    load_utterances,
    stop_reply,
    wait_answer,
)
from voice_server.tools.replay import wait_ready

P95_LIMIT_MS = 1500.0
LAG_LIMIT_MS = 200.0
GOAL_SHOPPERS = 25
GOAL_LISTENING = 500
ANSWER_TIMEOUT_S = 90.0


def log(message: str) -> None:
    print(f"[concurrency] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the server subprocess
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``shepherd serve`` in a subprocess; its threads can be pinned to cores."""

    def __init__(self, state_dir: Path, port: int | None = None, tts_cache: bool = False,
                 root: Path = ROOT, profile: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.state_dir = state_dir
        self.env = dict(env or {})  # extra SHEPHERD_* settings of this server (--server-env)
        self.root = root  # the checkout whose code the server runs (bench.listening_cost --baseline-root)
        self.profile = profile  # cProfile output of the whole server run (written at SIGTERM)
        self.tts_cache = tts_cache
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"ws://127.0.0.1:{self.port}/ws/voice"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = state_dir / "bench-server.log"

    def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHEPHERD_")}
        env.update({
            "SHEPHERD_STATE_DIR": str(self.state_dir), "SHEPHERD_LOG_LEVEL": "warning",
            "SHEPHERD_MAX_SESSIONS": "100000", "SHEPHERD_RATE_LIMIT_PER_MINUTE": "1000000",
            # the ramp measures past capacity: admission control (voice_server.platform.capacity) must not refuse
            "SHEPHERD_MAX_TALKING_SESSIONS": "100000", "SHEPHERD_ADMISSION_CPU_MAX": "0",
            "SHEPHERD_ADMISSION_QUEUE_MAX": "0",
            # a handful of fixtures repeat the same replies far more than real shoppers do: the phrase
            # cache would flatter TTS, so it is off unless --tts-cache
            "SHEPHERD_TTS_CACHE_MB": "32" if self.tts_cache else "0",
            "PYTHONPATH": str(self.root),
        })
        env.update(self.env)
        profiling = ["-m", "cProfile", "-o", str(self.profile)] if self.profile is not None else []
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *profiling, "-m", "voice_server.tools.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port)], cwd=self.root, env=env, stdout=out, stderr=subprocess.STDOUT,
            )

    async def ready(self, timeout_s: float = 600.0) -> None:
        task = asyncio.create_task(wait_ready(self.base, timeout_s))
        while not task.done():
            if self.proc is not None and self.proc.poll() is not None:
                task.cancel()
                raise RuntimeError(f"server exited ({self.proc.returncode}); see {self.log_path}")
            await asyncio.sleep(0.5)
        await task

    @property
    def process(self) -> psutil.Process:
        assert self.proc is not None
        return psutil.Process(self.proc.pid)

    def pin(self, cores: set[int] | None) -> None:
        """Pin every thread of the server (new threads inherit it); None = every core."""
        assert self.proc is not None
        target = cores or set(range(os.cpu_count() or 1))
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(tid), target)

    def rss_mb(self) -> float:
        return self.process.memory_info().rss / 2**20

    def cpu_s(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


async def server_counters(base: str) -> dict[str, float]:
    """The server's own drop counters from /metrics: slow_client errors, closes by code."""
    async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as response:
        text = await response.text()
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "shepherd_voice_errors_total" and sample.labels.get("code") == "slow_client":
                out["slow_client"] = sample.value
            elif sample.name == "shepherd_voice_closes_total":
                out[f"close_{sample.labels.get('code')}"] = sample.value
            elif sample.name == "shepherd_cpu_seconds_total":
                out[f"cpu_{sample.labels.get('stage')}"] = sample.value
            elif sample.name == "shepherd_asr_decodes_total":
                out[f"work_asr_{sample.labels.get('kind')}"] = sample.value
            elif sample.name == "shepherd_tts_audio_seconds_total":
                out[f"work_tts_{sample.labels.get('use')}_s"] = sample.value
            elif sample.name.startswith("shepherd_gc_pause_seconds_") and sample.labels.get("generation") == "2":
                if sample.name.endswith(("_count", "_sum")):
                    out[f"gc_full_{sample.name.rsplit('_', 1)[1]}"] = sample.value
    return out


def work_per_turn(counters: dict[str, float], turns: int) -> dict[str, float]:
    """Whisper decodes by kind and seconds of reply audio synthesised, per answered turn (from
    ``shepherd_asr_decodes_total`` and ``shepherd_tts_audio_seconds_total``); pops the work_* entries."""
    work = {k.removeprefix("work_"): counters.pop(k) for k in [k for k in counters if k.startswith("work_")]}
    return {k: round(v / turns, 2) for k, v in sorted(work.items())} if turns > 0 else {}


CPU_STAGES = ("vad", "asr", "understanding", "shop", "tts", "protocol")


def cpu_per_turn(counters: dict[str, float], turns: int) -> dict[str, float | None]:
    """Core-milliseconds per answered turn by stage, from the deltas of the server's
    ``shepherd_cpu_seconds_total{stage}`` over a step (voice_server/platform/cpu_budget.py says what each counts);
    pops the cpu_* entries from ``counters``. asr = process - loop - tts (off-loop threads other than
    Piper's), shop = dialogue - understanding, protocol = loop - vad - dialogue, total = process."""
    cpu = {k.removeprefix("cpu_"): counters.pop(k) for k in [k for k in counters if k.startswith("cpu_")]}
    if turns <= 0 or "process" not in cpu:
        return {stage: None for stage in (*CPU_STAGES, "total")}
    get = cpu.get
    derived = {
        "vad": get("vad", 0.0), "asr": get("process", 0.0) - get("loop", 0.0) - get("tts", 0.0),
        "understanding": get("understanding", 0.0), "shop": get("dialogue", 0.0) - get("understanding", 0.0),
        "tts": get("tts", 0.0), "protocol": get("loop", 0.0) - get("vad", 0.0) - get("dialogue", 0.0),
        "total": get("process", 0.0),
    }
    return {stage: round(max(0.0, seconds) * 1000 / turns, 1) for stage, seconds in derived.items()}


async def server_info(base: str) -> dict[str, str]:
    """ASR model and TTS engine as the server's /readyz reports them."""
    async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
        checks = (await response.json()).get("checks", {})
    return {"asr": str(checks.get("asr", {}).get("model", "?")), "tts": str(checks.get("tts", {}).get("engine", "?"))}


def counter_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0)}


# ------------------------------------------------------------------ shoppers ramp
def ramp_steps(max_n: int, step: int) -> list[int]:
    """1, step, 2*step, ... up to max_n."""
    return sorted({1, *range(step, max_n + 1, step)} | ({max_n} if max_n >= 1 else set()))


def step_summary(n: int, samples: list[TurnSample], failed_sessions: int, counters: dict[str, float],
                 late_ms: float) -> dict[str, Any]:
    """One ramp step: latency over answered turns, stage medians, and every kind of drop."""
    records = [s.record() for s in samples]
    ok = [r for r in records if r["outcome"] == "ok" and r["v2v_ms"] is not None]
    outcomes: dict[str, int] = {}
    for r in records:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    server_drops = counters.get("slow_client", 0) + counters.get("close_4429", 0)
    dropped = len(records) - len(ok) + failed_sessions + int(server_drops)
    v2v = summarize([r["v2v_ms"] for r in ok])
    split = [r["breakdown"] for r in ok if r["breakdown"]]
    batch = [r["server"].get("asr_batch_size") for r in ok if r["server"].get("asr_batch_size")]
    return {
        "n": n, "turns": len(records), "answered": len(ok),
        "p50": round(v2v["p50"], 1) if v2v["n"] else None,
        "p95": round(v2v["p95"], 1) if v2v["n"] else None,
        "dropped": dropped, "outcomes": outcomes, "failed_sessions": failed_sessions,
        "server_counters": counters,
        "breakdown_median_ms": {s: round(statistics.median(b[s] for b in split), 1) if split else None
                                for s in STAGES},
        "asr_batch_mean": round(float(np.mean(batch)), 2) if batch else None,
        # reply audio later than a player with a 100 ms buffer needed it (bench.shoppers.PLAYER_BUFFER_S)
        "gap_ms_p95": round(float(np.percentile([r["gap_ms"] for r in ok], 95)), 1) if ok else None,
        "turns_with_gap_over_100_ms": sum(1 for r in ok if r["gap_ms"] > 100.0),
        "mic_late_ms_max": round(late_ms, 1),
        # where the tail comes from: the slowest answered turns, stage by stage
        "slowest": [{k: r[k] for k in ("fixture", "v2v_ms", "breakdown", "end_reason")}
                    for r in sorted(ok, key=lambda r: -r["v2v_ms"])[:3]],
    }


def holds(step: dict[str, Any]) -> bool:
    return step["p95"] is not None and step["p95"] <= P95_LIMIT_MS and step["dropped"] == 0


def held_through(ramp: list[dict[str, Any]]) -> int:
    """Shoppers held: the largest N whose step and every smaller step held (a --keep-going ramp may
    pass a larger N by luck after a failure; that does not count)."""
    held = 0
    for step in ramp:
        if not step["holds"]:
            break
        held = step["n"]
    return held


async def shopper_loop(shopper: Shopper, utterances: list[Utterance], first: int, offset_s: float,
                       period_s: float, deadline: float) -> None:
    """Speak every ``period_s`` until ``deadline``; cut a reply still playing before the next question."""
    await asyncio.sleep(offset_s)
    k = first
    previous: TurnSample | None = None
    while True:
        utterance = utterances[k % len(utterances)]
        if time.monotonic() + utterance.duration_s > deadline:
            break
        if previous is not None:
            await stop_reply(shopper, previous)
        started = time.monotonic()
        sample = shopper.say(utterance)
        await wait_answer(sample, ANSWER_TIMEOUT_S)
        previous = sample
        if shopper.failure is not None:
            return
        k += 1
        await asyncio.sleep(max(0.5, started + period_s - time.monotonic()))
    if previous is not None:
        await stop_reply(shopper, previous)


async def connect_all(url: str, n: int, parallel: int = 8) -> tuple[list[Shopper], int]:
    gate = asyncio.Semaphore(parallel)

    async def one(i: int) -> Shopper | None:
        async with gate:
            try:
                return await Shopper.connect(url, name=f"bench-shopper-{i}")
            except Exception as exc:
                log(f"shopper {i} could not connect: {exc!r}")
                return None

    shoppers = await asyncio.gather(*(one(i) for i in range(n)))
    ok = [s for s in shoppers if s is not None]
    return ok, n - len(ok)


async def shopper_step(server: ServerProcess, n: int, utterances: list[Utterance], duration_s: float,
                       period_s: float, rng: random.Random) -> dict[str, Any]:
    before = await server_counters(server.base)
    shoppers, failed = await connect_all(server.url, n)
    cpu0, t0 = server.cpu_s(), time.monotonic()
    deadline = t0 + duration_s
    loops = [shopper_loop(s, utterances, first=rng.randrange(len(utterances)),
                          offset_s=rng.uniform(0, min(period_s, duration_s / 2)), period_s=period_s,
                          deadline=deadline) for s in shoppers]
    await asyncio.gather(*loops)
    cpu = (server.cpu_s() - cpu0) / (time.monotonic() - t0)
    rss = server.rss_mb()
    failed += sum(1 for s in shoppers if s.failure is not None)
    samples = [x for s in shoppers for x in s.samples]
    late = max((s.late_ms_max for s in shoppers), default=0.0)
    await asyncio.gather(*(s.close() for s in shoppers))
    await asyncio.sleep(1.0)
    counters = counter_delta(before, await server_counters(server.base))
    counters.pop("close_1000", None)  # our own goodbyes
    answered = sum(1 for s in samples if s.record()["outcome"] == "ok")
    cpu_ms = cpu_per_turn(counters, answered)
    work = work_per_turn(counters, answered)
    full_gcs, gc_s = counters.pop("gc_full_count", 0.0), counters.pop("gc_full_sum", 0.0)
    step = step_summary(n, samples, failed, counters, late)
    step.update(rss_mb=round(rss, 1), server_cpu_cores=round(cpu, 2), cpu_ms_per_turn=cpu_ms, work_per_turn=work,
                full_gc={"collections": int(full_gcs), "mean_ms": round(gc_s / full_gcs * 1000, 1) if full_gcs else None})
    return step


# ------------------------------------------------------------------ listening-only ramp
LIMIT_NAMES = {
    "close_4503_server_full": "SHEPHERD_MAX_SESSIONS (or admission control): close 4503",
    "close_4429_pending_handshakes": "per-address pending-handshake limit (SHEPHERD_MAX_PENDING_HANDSHAKES): close 4429",
    "guest_token_http_429_rate_limit": "REST rate limit on guest tokens: HTTP 429",
    "connect_timeout": f"connect + hello not done within {CONNECT_TIMEOUT_S:.0f} s",
}
SATURATED = 0.9
"""A core busy this share of the time counts as saturated (server or load generator)."""


def stopped_by(step: dict[str, Any], loadgen_cores: int) -> dict[str, Any]:
    """Why a listening step did not keep up, most fundamental cause first: a connect refused (by which
    limit), sessions the server closed, the load generator falling behind real time, the server's core
    saturated, or the server lagging with CPU to spare."""
    n = step["target"]
    if step["failures"]:
        kinds = ", ".join(f"{LIMIT_NAMES.get(k, k)} x{c}" for k, c in sorted(step["failures"].items()))
        busy = step["server_cpu_cores"] >= SATURATED
        return {"kind": "refused", "at": n, "failures": step["failures"],
                "detail": f"connections refused: {kinds}" + (" (server core saturated)" if busy else "")}
    if step["closed"]:
        return {"kind": "closed", "at": n, "detail": f"the server closed sessions: codes {step['close_codes']}"}
    if step["loadgen_limited"]:
        return {"kind": "loadgen", "at": n,
                "detail": f"load generator behind real time: tick late p95 {step['loadgen_late_p95_ms']} ms, "
                          f"{step['loadgen_cpu_cores']} of {loadgen_cores} cores"}
    lag = (f"ping lag p95 {step['lag_p95_ms']} ms > {LAG_LIMIT_MS:.0f} ms"
           if step["lag_p95_ms"] is None or step["lag_p95_ms"] > LAG_LIMIT_MS
           else f"{step['unanswered_pings']} pings unanswered after {LAG_LIMIT_MS:.0f} ms (lag p95 "
                f"{step['lag_p95_ms']} ms, max {step.get('lag_max_ms')} ms)")
    if step["server_cpu_cores"] >= SATURATED:
        return {"kind": "server_cpu", "at": n,
                "detail": f"server core saturated ({step['server_cpu_cores']} cores): {lag}"}
    return {"kind": "server_lag", "at": n, "detail": f"{lag} at {step['server_cpu_cores']} server cores"}


def _maybe(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def listening_steps(spec: str) -> list[int]:
    return sorted({int(x) for x in spec.split(",") if x.strip()})


def memory_slope_kb(baseline_mb: float, steps: list[dict[str, Any]]) -> float | None:
    """Server memory per session (KiB): least-squares slope of RSS over open sessions across the steps
    (the first sessions' one-off allocations stay out of it); from the baseline with a single step."""
    points = [(s["n"], s["rss_mb"]) for s in steps if s["n"] > 0]
    if len(points) == 1:
        points.insert(0, (0, baseline_mb))
    if len(points) < 2:
        return None
    n, rss = np.array(points, dtype=float).T
    return round(float(np.polyfit(n, rss, 1)[0]) * 1024, 1)


async def listening_ramp(server: ServerProcess, steps: list[int], duration_s: float, procs: int,
                         loadgen_cores: set[int] | None) -> tuple[list[dict[str, Any]], float, dict[str, Any]]:
    """Add sessions step by step (keeping the earlier ones) until frame processing lags real time or
    sessions are refused; returns the steps, the server's RSS (MB) before the first session and why
    the ramp stopped (`stopped_by`)."""
    load = ListenLoad(server.base, server.url, procs=procs, cores=loadgen_cores)
    n_loadgen = len(loadgen_cores) if loadgen_cores else (os.cpu_count() or 1)
    results: list[dict[str, Any]] = []
    why: dict[str, Any] = {"kind": "none", "at": None, "detail": "every step kept up"}
    try:
        await asyncio.sleep(2.0)
        rss0 = prev_rss = server.rss_mb()
        prev_n = 0
        await load.start()
        for n in steps:
            added = await load.add(n - load.requested)
            before = await load.stats(window_s=0.0)
            log(f"listening: {before['open']} sessions open ({added['added']} added in {added['connect_s']} s, "
                f"failures {added['failures'] or 'none'}); measuring {duration_s:.0f} s")
            await asyncio.sleep(2.0)  # settle after the connection burst
            t0, cpu0 = time.monotonic(), server.cpu_s()
            gen0 = (await load.stats(window_s=0.0))["cpu_s"]
            await asyncio.sleep(duration_s)
            t1 = time.monotonic()
            st = await load.stats(window_s=t1 - t0, lag_limit_s=LAG_LIMIT_MS / 1000)
            lag = summarize(st["rtts"])
            late = summarize(st["late"])
            rss = server.rss_mb()
            sessions = st["open"]
            cores = (server.cpu_s() - cpu0) / (t1 - t0)
            step = {
                "n": sessions, "target": n, "lag_p50_ms": _maybe(lag.get("p50")),
                "lag_p95_ms": _maybe(lag.get("p95")), "lag_max_ms": _maybe(lag.get("max")),
                "pings": lag["n"], "unanswered_pings": st["stuck"],
                "server_cpu_cores": round(cores, 2),
                "server_core_ms_per_session_s": round(cores * 1000 / sessions, 3) if sessions else None,
                "rss_mb": round(rss, 1),
                "rss_per_session_kb": round((rss - prev_rss) * 1024 / max(sessions - prev_n, 1), 1),
                "loadgen_late_p95_ms": round(late.get("p95", 0.0), 1),
                "loadgen_cpu_cores": round((st["cpu_s"] - gen0) / (time.monotonic() - t0), 2),
                "loadgen_procs": procs,
                "failures": added["failures"], "connect_s": added["connect_s"],
                "closed": st["closed"], "close_codes": st["close_codes"],
            }
            step["keeps_up"] = (lag["n"] > 0 and lag["p95"] <= LAG_LIMIT_MS and st["stuck"] == 0
                                and step["closed"] == 0 and sessions >= n)
            step["loadgen_limited"] = (step["loadgen_late_p95_ms"] > FRAME_MS
                                       or step["loadgen_cpu_cores"] >= SATURATED * n_loadgen)
            results.append(step)
            prev_rss, prev_n = rss, sessions
            log(f"listening {sessions}: lag p50 {step['lag_p50_ms']} / p95 {step['lag_p95_ms']} ms, "
                f"server cpu {step['server_cpu_cores']} cores ({step['server_core_ms_per_session_s']} core-ms per "
                f"session-s), rss {step['rss_mb']} MB, loadgen late p95 {step['loadgen_late_p95_ms']} ms at "
                f"{step['loadgen_cpu_cores']} cores -> {'keeps up' if step['keeps_up'] else 'falls behind'}")
            if not step["keeps_up"]:
                why = stopped_by(step, n_loadgen)
                log(f"listening ramp stopped by {why['kind']}: {why['detail']}")
                break
    finally:
        await load.close()
    return results, rss0, why


# ------------------------------------------------------------------ the whole benchmark
@contextlib.contextmanager
def affinity(cores: set[int] | None) -> Iterator[None]:
    """Pin this process's threads (the load generator) for the duration."""
    if cores is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    utterances = load_utterances("quick", args.fixtures_limit)
    server_env = dict(item.split("=", 1) for item in args.server_env)
    server = ServerProcess(args.state_dir, tts_cache=args.tts_cache, root=args.server_root or ROOT, env=server_env)
    log(f"starting shepherd serve on port {server.port} (state dir {args.state_dir}); log {server.log_path}")
    server.start()
    ramp: list[dict[str, Any]] = []
    listening: list[dict[str, Any]] = []
    why: dict[str, Any] | None = None
    rss0 = 0.0
    info: dict[str, str] = {}
    try:
        started = time.monotonic()
        await server.ready()
        info = await server_info(server.base)
        log(f"server ready in {time.monotonic() - started:.0f} s ({info}); warm-up turn")
        warm = await Shopper.connect(server.url, name="bench-warmup")
        sample = warm.say(utterances[0])
        await wait_answer(sample, 120)
        await stop_reply(warm, sample)
        await warm.close()
        rng = random.Random(args.seed)
        if not args.skip_shoppers:
            for n in ramp_steps(args.max_n, args.step):
                log(f"shoppers: N={n} for {args.duration_s:.0f} s")
                step = await shopper_step(server, n, utterances, args.duration_s, args.period_s, rng)
                step["holds"] = holds(step)
                ramp.append(step)
                log(f"N={n}: p50 {step['p50']} / p95 {step['p95']} ms over {step['answered']}/{step['turns']} "
                    f"turns, dropped {step['dropped']} {step['outcomes']}, cpu {step['server_cpu_cores']} cores "
                    f"-> {'holds' if step['holds'] else 'fails'}")
                if not step["holds"] and not args.keep_going:
                    break
        if not args.skip_listening:
            cores = sorted(os.sched_getaffinity(0))
            server_core = {cores[0]}
            loadgen_cores = set(cores[1:]) or None
            server.pin(server_core)
            log(f"listening-only: server pinned to core {cores[0]}, load generator to {sorted(loadgen_cores or [])}")
            procs = args.loadgen_procs or max(1, len(loadgen_cores or ()))
            with affinity(loadgen_cores):
                listening, rss0, why = await listening_ramp(server, listening_steps(args.listen_steps),
                                                            args.listen_duration_s, procs, loadgen_cores)
            server.pin(None)
    finally:
        server.stop()
    return {"ramp": ramp, "listening": listening, "listening_rss0_mb": round(rss0, 1), "server": info,
            "cores_split": len(os.sched_getaffinity(0)) > 1, "stopped_by": why}


def build_result(args: argparse.Namespace, outcome: dict[str, Any]
                 ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    ramp, listening = outcome["ramp"], outcome["listening"]
    max_shoppers = held_through(ramp)
    kept = [s["n"] for s in listening if s["keeps_up"]]
    max_listening = max(kept) if kept else 0
    limit_reached_shoppers = bool(ramp) and not ramp[-1]["holds"]
    limit_reached_listening = bool(listening) and not listening[-1]["keeps_up"]
    cores = machine_info()["cores"]
    setup = {
        "model": f"whisper {outcome['server'].get('asr', '?')}", "tts": outcome["server"].get("tts", "?"), "shopper_fixtures": args.fixtures_limit or "quick (8)",
        "period_s": args.period_s, "duration_s_per_step": args.duration_s, "ramp": ramp_steps(args.max_n, args.step),
        "listening_steps": listening_steps(args.listen_steps), "listening_duration_s": args.listen_duration_s,
        "limits": {"p95_ms": P95_LIMIT_MS, "dropped": 0, "lag_p95_ms": LAG_LIMIT_MS},
        "server": "shepherd serve subprocess (all cores for shoppers; one pinned core for listening)",
        "load_generator": "this process for shoppers; for listening bench.listen_load worker processes (one "
                          "prebuilt masked frame written to each socket per tick, no client pool limit)"
                          + (" pinned to the cores the server is not on" if outcome["cores_split"]
                             else " on the same core: machine has one"),
        "loadgen_procs": args.loadgen_procs or "one per load-generator core",
        "endpointing": "server VAD (trailing silence)", "tts_cache": args.tts_cache, "replies": "cut by cancel when the next question is due",
        "runs": 1,
        "server_root": str(args.server_root) if args.server_root else None,
        "server_env": dict(item.split("=", 1) for item in args.server_env),
    }
    results = {
        "max_shoppers": max_shoppers, "shopper_limit_reached": limit_reached_shoppers,
        "max_listening_sessions": max_listening, "listening_limit_reached": limit_reached_listening,
        "rss_per_session_kb": memory_slope_kb(outcome["listening_rss0_mb"], listening),
        "stopped_by": outcome.get("stopped_by"),
        "listening_core_ms_per_session_s": next((s["server_core_ms_per_session_s"] for s in reversed(listening)
                                                 if s["keeps_up"]), None),
        "listening_rss0_mb": outcome["listening_rss0_mb"],
        "ramp": ramp, "listening": listening,
    }
    rows = []
    if ramp:
        where = next((s for s in reversed(ramp) if s["holds"]), ramp[0])
        split = where["breakdown_median_ms"]
        label = f"{cores} cores, utterance every {args.period_s:.0f} s, {args.duration_s:.0f} s per step"
        rows.append(row("Concurrency", "shoppers held (p95 <= 1.5 s, nothing dropped)",
                        f"{max_shoppers}{'' if limit_reached_shoppers else '+'}", label,
                        goal=f">= {GOAL_SHOPPERS}", met=max_shoppers >= GOAL_SHOPPERS))
        if all(v is not None for v in split.values()):
            rows.append(row("Concurrency", f"median breakdown at N={where['n']}: endpoint / ASR / NLU+shop / TTS / "
                            "transport", " / ".join(f"{split[s]:.0f}" for s in STAGES) + " ms", label))
    if listening:
        label = "server pinned to 1 core, 20 ms frames of silence, in-band ping lag p95 <= 200 ms"
        why = outcome.get("stopped_by") or {}
        stop = f"; stopped by {why['kind']} at {why['at']}: {why['detail']}" if why.get("at") else ""
        rows.append(row("Concurrency", LISTENING_METRICS[0],
                        f"{max_listening}{'' if limit_reached_listening else '+'}", label + stop,
                        goal=f">= {GOAL_LISTENING}", met=max_listening >= GOAL_LISTENING))
        if results["listening_core_ms_per_session_s"] is not None:
            rows.append(row("Concurrency", LISTENING_METRICS[2],
                            f"{results['listening_core_ms_per_session_s']:.2f} core-ms per session-second", label))
        if results["rss_per_session_kb"] is not None:
            rows.append(row("Concurrency", LISTENING_METRICS[1],
                            f"{results['rss_per_session_kb']:.0f} KiB", label))
    return setup, results, rows


LISTENING_METRICS = ("listening-only sessions on one core", "memory per session (server RSS growth)",
                     "server CPU per listening session (largest step that kept up)")


def merge_previous(path: Path, results: dict[str, Any], rows: list[dict[str, Any]], setup: dict[str, Any],
                   skip_shoppers: bool, skip_listening: bool) -> None:
    """A run that skipped one ramp keeps that ramp's numbers and rows from the file it replaces (so
    ``--skip-shoppers`` does not wipe the shopper ramp); ``setup["merged_from"]`` says what came from
    which older run."""
    if not (skip_shoppers or skip_listening) or not path.exists():
        return
    old = json.loads(path.read_text())
    old_results, old_rows = old.get("results") or {}, old.get("rows") or []
    listening_row = [r.get("metric") in LISTENING_METRICS for r in old_rows]
    kept: list[dict[str, Any]] = []
    if skip_shoppers and old_results.get("ramp"):
        for key in ("max_shoppers", "shopper_limit_reached", "ramp"):
            results[key] = old_results.get(key)
        kept += [r for r, lis in zip(old_rows, listening_row, strict=True) if not lis]
        setup["merged_from"] = {"shoppers": ((old.get("setup") or {}).get("merged_from") or {}).get("shoppers")
                                or old.get("created")}
    if skip_listening and old_results.get("listening"):
        for key in ("max_listening_sessions", "listening_limit_reached", "rss_per_session_kb",
                    "listening_rss0_mb", "listening", "stopped_by", "listening_core_ms_per_session_s"):
            if key in old_results:
                results[key] = old_results[key]
        rows[:] = [r for r in rows if r.get("metric") not in LISTENING_METRICS]
        rows += [r for r, lis in zip(old_rows, listening_row, strict=True) if lis]
        setup["merged_from"] = {**(setup.get("merged_from") or {}), "listening": (
            (old.get("setup") or {}).get("merged_from") or {}).get("listening") or old.get("created")}
    rows[:0] = kept


def human_table(results: dict[str, Any]) -> str:
    lines = [f"{'N':>4} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'drop':>5} {'cpu':>5} {'rss MB':>7}  "
             + " / ".join(STAGES)]
    for s in results["ramp"]:
        split = " / ".join(f"{v:.0f}" if v is not None else "-" for v in s["breakdown_median_ms"].values())
        lines.append(f"{s['n']:>4} {s['turns']:>6} {s['p50'] or 0:>8.0f} {s['p95'] or 0:>8.0f} {s['dropped']:>5} "
                     f"{s['server_cpu_cores']:>5.2f} {s['rss_mb']:>7.0f}  {split}")
    lines.append(f"shoppers held (every step up to N held): {results['max_shoppers']}")
    lines.append("CPU core-ms per answered turn: " + " / ".join((*CPU_STAGES, "total")))
    for s in results["ramp"]:
        budget = s.get("cpu_ms_per_turn") or {}
        work = ", ".join(f"{k} {v:g}" for k, v in (s.get("work_per_turn") or {}).items())
        lines.append(f"{s['n']:>4}  " + " / ".join(f"{budget[k]:.0f}" if budget.get(k) is not None else "-"
                                                 for k in (*CPU_STAGES, "total")) + (f"   per turn: {work}" if work else ""))
    if results["listening"]:
        lines.append("")
        lines.append(f"{'sessions':>8} {'lag p50':>8} {'lag p95':>8} {'cpu':>5} {'rss MB':>7} {'KiB/sess':>8} {'ok':>4}")
        for s in results["listening"]:
            lag50, lag95 = (f"{v:.1f}" if v is not None else "-" for v in (s["lag_p50_ms"], s["lag_p95_ms"]))
            lines.append(f"{s['n']:>8} {lag50:>8} {lag95:>8} {s['server_cpu_cores']:>5.2f} "
                         f"{s['rss_mb']:>7.0f} {s['rss_per_session_kb']:>8.1f} {'yes' if s['keeps_up'] else 'no':>4}")
        lines.append(f"listening-only sessions one core sustains: {results['max_listening_sessions']}")
        why = results.get("stopped_by") or {}
        lines.append(f"stopped by: {why.get('kind')} at {why.get('at')}: {why.get('detail')}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__.split("\n")[0])
    parser.add_argument("--max-n", type=int, default=40, help="largest number of shoppers tried (default 40)")
    parser.add_argument("--step", type=int, default=5, help="ramp step (default 5: 1, 5, 10, ...)")
    parser.add_argument("--duration-s", type=float, default=30.0, help="seconds per ramp step (default 30)")
    parser.add_argument("--period-s", type=float, default=10.0, help="seconds between a shopper's questions")
    parser.add_argument("--listen-steps", default="100,250,500,750,1000,1500",
                        help="listening-only session counts, comma-separated")
    parser.add_argument("--listen-duration-s", type=float, default=8.0,
                        help="seconds measured per listening step (default 8)")
    parser.add_argument("--fixtures-limit", type=int, default=None, help="only the first K quick fixtures")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR,
                        help="state dir of the server (default .shepherd/bench, kept between runs)")
    parser.add_argument("--keep-going", action="store_true", help="ramp shoppers to --max-n even past a failure")
    parser.add_argument("--skip-shoppers", action="store_true")
    parser.add_argument("--skip-listening", action="store_true")
    parser.add_argument("--loadgen-procs", type=int, default=0,
                        help="listening load-generator processes (default: one per core the server is not on)")
    parser.add_argument("--server-root", type=Path, default=None,
                        help="run the server from another checkout (e.g. before a change); default this one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server-env", action="append", default=[], metavar="SHEPHERD_X=VALUE",
                        help="a setting of the server under test (repeatable), e.g. SHEPHERD_ASR_CPU_THREADS=1")
    parser.add_argument("--tts-cache", action="store_true",
                        help="keep the server's phrase cache on (off by default: the fixtures repeat replies)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: N 1..2 for 12 s each, 10 and 20 listening sessions for 4 s")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR, help="where the JSON result goes")
    args = parser.parse_args(argv)
    if args.quick:
        args.max_n, args.step, args.duration_s, args.period_s = min(args.max_n, 2), 1, 12.0, 8.0
        args.listen_steps, args.listen_duration_s = "10,20", 4.0
    return args


def main(argv: list[str] | None = None) -> int:
    from voice_server.platform.logs import configure_logging

    configure_logging("warning", "console")
    args = parse_args(argv)
    outcome = asyncio.run(run(args))
    setup, results, rows = build_result(args, outcome)
    merge_previous(args.out_dir / "concurrency.json", results, rows, setup, args.skip_shoppers, args.skip_listening)
    path = write_result("concurrency", setup, results, rows, out_dir=args.out_dir)
    print(human_table(results))
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
