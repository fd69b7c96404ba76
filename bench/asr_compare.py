"""ASR side by side: our streaming pipeline vs WhisperLive (faster_whisper backend), same model, same audio.

Run: .venv/bin/python -m bench.asr_compare [--streams 1,4,8] [--quick]   (needs `make bench-wl-venv`)

Both systems get the same fixtures (decoded to 16 kHz float32), streamed in real time in 20 ms frames,
with 1, 4 and 8 streams at once, each the way its own client streams:

* ours: the ASR path of `voice_server.voice.session.VoiceSession` in process: webrtcvad `Endpointer` (server
  defaults), interim decodes during long speech, a speculative decode at `PossibleEnd` reused at
  `SpeechEnded`, adaptive endpointing (a complete, confident request ends after `early_end_ms`), all
  through ONE shared `BatchingTranscriber` built by `voice_server.voice.speech_engines.build_asr` (server settings).
  Ours gets digital silence after the fixture, like a microphone, until its final transcript.
* WhisperLive: its own server (`bench/whisperlive/serve.py`, run from bench/.venv-wl) on the SAME
  CTranslate2 model directory, int8 on CPU, one shared model, the defaults of its own client (VAD on,
  a segment is final when Whisper moves past it or repeats it 10 times), one connection per utterance,
  ended the way its client ends a file (`whisper_live/client.py` 0.10.0, `play_file`): the fixture and
  nothing after it, then wait until the text of the last segment has not changed for `--wl-quiet`
  seconds (its client: 15), then its end-of-audio signal (`END_OF_AUDIO`). Its transcript is what its
  client writes out: the completed segments plus the one still pending.

Measured per utterance: end of speech (the same stream time for both: where webrtcvad last heard speech)
→ final transcript at the client (WhisperLive: the last change of its text); WER of the full transcripts
against the manifest (Whisper's English normaliser, as tests/audio); throughput = seconds of fixture audio
with a final transcript per wall second (kept in the result file only: WhisperLive's wall time includes its
client's quiet wait, so the two are not comparable). A stream with no final transcript within `--timeout`
is counted at the timeout and reported as a timeout; a latency goal is never "met" while either side has
timeouts.

From other code: `main(["--quick"])` (exit status, 2 when bench/.venv-wl is missing) or
`await run_compare(CompareConfig(streams=[1, 4, 8], fixtures=12))`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from audio.pcm import ASR_RATE, float32_to_pcm16
from audio.vad import Endpointer, EndpointerConfig, SpeechEnded
from bench.report import machine_info, row, summarize, write_result
from tests.audio.fixture_replay import FixtureCase, corpus_wer, load_manifest, speech_audio

ROOT = Path(__file__).resolve().parents[1]
WL_VENV = ROOT / "bench" / ".venv-wl"
WL_PYTHON = WL_VENV / "bin" / "python"
WL_SERVE = ROOT / "bench" / "whisperlive" / "serve.py"
OURS, WHISPERLIVE = "style-shepherd", "whisperlive"
CHUNK = ASR_RATE * 20 // 1000
"""Samples per streamed frame (20 ms)."""
FULL_FIXTURES, QUICK_FIXTURES = 12, 4
TIMEOUT_S = 20.0
WL_QUIET_S = 15.0
"""WhisperLive's client waits this long without a change of the text before `END_OF_AUDIO`
(`Client.disconnect_if_no_response_for` in whisper_live/client.py 0.10.0)."""
METHOD = 2
"""Version of the measuring method in the result file (`setup.method`); 1 never sent WhisperLive its
end-of-audio signal, so it timed out. bench/readme_table.py does not show results of an older method."""


# ---------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Utterance:
    """One fixture as both systems receive it."""

    case: FixtureCase
    audio: np.ndarray = field(repr=False)
    speech_end_s: float
    """Stream time where the last speech stops (webrtcvad, before the endpointer's trailing silence)."""

    @property
    def audio_s(self) -> float:
        return self.audio.size / ASR_RATE


def speech_end_s(audio: np.ndarray, config: EndpointerConfig | None = None) -> float | None:
    """Stream time (s) at which the last turn's speech stops, by the endpointer over the audio + silence."""
    endpointer = Endpointer(config)
    events = endpointer.feed(float32_to_pcm16(np.concatenate([audio, np.zeros(2 * ASR_RATE, np.float32)])))
    ends = [e for e in events if isinstance(e, SpeechEnded)]
    if not ends:
        return None
    return (ends[-1].t_ms - ends[-1].silence_ms) / 1000.0


def pick_fixtures(cases: Sequence[FixtureCase], n: int) -> list[FixtureCase]:
    """`n` speech fixtures spread evenly over the manifest (voices, rates and noise are interleaved)."""
    speech = [c for c in cases if c.text and c.expect_turns > 0]
    if n >= len(speech):
        return list(speech)
    step = len(speech) / n
    return [speech[int(i * step)] for i in range(n)]


def load_utterances(n: int) -> list[Utterance]:
    out = []
    for case in pick_fixtures(load_manifest(), n):
        audio = speech_audio(case)
        end = speech_end_s(audio)
        if end is not None:
            out.append(Utterance(case, audio, end))
    return out


def schedule(n_items: int, streams: int) -> list[list[int]]:
    """Item indices per stream: at least `n_items` plays, a multiple of `streams`, items cycled."""
    plays = max(n_items, streams)
    plays = math.ceil(plays / streams) * streams
    return [[(s + k * streams) % n_items for k in range(plays // streams)] for s in range(streams)]


# --------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Play:
    """One utterance streamed to one system."""

    system: str
    streams: int
    file: str
    reference: str
    hypothesis: str
    latency_s: float
    """End of speech → final transcript at the client (the timeout when `timed_out`)."""
    timed_out: bool
    audio_s: float


def level_summary(plays: Sequence[Play], wall_s: float) -> dict[str, Any]:
    """Latency percentiles, corpus WER and throughput of one system at one concurrency."""
    lat = summarize([p.latency_s for p in plays])
    audio = sum(p.audio_s for p in plays if not p.timed_out)  # audio with a final transcript
    return {
        "latency_s": lat,
        "p50": lat.get("p50"),
        "p95": lat.get("p95"),
        "wer": corpus_wer([p.reference for p in plays], [p.hypothesis for p in plays]) if plays else None,
        "timeouts": sum(p.timed_out for p in plays),
        "plays": len(plays),
        "audio_s": audio,
        "wall_s": wall_s,
        "throughput": audio / wall_s if wall_s > 0 else None,
    }


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs (None when either is missing or theirs is 0)."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def series_entry(system: str, streams: int, summary: dict[str, Any]) -> dict[str, Any]:
    """One point for the plots; `rtf` is throughput: seconds of audio finished (final transcript) per wall second."""
    return {"system": system, "streams": streams, "p50": summary["p50"], "p95": summary["p95"],
            "wer": summary["wer"], "rtf": summary["throughput"], "timeouts": summary["timeouts"]}


def compare_levels(levels: dict[int, dict[str, dict[str, Any]]]) -> dict[int, dict[str, float | None]]:
    """Per concurrency: ours / WhisperLive for p50, p95, WER and throughput."""
    out = {}
    for streams, by_system in sorted(levels.items()):
        ours, wl = by_system.get(OURS), by_system.get(WHISPERLIVE)
        if ours is None or wl is None:
            continue
        out[streams] = {k: ratio(ours[k], wl[k]) for k in ("p50", "p95", "wer", "throughput")}
    return out


def _fmt_s(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.0f} ms"


def _fmt_x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _fmt_wer(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def build_rows(levels: dict[int, dict[str, dict[str, Any]]], setup_text: str) -> list[dict[str, Any]]:
    """README rows: per concurrency, latency and throughput of both, and the ratios."""
    rows = []
    ratios = compare_levels(levels)
    for streams, by_system in sorted(levels.items()):
        ours, wl = by_system.get(OURS), by_system.get(WHISPERLIVE)
        if ours is None or wl is None:
            continue
        r = ratios[streams]
        n = f"{streams} stream{'s' if streams > 1 else ''}"
        setup = f"{setup_text}, {n}, {ours['plays']} utterances, one run"
        timeouts = [ours["timeouts"], wl["timeouts"]]
        comparable = r["p50"] is not None and not any(timeouts)
        latency = row(
            "ASR vs WhisperLive", f"end of speech -> final transcript p50 / p95 ({n})",
            f"{_fmt_s(ours['p50'])} / {_fmt_s(ours['p95'])} vs {_fmt_s(wl['p50'])} / {_fmt_s(wl['p95'])} "
            f"(ratio {_fmt_x(r['p50'])} / {_fmt_x(r['p95'])}; timeouts {ours['timeouts']} vs {wl['timeouts']})",
            setup, goal="ratio < 1", met=(r["p50"] < 1) if comparable and r["p50"] is not None else None,
        )
        latency["timeouts"] = timeouts  # bench/readme_table.py never says "met" while either side timed out
        rows.append(latency)
        rows.append(row(
            "ASR vs WhisperLive", f"WER of the full transcripts ({n})",
            f"{_fmt_wer(ours['wer'])} vs {_fmt_wer(wl['wer'])} (ratio {_fmt_x(r['wer'])})", setup,
        ))
    return rows


# ---------------------------------------------------------------------------------------- streaming
async def stream_realtime(
    audio: np.ndarray,
    send: Callable[[np.ndarray], Awaitable[None] | None],
    is_final: Callable[[], bool],
    speech_end_s: float,
    timeout_s: float,
) -> tuple[float, bool]:
    """Send `audio` then silence in paced 20 ms frames until `is_final()`; (speech end wall time, timed out).

    `is_final` is only consulted once the frame holding the end of speech has been sent.
    """
    silence = np.zeros(CHUNK, np.float32)
    end_sample = int(speech_end_s * ASR_RATE)
    started = time.perf_counter()
    speech_end_at: float | None = None
    k = 0
    while True:
        lo = k * CHUNK
        frame = audio[lo : lo + CHUNK] if lo < audio.size else silence
        result = send(frame)
        if result is not None:
            await result
        if speech_end_at is None and lo + CHUNK >= end_sample:
            speech_end_at = time.perf_counter()
        if speech_end_at is not None:
            if is_final():
                return speech_end_at, False
            if time.perf_counter() - speech_end_at > timeout_s:
                return speech_end_at, True
        k += 1
        await asyncio.sleep(max(0.0, started + k * CHUNK / ASR_RATE - time.perf_counter()))


async def send_paced(
    audio: np.ndarray, send: Callable[[np.ndarray], Awaitable[None]], speech_end_s: float
) -> float:
    """Send `audio` in paced 20 ms frames and nothing after it (a client playing a file); returns the wall
    time at which the frame holding the end of speech was sent."""
    end_sample = int(speech_end_s * ASR_RATE)
    started = time.perf_counter()
    speech_end_at: float | None = None
    for k, lo in enumerate(range(0, audio.size, CHUNK)):
        await send(audio[lo : lo + CHUNK])
        if speech_end_at is None and lo + CHUNK >= end_sample:
            speech_end_at = time.perf_counter()
        await asyncio.sleep(max(0.0, started + (k + 1) * CHUNK / ASR_RATE - time.perf_counter()))
    return speech_end_at if speech_end_at is not None else time.perf_counter()


class ServerAsrPath:
    """The ASR part of `VoiceSession` for one stream (see voice_server/voice/session.py), minus the dialogue.

    Interim decodes every `interim_every_ms` once an utterance is `interim_after_ms` long; at
    `PossibleEnd` a speculative decode (an in-flight interim of the same audio is reused); its transcript
    ends the turn early when the NLU reads it as a complete request (`voice_server.voice.speculation`); at
    `SpeechEnded` the speculative result is reused when the audio is identical, else decoded anew.
    """

    def __init__(self, asr: Any, options: Any, understand: Callable[[str], tuple[str | None, float | None]],
                 hotwords: str | None = None) -> None:
        self.asr, self.options, self.understand, self.hotwords = asr, options, understand, hotwords
        self.endpointer = Endpointer(options.endpointer)
        self.turns: list[asyncio.Task[tuple[str, float]]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._utt_start: int | None = None
        self._last_interim = 0
        self._interim: asyncio.Task[Any] | None = None
        self._interim_size = 0
        self._spec: asyncio.Task[Any] | None = None
        self._spec_size = 0
        self._verdict: tuple[asyncio.Task[Any], Any] | None = None

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def feed(self, samples: np.ndarray) -> None:
        self._on_events(self.endpointer.feed(float32_to_pcm16(samples)))
        self._maybe_interim()

    def _on_events(self, events: list[Any]) -> None:
        from audio.vad import PossibleEnd, SpeechResumed, SpeechStarted

        for event in events:
            if isinstance(event, SpeechStarted):
                self._utt_start, self._last_interim = event.t_ms, 0
            elif isinstance(event, PossibleEnd) and event.audio.size:
                self._drop_spec()
                self._spec_size = int(event.audio.size)
                reused = self._take_interim(self._spec_size)
                self._spec = reused or self._spawn(self.asr.transcribe(event.audio, hotwords=self.hotwords))
                if self.options.speculation.enabled:
                    self._spawn(self._judge(self._spec))
            elif isinstance(event, SpeechResumed):
                self._drop_spec()
            elif isinstance(event, SpeechEnded):
                self._utt_start = None
                spec = self._spec if self._spec is not None and self._spec_size == event.audio.size else None
                if spec is None:
                    self._drop_spec()
                interim = self._take_interim(int(event.audio.size))
                if spec is None:
                    spec = interim
                elif interim is not None:
                    interim.cancel()
                self._spec = None
                self.turns.append(self._spawn(self._final(event.audio, spec)))

    def _drop_spec(self) -> None:
        if self._spec is not None:
            self._spec.cancel()
            self._spec = None

    def _take_interim(self, size: int) -> asyncio.Task[Any] | None:
        task, self._interim = self._interim, None
        if task is None or task.done():
            return None
        if self._interim_size == size:
            return task
        task.cancel()
        return None

    def _maybe_interim(self) -> None:
        ep, opts = self.endpointer, self.options
        if self._utt_start is None or not ep.in_speech or ep.end_pending:
            return
        t = ep.t_ms
        if t - self._utt_start < opts.interim_after_ms or t - self._last_interim < opts.interim_every_ms:
            return
        if self._interim is not None and not self._interim.done():
            return
        self._last_interim = t
        audio = ep.current_audio()
        self._interim_size = int(audio.size)
        self._interim = self._spawn(self.asr.transcribe(audio, hotwords=self.hotwords, interim=True))

    async def _judge(self, decode: asyncio.Task[Any]) -> None:
        from voice_server.voice.speculation import judge_request

        try:
            transcript = await asyncio.shield(decode)
        except Exception:
            return
        intent, confidence = self.understand(transcript.text)
        self._verdict = (decode, judge_request(transcript.text.strip(), intent, confidence,
                                               self.options.speculation))
        self.check_early_end()

    def check_early_end(self) -> None:
        """Adaptive endpointing, checked when the verdict lands and on every frame (as the server does)."""
        from voice_server.voice.speculation import should_end_early

        ep = self.endpointer
        if self._verdict is None or self._verdict[0] is not self._spec or not ep.end_pending:
            return
        if should_end_early(ep.trailing_silence_ms, self._verdict[1], self.options.speculation,
                            ep.config.end_silence_ms):
            self._verdict = None
            self._on_events(ep.confirm_end())

    async def _final(self, audio: np.ndarray, spec: asyncio.Task[Any] | None) -> tuple[str, float]:
        result = None
        if spec is not None:
            with contextlib.suppress(Exception):
                result = await spec
        if result is None:
            result = await self.asr.transcribe(audio, hotwords=self.hotwords)
        return result.text, time.perf_counter()

    def is_final(self) -> bool:
        return (not self.endpointer.in_speech and bool(self.turns) and all(t.done() for t in self.turns))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def play_ours(ctx: OursContext, utt: Utterance, streams: int, timeout_s: float) -> Play:
    path = ServerAsrPath(ctx.asr, ctx.options, ctx.understand, utt.case.hotwords)

    def send(frame: np.ndarray) -> None:
        path.feed(frame)
        path.check_early_end()

    try:
        end_at, timed_out = await stream_realtime(utt.audio, send, path.is_final, utt.speech_end_s, timeout_s)
        done = [t.result() for t in path.turns if t.done() and not t.cancelled() and t.exception() is None]
        text = " ".join(text for text, _ in done if text)
        latency = timeout_s if timed_out or not done else max(0.0, done[-1][1] - end_at)
    finally:
        await path.close()
    return Play(OURS, streams, utt.case.file, utt.case.text, text, latency, timed_out or not done, utt.audio_s)


@dataclass
class OursContext:
    asr: Any
    options: Any
    understand: Callable[[str], tuple[str | None, float | None]]


def rule_based_understanding() -> Callable[[str], tuple[str | None, float | None]]:
    """(intent, confidence) of a transcript by the server's rule-based NLU, demo-catalog vocabulary."""
    from commerce.catalog.demo import demo_records
    from voice_server.conversation.dialogue.nlu import understand
    from voice_server.conversation.dialogue.state import DialogueState
    from voice_server.conversation.vocabulary_loader import vocabulary_from_records

    vocab = vocabulary_from_records(demo_records())
    state = DialogueState(conversation_id="bench-asr-compare")

    def run(text: str) -> tuple[str | None, float | None]:
        if not text.strip():
            return None, None
        u = understand(text, state, vocab)
        return u.intent.value, u.confidence

    return run


# -------------------------------------------------------------------------------------- WhisperLive
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def whisperlive_server(model_dir: str, threads: int, max_clients: int, start_timeout_s: float = 180.0
                             ) -> AsyncIterator[str]:
    """Run bench/whisperlive/serve.py from bench/.venv-wl; yields its websocket URL."""
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile("w+") as log:
        proc = await asyncio.create_subprocess_exec(
            str(WL_PYTHON), str(WL_SERVE), "--model-dir", model_dir, "--port", str(port),
            "--max-clients", str(max_clients), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + start_timeout_s
            while not await _listening(port):
                if proc.returncode is not None:
                    log.seek(0)
                    raise RuntimeError(f"WhisperLive server exited ({proc.returncode}):\n{log.read()[-3000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"WhisperLive server not listening after {start_timeout_s:.0f} s")
                await asyncio.sleep(0.5)
            yield f"ws://127.0.0.1:{port}"
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 15)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def play_whisperlive(url: str, utt: Utterance, streams: int, timeout_s: float,
                           quiet_s: float = WL_QUIET_S) -> Play:
    """One utterance the way WhisperLive's client plays a file: the audio, a wait until the text has not
    changed for `quiet_s`, then `END_OF_AUDIO`; the final transcript is its text at that point, and it
    arrived when that text last changed."""
    from bench.whisperlive.client import open_stream

    async with open_stream(url, utt.case.hotwords) as stream:
        transcript = stream.transcript
        end_at = await send_paced(utt.audio, stream.send_samples, utt.speech_end_s)
        settled = await stream.wait_text_settled(quiet_s, deadline=end_at + timeout_s + quiet_s)
        await stream.end_of_audio()
        text, final_at = transcript.best_text, transcript.text_changed_at
    timed_out = not settled or final_at is None or not text or final_at - end_at > timeout_s
    latency = timeout_s if timed_out or final_at is None else max(0.0, final_at - end_at)
    return Play(WHISPERLIVE, streams, utt.case.file, utt.case.text, text, latency, timed_out, utt.audio_s)


async def warm_up_whisperlive(url: str, utt: Utterance, timeout_s: float) -> None:
    """Load WhisperLive's model (on the first connection) and run one decode; nothing is measured."""
    from bench.whisperlive.client import open_stream

    async with open_stream(url) as stream:
        await stream.send_samples(utt.audio)
        await stream.wait_until(lambda t: bool(t.partial or t.completed), timeout_s)


# ------------------------------------------------------------------------------------------- driver
PlayFn = Callable[[Utterance, int], Awaitable[Play]]


async def run_level(play: PlayFn, utterances: Sequence[Utterance], streams: int) -> tuple[list[Play], float]:
    """`streams` concurrent streams, each playing its share of the utterances one after another."""
    plan = schedule(len(utterances), streams)

    async def one_stream(items: list[int]) -> list[Play]:
        return [await play(utterances[i], streams) for i in items]

    started = time.perf_counter()
    per_stream = await asyncio.gather(*(one_stream(items) for items in plan))
    return [p for plays in per_stream for p in plays], time.perf_counter() - started


@dataclass
class CompareConfig:
    streams: list[int]
    fixtures: int
    timeout_s: float = TIMEOUT_S
    out_dir: Path | None = None
    wl_quiet_s: float = WL_QUIET_S


def wl_missing_message() -> str:
    return (f"WhisperLive's benchmark venv is missing ({WL_PYTHON} not found).\n"
            "Create it with:  make bench-wl-venv   (torch CPU build + whisper-live, kept out of .venv)")


async def run_compare(config: CompareConfig, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run both systems at every concurrency; write bench/results/asr_compare.json; return the document."""
    from voice_server.platform.settings import Settings
    from voice_server.voice.session import SessionOptions
    from voice_server.voice.speech_engines import build_asr

    if not WL_PYTHON.exists():
        raise FileNotFoundError(wl_missing_message())
    settings = Settings()
    utterances = load_utterances(config.fixtures)
    log(f"{len(utterances)} utterances, {sum(u.audio_s for u in utterances):.1f} s of audio; "
        f"streams {config.streams}")
    asr = await asyncio.to_thread(build_asr, settings)
    model_dir = _model_dir(settings)
    if asr.engine.device != "cpu":
        log(f"note: ours runs on {asr.engine.device}; WhisperLive's venv has torch's CPU build, so it runs int8 on CPU")
    threads = settings.asr_cpu_threads or min(os.cpu_count() or 4, 8)
    ctx = OursContext(asr, SessionOptions.from_settings(settings), rule_based_understanding())
    levels: dict[int, dict[str, dict[str, Any]]] = {}
    plays: list[Play] = []
    try:
        await asr.transcribe(utterances[0].audio)  # warm-up
        async with whisperlive_server(model_dir, threads, max(config.streams) + 2) as url:
            log(f"WhisperLive on {url}; warming up (loads the model)")
            await warm_up_whisperlive(url, utterances[0], config.timeout_s)
            for streams in config.streams:
                for system, fn in ((OURS, lambda u, s: play_ours(ctx, u, s, config.timeout_s)),
                                   (WHISPERLIVE, lambda u, s: play_whisperlive(url, u, s, config.timeout_s,
                                                                            config.wl_quiet_s))):
                    level_plays, wall = await run_level(fn, utterances, streams)
                    plays.extend(level_plays)
                    summary = level_summary(level_plays, wall)
                    levels.setdefault(streams, {})[system] = summary
                    log(f"{system:>14} x{streams}: p50 {_fmt_s(summary['p50'])} p95 {_fmt_s(summary['p95'])} "
                        f"WER {_fmt_wer(summary['wer'])} "
                        f"timeouts {summary['timeouts']}/{summary['plays']}")
    finally:
        await asr.close()
    return write_compare(config, settings, asr, threads, utterances, levels, plays)


def _model_dir(settings: Any) -> str:
    from audio.models import resolve_whisper_model

    model = resolve_whisper_model(settings.whisper_model, settings.state_dir)
    if not (Path(model) / "model.bin").is_file():
        raise ValueError(f"WHISPER_MODEL={model!r} is not a CTranslate2 model directory; "
                         "the comparison needs both servers on the same local files")
    return model


def write_compare(config: CompareConfig, settings: Any, asr: Any, threads: int, utterances: Sequence[Utterance],
                  levels: dict[int, dict[str, dict[str, Any]]], plays: Sequence[Play]) -> dict[str, Any]:
    from voice_server.voice.speech_engines import asr_model_name

    engine = asr.engine
    setup = {
        "model": f"whisper {asr_model_name(settings)}",
        "compute_type": engine.compute_type,
        "device": engine.device,
        "cpu_threads": threads,
        "fixtures": [u.case.file for u in utterances],
        "streams": config.streams,
        "timeout_s": config.timeout_s,
        "method": METHOD,
        "whisperlive_quiet_s": config.wl_quiet_s,
        "ours": f"Endpointer + BatchingTranscriber (max_batch {asr.max_batch}, max_wait {asr.max_wait_ms} ms), "
                "speculative + interim decodes, adaptive endpointing",
        "whisperlive": "whisper-live 0.10.0 faster_whisper backend as shipped (beam 5, temperature fallback), "
                       "single_model, use_vad, same_output_threshold 10, one connection per utterance; the audio, then "
                       f"END_OF_AUDIO after {config.wl_quiet_s:g} s without a change of the text (its client's "
                       "play_file); transcript = completed + pending segments",
        "ours_decoding": f"greedy (beam {engine.beam_size}), no temperature fallback",
        "runs": "each utterance once per system and concurrency (percentiles over all utterances)",
    }
    series = [series_entry(system, streams, summary)
              for streams, by_system in sorted(levels.items()) for system, summary in by_system.items()]
    ratios = compare_levels(levels)
    cores = machine_info()["cores"]
    setup_text = f"{cores} cores, base {engine.compute_type} {engine.device}"
    results = {
        "levels": {str(k): v for k, v in levels.items()},
        "ratios": {str(k): v for k, v in ratios.items()},
        "series": series,
        "plays": [vars(p) for p in plays],
    }
    path = write_result("asr_compare", setup, results, build_rows(levels, setup_text),
                        **({"out_dir": config.out_dir} if config.out_dir else {}))
    return {"path": str(path), "setup": setup, "results": results}


def parse_streams(text: str) -> list[int]:
    values = sorted({int(v) for v in text.split(",") if v.strip()})
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError("streams must be positive integers, e.g. 1,4,8")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.asr_compare", description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=parse_streams, default=[1, 4, 8], help="concurrencies (default 1,4,8)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_FIXTURES} fixtures instead of {FULL_FIXTURES}")
    parser.add_argument("--fixtures", type=int, default=None, help="number of speech fixtures to use")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds to wait for a final transcript")
    parser.add_argument("--wl-quiet", type=float, default=WL_QUIET_S,
                        help="WhisperLive: seconds without a change of the text before END_OF_AUDIO (its client: 15)")
    parser.add_argument("--out-dir", type=Path, default=None, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    if not WL_PYTHON.exists():
        print(wl_missing_message(), file=sys.stderr)
        return 2
    n = args.fixtures or (QUICK_FIXTURES if args.quick else FULL_FIXTURES)
    config = CompareConfig(streams=args.streams, fixtures=n, timeout_s=args.timeout, out_dir=args.out_dir,
                           wl_quiet_s=args.wl_quiet)
    doc = asyncio.run(run_compare(config))
    for streams, r in doc["results"]["ratios"].items():
        print(f"ours / WhisperLive at {streams} streams: p50 {_fmt_x(r['p50'])}, p95 {_fmt_x(r['p95'])}, "
              f"WER {_fmt_x(r['wer'])}")
    print(f"wrote {doc['path']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
