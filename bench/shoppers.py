"""Simulated shoppers for the voice benchmarks: fixture utterances streamed like a microphone.

A :class:`Shopper` owns one authenticated :class:`~voice_server.tools.voice_client.VoiceClient` and one
microphone task that sends a 20 ms frame every 20 ms of wall time, forever: the frames of the
utterance being said, else digital silence. :meth:`Shopper.say` queues an utterance and returns
a :class:`TurnSample` that fills in as the server answers. Times are taken at the client:

* ``t_eos``: the frame holding the last speech sample was sent (end of speech);
* ``t_speech_ended``: the server's ``speech_ended`` arrived (its endpoint decision);
* ``t_first_audio``: the first reply audio byte arrived.

The server's ``metrics`` message gives the stages in between (endpointing, ASR, understanding +
commerce, TTS first byte); :func:`breakdown` splits the client's voice-to-voice time into them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from audio.pcm import decode_file, float32_to_pcm16, frame_bytes
from voice_server.tools.voice_client import VoiceClient, VoiceClientError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "audio"
DEFAULT_STATE_DIR = ROOT / ".shepherd" / "bench"
"""State dir of the benchmarks' server (embedded Postgres + Valkey; kept, so the catalog loads once)."""
RATE = 16000
FRAME_MS = 20
QUICK_FIXTURES = (
    # one conversation: search, refine, size, cart, details, other searches; 8/16/24/48 kHz, two voices
    "black_dresses_piper_16k.wav",
    "in_blue_espeak_16k.wav",
    "what_size_piper_8k.wav",
    "add_second_medium_espeak_16k.wav",
    "whats_in_cart_piper_24k.wav",
    "running_shoes_espeak_16k.wav",
    "first_details_piper_16k.wav",
    "red_kurta_piper_48k.wav",
)
PLAYER_BUFFER_S = 0.1
"""Jitter buffer of the modelled player: reply audio later than that is a gap the shopper hears."""
STAGES = ("endpointing", "asr", "understanding", "tts_first_byte", "transport")
"""Breakdown of voice-to-voice time, in order."""


