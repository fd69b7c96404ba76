"""Voice-to-voice latency through a real server and websocket (issue #7, part 1).

    python -m bench.voice_latency [--runs 3] [--fixtures quick|all] [--quick] [--server-url URL]

Without ``--server-url`` the whole app is served in-process on a free port (embedded Postgres +
Valkey under ``--state-dir``, default ``.shepherd/bench``, the default Whisper model and Piper voice), and
one untimed turn warms ASR, the dialogue, the catalog and TTS up. Each run is one conversation:
every fixture utterance is streamed in real time (20 ms frames paced like a microphone, silence
in between) over one websocket, and the server ends each turn by itself (VAD endpointing).

Voice-to-voice = the client sent the frame holding the last speech sample -> the first reply
audio byte arrived at the client. The breakdown (endpointing, ASR, understanding + commerce, TTS
first byte, transport) comes from the server's per-turn ``metrics`` message; see
``bench.shoppers.breakdown``. Writes ``bench/results/voice_latency.json`` (bench/report.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.report import RESULTS_DIR, machine_info, ms, row, summarize, write_result
from bench.shoppers import (
    DEFAULT_STATE_DIR,
    STAGES,
    Shopper,
    TurnSample,
    Utterance,
    load_utterances,
    stop_reply,
    wait_answer,
    wait_turn,
)
from voice_server.tools.replay import wait_ready
from voice_server.tools.voice_client import http_base

GOAL_P50_MS = 500.0  # issue 17: p50 voice-to-voice <= 500 ms
TURN_TIMEOUT_S = 60.0
GAP_S = 0.6
"""Silence streamed after a reply before the next utterance starts."""


def log(message: str) -> None:
    print(f"[voice_latency] {message}", file=sys.stderr, flush=True)


@dataclass
class ServerInfo:
    url: str
    model: str
    device: str
    compute_type: str
    tts: str


@contextlib.asynccontextmanager
async def in_process_server(state_dir: Path, tts_cache: bool = False) -> AsyncIterator[ServerInfo]:
    """The full app with speech loaded, on a free loopback port; the phrase cache off unless `tts_cache`
    (every run repeats the same replies, which real shoppers do not: the cache would flatter runs 2+)."""
    from voice_server.app import create_app
    from voice_server.platform.app_state import APP_STATE
    from voice_server.platform.settings import Settings

    settings = Settings(state_dir=state_dir, port=0, **({} if tts_cache else {"tts_cache_mb": 0}))  # rest: environment
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        url = f"ws://{host}:{port}/ws/voice"
        await wait_ready(http_base(url), timeout_s=600)
        state = app[APP_STATE]
        engine = getattr(state.asr, "engine", None)
        yield ServerInfo(url, state.asr_model or "?", getattr(engine, "device", "?"),
                         getattr(engine, "compute_type", "?"), getattr(state.tts, "name", "?"))
    finally:
        await runner.cleanup()


async def remote_server(url: str) -> ServerInfo:
    await wait_ready(http_base(url), timeout_s=600)
    async with aiohttp.ClientSession() as session, session.get(f"{http_base(url)}/readyz") as response:
        checks = (await response.json()).get("checks", {})
    return ServerInfo(url, str(checks.get("asr", {}).get("model", "?")), "remote", "remote",
                      str(checks.get("tts", {}).get("engine", "?")))


async def converse(url: str, utterances: list[Utterance], *, full_replies: bool = False,
                   push_to_talk: bool = False) -> list[TurnSample]:
    """One conversation: each utterance in turn on one connection; returns one sample per utterance.

    Unless ``full_replies``, each reply is cancelled once its first audio byte arrived (the demo's
    replies run 10-20 s; what they sound like after the first byte does not change the latency).
    ``push_to_talk`` sends ``end_of_speech`` at the end of speech instead of letting the server's
    VAD wait for trailing silence."""
    shopper = await Shopper.connect(url, name="bench-voice-latency", push_to_talk=push_to_talk)
    try:
        await asyncio.sleep(0.3)  # a little silence first, as from an opened microphone
        for utterance in utterances:
            sample = shopper.say(utterance)
            await wait_answer(sample, TURN_TIMEOUT_S)
            if full_replies:
                await wait_turn(sample, TURN_TIMEOUT_S)
            else:
                await stop_reply(shopper, sample)
            if shopper.failure is not None:
                break
            await asyncio.sleep(GAP_S)
        return list(shopper.samples)
    finally:
        await shopper.close()


def summarize_turns(records: list[dict[str, Any]]) -> dict[str, Any]:
    """v2v summary, stage medians and outcome counts over turn records (from TurnSample.record)."""
    ok = [r for r in records if r["outcome"] == "ok" and r["v2v_ms"] is not None]
    split = [r["breakdown"] for r in ok if r["breakdown"] is not None]
    server = [r["server"] for r in ok]
    outcomes: dict[str, int] = {}
    for r in records:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return {
        "turns": len(records),
        "outcomes": outcomes,
        "v2v_ms": summarize([r["v2v_ms"] for r in ok]),
        "breakdown_median_ms": {
            stage: round(statistics.median(b[stage] for b in split), 1) if split else None for stage in STAGES
        },
        "server_median_ms": {
            key: round(statistics.median(vals), 1) if (vals := [s[key] for s in server
                                                                if isinstance(s.get(key), int | float)]) else None
            for key in ("endpoint_ms", "asr_ms", "asr_compute_ms", "nlu_ms", "tts_first_byte_ms",
                        "voice_to_voice_ms")
        },
        "speculative_hits": sum(1 for s in server if s.get("speculative_hit")),
    }


def human_table(result: dict[str, Any], per_fixture: dict[str, list[float]]) -> str:
    lines = [f"{'fixture':<42} {'n':>3} {'p50 ms':>8} {'max ms':>8}"]
    for name, values in per_fixture.items():
        if values:
            lines.append(f"{name:<42} {len(values):>3} {statistics.median(values):>8.0f} {max(values):>8.0f}")
    v2v = result["v2v_ms"]
    lines.append("")
    if v2v.get("n"):
        lines.append(f"voice-to-voice over {v2v['n']} turns: p50 {v2v['p50']:.0f} ms, p95 {v2v['p95']:.0f} ms "
                     f"(goal p50 <= {GOAL_P50_MS:.0f} ms)")
    lines.append("breakdown (medians): " + ", ".join(
        f"{k} {v:.0f} ms" for k, v in result["breakdown_median_ms"].items() if v is not None))
    lines.append(f"outcomes: {result['outcomes']}")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    utterances = load_utterances(args.fixtures, args.limit)
    log(f"{len(utterances)} fixtures x {args.runs} runs")
    async with contextlib.AsyncExitStack() as stack:
        if args.server_url:
            info = await remote_server(args.server_url)
        else:
            state_dir = args.state_dir
            if state_dir is None:
                state_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            log(f"starting the server in-process (state dir {state_dir}; first start imports the catalog)")
            started = time.monotonic()
            info = await stack.enter_async_context(in_process_server(state_dir, tts_cache=args.tts_cache))
            log(f"server ready in {time.monotonic() - started:.0f} s: whisper {info.model} "
                f"{info.device}/{info.compute_type}, tts {info.tts}")
        log("warm-up turn (untimed)")
        await converse(info.url, utterances[:1])
        records: list[dict[str, Any]] = []
        for mode, runs in (("vad", args.runs), ("ptt", args.ptt_runs)):
            for n in range(runs):
                samples = await converse(info.url, utterances, full_replies=args.full_replies,
                                         push_to_talk=mode == "ptt")
                run_records = [dict(s.record(), run=n + 1, mode=mode) for s in samples]
                records.extend(run_records)
                done = [r["v2v_ms"] for r in run_records if r["outcome"] == "ok"]
                log(f"{mode} run {n + 1}/{runs}: {len(done)}/{len(run_records)} answered, median "
                    + (f"{statistics.median(done):.0f} ms" if done else "-"))
    return {"server": info, "records": records}


def build_result(args: argparse.Namespace, info: ServerInfo, records: list[dict[str, Any]]
                 ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], dict[str, list[float]]]:
    every = records
    ptt = summarize_turns([r for r in records if r["mode"] == "ptt"])
    records = [r for r in records if r["mode"] == "vad"]
    summary = summarize_turns(records)
    per_run = [summarize_turns([r for r in records if r["run"] == n + 1]) for n in range(args.runs)]
    per_fixture: dict[str, list[float]] = {}
    for r in records:
        per_fixture.setdefault(r["fixture"], [])
        if r["outcome"] == "ok" and r["v2v_ms"] is not None:
            per_fixture[r["fixture"]].append(r["v2v_ms"])
    setup = {
        "model": f"whisper {info.model}", "device": info.device, "compute_type": info.compute_type,
        "tts": info.tts, "runs": args.runs, "fixtures": args.fixtures if args.limit is None
        else f"{args.fixtures}[:{args.limit}]", "turns_per_run": len({r["fixture"] for r in records}),
        "server": "remote " + info.url if args.server_url else "in-process",
        "endpointing": "server VAD (trailing silence), no end_of_speech",
        "push_to_talk_runs": args.ptt_runs,
        "tts_cache": bool(args.tts_cache) if not args.server_url else "as the remote server has it",
        "replies": "played in full" if args.full_replies else "cancelled after the first audio byte",
        "input": "16 kHz pcm_s16le, 20 ms frames paced in real time",
    }
    results = {**summary, "per_run": [{"run": i + 1, "v2v_ms": s["v2v_ms"], "outcomes": s["outcomes"]}
                                      for i, s in enumerate(per_run)],
               "per_fixture_p50_ms": {k: round(statistics.median(v), 1) for k, v in per_fixture.items() if v},
               "push_to_talk": ptt,
               "turns_detail": every}
    label = (f"{machine_info()['cores']} cores, {info.device} {info.compute_type}, "
             f"{args.runs} runs x {setup['turns_per_run']} turns")
    v2v = summary["v2v_ms"]
    rows = []
    if v2v.get("n"):
        rows.append(row("Voice-to-voice", "p50 end of speech -> first reply audio", ms(v2v["p50"] / 1000),
                        label, goal=f"<= {GOAL_P50_MS:.0f} ms", met=v2v["p50"] <= GOAL_P50_MS))
        rows.append(row("Voice-to-voice", "p95 end of speech -> first reply audio", ms(v2v["p95"] / 1000),
                        label))
        split = summary["breakdown_median_ms"]
        if all(v is not None for v in split.values()):
            rows.append(row("Voice-to-voice", "median breakdown: endpoint / ASR / NLU+shop / TTS / transport",
                            " / ".join(f"{split[s]:.0f}" for s in STAGES) + " ms", label))
    if ptt["v2v_ms"].get("n"):
        rows.append(row("Voice-to-voice", "p50 push-to-talk (end_of_speech sent at end of speech)",
                        ms(ptt["v2v_ms"]["p50"] / 1000), f"{machine_info()['cores']} cores, {info.device} "
                        f"{info.compute_type}, {args.ptt_runs} runs x {setup['turns_per_run']} turns"))
    return setup, results, rows, per_fixture


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.voice_latency", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="conversations over the fixture set (default 3)")
    parser.add_argument("--fixtures", choices=["quick", "all"], default="quick",
                        help="quick: an 8-turn conversation (default); all: every single-turn fixture")
    parser.add_argument("--limit", type=int, default=None, help="only the first K fixtures of the set")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run of the first 2 fixtures")
    parser.add_argument("--server-url", default=None, help="ws://host:port/ws/voice of a running server")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR,
                        help="state dir of the in-process server (default .shepherd/bench, kept between runs)")
    parser.add_argument("--temp-state", dest="state_dir", action="store_const", const=None,
                        help="use a fresh temporary state dir instead (imports the catalog first)")
    parser.add_argument("--ptt-runs", type=int, default=1,
                        help="extra push-to-talk conversations (end_of_speech at end of speech; default 1)")
    parser.add_argument("--full-replies", action="store_true",
                        help="listen to every reply to the end (default: cancel it after its first audio byte)")
    parser.add_argument("--tts-cache", action="store_true",
                        help="keep the in-process server's phrase cache on (off by default: the runs repeat replies)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR, help="where the JSON result goes")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
        args.ptt_runs = min(args.ptt_runs, 1)
        args.limit = args.limit or 2
    return args


def main(argv: list[str] | None = None) -> int:
    from voice_server.platform.logs import configure_logging

    configure_logging("warning", "console")
    args = parse_args(argv)
    outcome = asyncio.run(run(args))
    setup, results, rows, per_fixture = build_result(args, outcome["server"], outcome["records"])
    path = write_result("voice_latency", setup, results, rows, out_dir=args.out_dir)
    print(human_table(results, per_fixture))
    ptt = results["push_to_talk"]["v2v_ms"]
    if ptt.get("n"):
        print(f"push-to-talk over {ptt['n']} turns: p50 {ptt['p50']:.0f} ms, p95 {ptt['p95']:.0f} ms")
    log(f"wrote {path}")
    return 0 if results["v2v_ms"].get("n") else 1


if __name__ == "__main__":
    raise SystemExit(main())