# ------------------------------------------------------------------ fixtures (pure + file reading)
def speech_end_s(samples: np.ndarray, rate: int, floor_dbfs: float = -50.0, above_noise_db: float = 10.0,
                 hop_ms: int = 10, smooth: int = 5) -> float:
    """Where speech ends in a recording: the end of the last 10 ms window whose level (power
    averaged over ``smooth`` windows) is clearly above both an absolute floor and the recording's
    own noise floor (20th percentile of the window levels).

    The fixtures pad speech with digital silence or add noise over the whole file, so neither the
    file's end nor a fixed -50 dBFS floor alone marks the end of speech. On the fixtures this is
    within 20 ms of where the generator put the end, and up to 250 ms early under 15 dB noise (a
    soft last phoneme sinks into the noise).
    """
    hop = max(1, rate * hop_ms // 1000)
    n = samples.size // hop
    if n == 0:
        return samples.size / rate
    windows = np.asarray(samples[: n * hop], dtype=np.float64).reshape(n, hop)
    power = np.convolve(np.mean(windows**2, axis=1), np.ones(smooth) / smooth, mode="same")
    levels = 10 * np.log10(power + 1e-12)
    threshold = max(floor_dbfs, float(np.percentile(levels, 20)) + above_noise_db)
    loud = np.flatnonzero(levels > threshold)
    if loud.size == 0:
        return samples.size / rate
    return (int(loud[-1]) + 1 - smooth // 2) * hop / rate  # the average spreads smooth // 2 windows late


@dataclass(frozen=True)
class Utterance:
    """A fixture ready to stream: 20 ms pcm_s16le frames at 16 kHz and where its speech ends."""

    name: str
    text: str
    intent: str
    frames: tuple[bytes, ...]
    speech_end_s: float

    @property
    def speech_end_frame(self) -> int:
        """Index of the frame that holds the last speech sample."""
        last = max(0, int(np.ceil(self.speech_end_s * 1000 / FRAME_MS)) - 1)
        return min(last, len(self.frames) - 1)

    @property
    def duration_s(self) -> float:
        return len(self.frames) * FRAME_MS / 1000


def manifest(fixtures_dir: Path = FIXTURES) -> list[dict[str, Any]]:
    return list(json.loads((fixtures_dir / "manifest.json").read_text()))


def select_fixtures(entries: Sequence[dict[str, Any]], which: str) -> list[dict[str, Any]]:
    """``quick``: the eight-turn conversation above; ``all``: every single-turn speech fixture."""
    if which == "quick":
        by_name = {e["file"]: e for e in entries}
        return [by_name[name] for name in QUICK_FIXTURES]
    if which == "all":
        return [e for e in entries if e.get("expect_turns") == 1 and e.get("text")]
    raise ValueError(f"unknown fixture set {which!r} (quick or all)")


def load_utterance(entry: dict[str, Any], fixtures_dir: Path = FIXTURES) -> Utterance:
    samples = decode_file(fixtures_dir / entry["file"], RATE)
    end_s = entry.get("speech_end_s")  # the manifest's own mark wins when it has one
    if not isinstance(end_s, int | float):
        end_s = speech_end_s(samples, RATE)
    pcm = float32_to_pcm16(samples)
    size = frame_bytes(RATE, FRAME_MS)
    frames = tuple(pcm[i : i + size] for i in range(0, len(pcm), size))
    return Utterance(entry["file"], str(entry.get("text", "")), str(entry.get("intent", "")), frames,
                     float(end_s))


def load_utterances(which: str, limit: int | None = None, fixtures_dir: Path = FIXTURES) -> list[Utterance]:
    entries = select_fixtures(manifest(fixtures_dir), which)
    if limit is not None:
        entries = entries[:limit]
    return [load_utterance(e, fixtures_dir) for e in entries]


# ------------------------------------------------------------------ one turn, measured at the client
@dataclass
class TurnSample:
    """What one utterance produced, with client-side arrival times (time.monotonic seconds)."""

    fixture: str
    t_start: float = 0.0
    t_eos: float | None = None
    turn_id: int | None = None
    t_speech_ended: float | None = None
    end_reason: str | None = None  # speech_ended.reason: silence | max_length | flush
    t_reply: float | None = None
    t_first_audio: float | None = None
    transcript: str | None = None
    intent: str | None = None
    metrics: dict[str, Any] | None = None
    audio_end_reason: str | None = None
    audio_end_ms: float | None = None
    audio_bytes: int = 0
    audio_rate: int | None = None
    played_until: float = 0.0  # when a player that buffers PLAYER_BUFFER_S after the first frame runs dry
    gap_ms: float = 0.0  # reply audio that arrived late for that player, summed (a stalled synthesis)
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def v2v_ms(self) -> float | None:
        if self.t_eos is None or self.t_first_audio is None:
            return None
        return (self.t_first_audio - self.t_eos) * 1000.0

    @property
    def received_audio_ms(self) -> float:
        return self.audio_bytes / 2 / self.audio_rate * 1000.0 if self.audio_rate else 0.0

    @property
    def frames_lost(self) -> bool:
        """The server says it sent more reply audio than arrived (more than one 40 ms frame short)."""
        if self.audio_end_ms is None or self.interrupted:
            return False
        return self.received_audio_ms + 40.0 < self.audio_end_ms

    def outcome(self) -> str:
        """ok | no_turn | empty | error | no_audio | audio_dropped | frames_lost."""
        if self.audio_end_reason == "dropped" or "slow_client" in self.errors:
            return "audio_dropped"
        if self.errors:
            return "error"
        if self.turn_id is None:
            return "no_turn"
        if self.transcript == "":
            return "empty"
        if self.t_first_audio is None:
            return "no_audio"
        if self.frames_lost:
            return "frames_lost"
        return "ok"

    def record(self) -> dict[str, Any]:
        """A JSON-able summary (milliseconds), with the breakdown when the turn answered."""
        return {
            "fixture": self.fixture, "turn_id": self.turn_id, "outcome": self.outcome(),
            "transcript": self.transcript, "intent": self.intent, "end_reason": self.end_reason,
            "v2v_ms": _round(self.v2v_ms), "breakdown": breakdown(self),
            "endpoint_seen_ms": _round((self.t_speech_ended - self.t_eos) * 1000.0
                                       if self.t_speech_ended is not None and self.t_eos is not None else None),
            "server": {k: v for k, v in (self.metrics or {}).items() if k not in ("type", "turn_id")},
            "audio_end": self.audio_end_reason, "reply_audio_ms": round(self.received_audio_ms, 1),
            "gap_ms": round(self.gap_ms, 1),
            "errors": list(self.errors),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def breakdown(sample: TurnSample) -> dict[str, float] | None:
    """Client voice-to-voice split into :data:`STAGES` (ms), or None when a piece is missing.

    endpointing, asr, understanding and tts_first_byte are the server's ``endpoint_ms`` (the end of
    speech reached the server -> end of turn decided), ``asr_ms``, ``nlu_ms`` and
    ``tts_first_byte_ms``; transport is the rest of the client's voice-to-voice time: the last speech
    frame's trip up, framing the first reply audio frame and its trip down. (The client's own view
    of endpointing, end of speech -> ``speech_ended`` received, is in ``endpoint_seen_ms`` of the
    record: it includes that message's delivery, which under load overlaps ASR.)
    """
    m = sample.metrics or {}
    v2v = sample.v2v_ms
    stages = (m.get("endpoint_ms"), m.get("asr_ms"), m.get("nlu_ms"), m.get("tts_first_byte_ms"))
    if v2v is None or None in stages:
        return None
    endpointing, asr, nlu, tts = (float(s) for s in stages)  # type: ignore[arg-type]
    transport = v2v - endpointing - asr - nlu - tts
    return {name: round(value, 1) for name, value in zip(
        STAGES, (endpointing, asr, nlu, tts, transport), strict=True)}


# ------------------------------------------------------------------ the shopper
class Shopper:
    """One connected shopper: a real-time microphone stream plus turn bookkeeping."""

    def __init__(self, client: VoiceClient, *, push_to_talk: bool = False) -> None:
        self.client = client
        self.push_to_talk = push_to_talk
        """Send ``end_of_speech`` right after the last speech frame (and none of the trailing silence)."""
        self.samples: list[TurnSample] = []
        self.late_ms_max = 0.0  # how far the microphone fell behind its 20 ms schedule
        self.failure: VoiceClientError | None = None
        self._queue: list[tuple[Utterance, TurnSample]] = []
        self._speaking: tuple[Utterance, int, TurnSample] | None = None
        self._awaiting: TurnSample | None = None  # said, its turn not opened yet
        self._by_turn: dict[int, TurnSample] = {}
        self._silence = bytes(frame_bytes(RATE, FRAME_MS))
        self._mic: asyncio.Task[None] | None = None
        client.on_event = self._on_event
        client.on_audio = self._on_audio

    @classmethod
    async def connect(cls, url: str, token: str | None = None, *, name: str = "bench-shopper",
                      push_to_talk: bool = False) -> Shopper:
        client = VoiceClient(url, token, input_rate=RATE, client_name=name, max_reconnects=0)
        await client.connect()
        shopper = cls(client, push_to_talk=push_to_talk)
        shopper._mic = asyncio.create_task(shopper._microphone(), name="bench-mic")
        return shopper

    def say(self, utterance: Utterance) -> TurnSample:
        """Queue an utterance (after any still being said); its sample fills in as the server answers."""
        sample = TurnSample(fixture=utterance.name)
        self.samples.append(sample)
        self._queue.append((utterance, sample))
        return sample

    async def close(self) -> None:
        if self._mic is not None:
            self._mic.cancel()
            with contextlib.suppress(asyncio.CancelledError, VoiceClientError):
                await self._mic
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.close(), 5.0)

    async def cancel_turn(self, turn_id: int) -> None:
        with contextlib.suppress(VoiceClientError):
            await self.client.cancel(turn_id)

    # -- microphone
    def _next_frame(self) -> tuple[bytes, TurnSample | None, bool]:
        """The next frame to send, the sample it belongs to, and whether it ends the speech."""
        if self._speaking is None and self._queue:
            utterance, sample = self._queue.pop(0)
            self._speaking = (utterance, 0, sample)
            sample.t_start = time.monotonic()
            self._awaiting = sample
        if self._speaking is None:
            return self._silence, None, False
        utterance, index, sample = self._speaking
        frame = utterance.frames[index]
        ends_speech = index == utterance.speech_end_frame
        last = index + 1 >= len(utterance.frames) or (ends_speech and self.push_to_talk)
        self._speaking = None if last else (utterance, index + 1, sample)
        return frame, sample, ends_speech

    async def _microphone(self) -> None:
        start = time.monotonic()
        n = 0
        try:
            while True:
                delay = start + n * FRAME_MS / 1000 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    self.late_ms_max = max(self.late_ms_max, -delay * 1000)
                frame, sample, ends_speech = self._next_frame()
                await self.client.send_pcm(frame)
                if ends_speech and sample is not None:
                    sample.t_eos = time.monotonic()
                    if self.push_to_talk:
                        await self.client.end_of_speech()
                n += 1
        except VoiceClientError as exc:
            self.failure = exc
            for sample in self.samples:
                if not sample.done.is_set():
                    sample.errors.append(f"closed:{exc.code}")
                    sample.done.set()

    # -- server events (called by the client's reader as they arrive)
    def _on_event(self, message: dict[str, Any]) -> None:
        at = time.monotonic()
        kind = message.get("type")
        turn_id = message.get("turn_id")
        if kind == "speech_started" and isinstance(turn_id, int) and self._awaiting is not None:
            self._awaiting.turn_id = turn_id
            self._by_turn[turn_id] = self._awaiting
            self._awaiting = None
            return
        sample = self._by_turn.get(turn_id) if isinstance(turn_id, int) else None
        if sample is None or sample.done.is_set():
            return
        if kind == "speech_ended" and sample.t_speech_ended is None:
            sample.t_speech_ended = at
            sample.end_reason = message.get("reason")
        elif kind == "transcript" and message.get("final"):
            sample.transcript = str(message.get("text", ""))
            if not sample.transcript:
                sample.done.set()  # nothing to answer
        elif kind == "reply":
            sample.t_reply = at
            sample.intent = message.get("intent")
        elif kind == "audio_start":
            sample.audio_rate = int(message.get("sample_rate") or 0) or None
        elif kind == "audio_end":
            sample.audio_end_reason = message.get("reason")
            sample.audio_end_ms = message.get("duration_ms")
        elif kind == "interruption":
            sample.interrupted = True
        elif kind == "error":
            sample.errors.append(str(message.get("code")))
        elif kind == "metrics":
            sample.metrics = message
            sample.done.set()  # the last message of a turn that replied

    def _on_audio(self, turn: Any, frame: bytes) -> None:
        sample = self._by_turn.get(turn.turn_id)
        if sample is None:
            return
        arrived = time.monotonic()
        if sample.t_first_audio is None:
            sample.t_first_audio = arrived
            sample.played_until = arrived + PLAYER_BUFFER_S
        elif sample.audio_rate:
            # a player that started at the first frame ran dry before this one arrived: a gap the shopper hears
            sample.gap_ms += max(0.0, arrived - sample.played_until) * 1000.0
        sample.audio_bytes += len(frame)
        if sample.audio_rate:
            sample.played_until = max(sample.played_until, arrived) + len(frame) / 2 / sample.audio_rate


def _answered(sample: TurnSample) -> bool:
    return sample.t_first_audio is not None or sample.done.is_set()


def _finished(sample: TurnSample) -> bool:
    return sample.done.is_set()


async def _wait(sample: TurnSample, ready: Callable[[TurnSample], bool], timeout_s: float, settle_s: float
                ) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready(sample):
        now = time.monotonic()
        if now >= deadline:
            return
        if sample.turn_id is None and sample.t_eos is not None and now - sample.t_eos > settle_s:
            return  # its audio was sent long ago and no turn opened: the outcome says no_turn
        await asyncio.sleep(0.01)


async def wait_answer(sample: TurnSample, timeout_s: float, settle_s: float = 6.0) -> None:
    """Until the first reply audio byte arrived (or the turn ended without one, or timed out)."""
    await _wait(sample, _answered, timeout_s, settle_s)


async def wait_turn(sample: TurnSample, timeout_s: float, settle_s: float = 6.0) -> None:
    """Until the turn is done (its ``metrics`` arrived, or it ended without a reply, or timed out)."""
    await _wait(sample, _finished, timeout_s, settle_s)


async def stop_reply(shopper: Shopper, sample: TurnSample, timeout_s: float = 10.0) -> None:
    """Cut a reply that is still playing (``cancel``), as a shopper who heard enough, and wait for
    the turn to close; replies of the demo run 10-20 s, far longer than the time between questions."""
    if sample.turn_id is not None and not sample.done.is_set():
        await shopper.cancel_turn(sample.turn_id)
    await wait_turn(sample, timeout_s)
