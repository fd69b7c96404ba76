"""`VoiceSession`: owns one /ws/voice connection from handshake to close.

Tasks of a session (all cancelled when it ends, whatever the cause):

* the reader (the `run` coroutine itself): frames → `protocol` → resampler → `Endpointer`;
* one turn task at a time: ASR (speculative result reused) → `ConversationService` → TTS;
* helper tasks: speculative and interim ASR, `note_interrupted` calls;
* the writer: drains the bounded `Outbox` to the socket, so a slow client blocks only itself.

Reply audio is resampled to the client's rate, cut into `frame_ms` frames and paced at real
time at most `max_ahead_ms` ahead. Barge-in purges the turn's queued frames *before* the
`interruption` message is queued, and the outbox refuses any later frame of that turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field

from audio.asr import AsrError, Transcript
from audio.pcm import ASR_RATE, Resampler
from audio.tts import TtsError, split_clauses
from audio.vad import (
    Endpointer,
    EndpointerConfig,
    PossibleEnd,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VadEvent,
    is_barge_in,
)
from commerce.auth import AuthError, issue_token, verify_token
from commerce.models import NotFound
from voice_server.conversation.asr_hints import HotwordsMode, dialogue_hotwords, join_prompts
from voice_server.conversation.dialogue.policy import TurnResult
from voice_server.conversation.turn_preview import TurnPreview
from voice_server.platform import metrics as prom
from voice_server.platform.app_state import AppState
from voice_server.platform.capacity import capacity_of
from voice_server.platform.cpu_budget import charge, charger, timed
from voice_server.platform.logs import get_logger
from voice_server.platform.ports import ConversationPort, TtsEngine
from voice_server.platform.settings import Settings, setting_default
from voice_server.voice import protocol as p
from voice_server.voice.notice_forwarder import forward_notices
from voice_server.voice.outbox import Outbox, OutboxOverflow
from voice_server.voice.pacing import FrameCutter, Pacer
from voice_server.voice.speculation import (
    SpeculationConfig,
    Verdict,
    judge_request,
    reusable,
    should_end_early,
)
from voice_server.voice.turn_record import StreamClock, Turn, now

log = get_logger(__name__)

DIALOGUE_CPU = charger("dialogue")

APOLOGY = "Sorry, I didn't catch that. Could you say it again?"
FAILED_APOLOGY = "Sorry, something went wrong on my side. Could you say that again?"


class SessionOptions(BaseModel):
    """Tunables of a voice session (defaults are the documented protocol behaviour)."""

    model_config = ConfigDict(frozen=True)

    hello_timeout_s: float = Field(p.HANDSHAKE_TIMEOUT_S, gt=0, description="close 4408 after this")
    frame_ms: int = Field(40, ge=10, le=100, description="reply audio frame length")
    max_ahead_ms: float = Field(200.0, ge=0, description="pacing: audio sent ahead of real time")
    max_backlog_ms: float = Field(2000.0, gt=0, description="unsent audio before a turn's audio is dropped")
    max_control_backlog: int = Field(256, ge=8, description="unsent control messages before close 4429")
    send_timeout_s: float = Field(10.0, gt=0, description="one blocked send longer than this → close 4429")
    interim_after_ms: int = Field(1500, ge=0, description="utterance length before interim transcripts")
    interim_every_ms: int = Field(1000, ge=100, description="interval of interim transcripts")
    echo_guard_ms: float = Field(
        300.0, ge=0, description="speech this soon after playback start must be strong"
    )
    barge_in_check_ms: int = Field(90, ge=10, description="how often a barge-in candidate is re-checked")
    tts_lead_ms: float = Field(
        1500.0, ge=0, description="just-in-time speech: the next clause is synthesised once less than this "
        "much synthesised audio of the reply is left to play (the first clause at once)",
    )
    max_invalid_in_row: int = Field(20, ge=1, description="consecutive invalid messages before close 4409")
    endpointer: EndpointerConfig = Field(default_factory=EndpointerConfig)
    speculation: SpeculationConfig = Field(default_factory=SpeculationConfig)
    hotwords: HotwordsMode = Field(
        setting_default("asr_hotwords"),
        description="Whisper prompt: garments + brands in the dialogue context, the whole catalog, or none",
    )
    asr_correction: bool = Field(setting_default("asr_correction"),
                                 description="map misheard catalog words back by sound")

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionOptions:
        """Options with the speech settings of `Settings` applied (voice_speculation, asr_hotwords, ...);
        the defaults of those live in `Settings` only (`setting_default`)."""
        spec = SpeculationConfig(enabled=settings.voice_speculation, early_end_ms=settings.voice_early_end_ms)
        return cls(speculation=spec, hotwords=settings.asr_hotwords, asr_correction=settings.asr_correction)

    def strong_barge_in(self) -> EndpointerConfig:
        """Stricter barge-in rule inside the echo guard window (twice as long, 6 dB louder)."""
        cfg = self.endpointer
        return cfg.model_copy(
            update={
                "barge_in_min_ms": cfg.barge_in_min_ms * 2,
                "barge_in_min_rms_dbfs": cfg.barge_in_min_rms_dbfs + 6.0,
            }
        )


@dataclass
class _Speculation:
    """A turn computed at a possible end of speech: nothing of it is stored or sent yet."""

    transcript: Transcript
    preview: TurnPreview | None = None
    verdict: Verdict | None = None
    clause: str | None = None  # first clause of the previewed reply ...
    audio: asyncio.Task[list[bytes]] | None = None  # ... synthesised ahead


class _Utterance:
    """Speech heard since the last SpeechStarted."""

    def __init__(self, t_ms: int, turn_id: int | None, barge_in_rule: EndpointerConfig | None) -> None:
        self.t_ms = t_ms
        self.turn_id = turn_id  # None while it is only a barge-in candidate
        self.barge_in_rule = barge_in_rule
        self.last_check_ms = t_ms
        self.last_interim_ms = t_ms
        self.speculative: asyncio.Task[Transcript] | None = None
        self.speculative_size = 0
        self.speculation: asyncio.Task[_Speculation | None] | None = None
        self.verdict: Verdict | None = None
        self.interim: asyncio.Task[None] | None = None
        self.interim_asr: asyncio.Task[Transcript] | None = None
        self.interim_size = 0

    def cancel_speculation(self) -> None:
        """Forget the speculative turn (ASR, dialogue preview, first-clause audio): it had no effects."""
        for task in (self.speculative, self.speculation):
            if task is not None:
                task.cancel()
        if self.speculation is not None and self.speculation.done() and not self.speculation.cancelled():
            spec = self.speculation.result() if self.speculation.exception() is None else None
            if spec is not None and spec.audio is not None:
                spec.audio.cancel()
        self.speculative = self.speculation = None
        self.verdict = None


class VoiceSession:
    """One shopper's websocket: handshake, audio in, turns, audio out, close."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        state: AppState,
        options: SessionOptions | None = None,
        *,
        header_token: str | None = None,
        abort: Callable[[], None] | None = None,
        said_hello: Callable[[], None] | None = None,
        admit: Callable[[], p.ProtocolError | None] | None = None,
    ) -> None:
        self.ws = ws
        self.state = state
        self.options = options or SessionOptions()
        self.session_id = secrets.token_urlsafe(12)
        self.header_token = header_token
        self._abort_transport = abort or (lambda: None)
        self._said_hello = said_hello or (lambda: None)  # ws.py: frees this socket's pending-handshake slot
        self._admit = admit or (lambda: None)  # ws.py: admission control at hello (None = admitted)
        self.last_turn_at: float | None = None
        """When the latest turn started (admission counts a session with a recent turn as talking)."""
        self.outbox = Outbox(self.options.max_backlog_ms, self.options.max_control_backlog)
        self.endpointer = Endpointer(self.options.endpointer)
        self.clock = StreamClock()
        self.negotiated: p.Negotiated | None = None
        self.user_id: int | None = None
        self.user_kind = "guest"
        self.conversation_id: str | None = None
        self.resume_token: str | None = None
        self.close_code: int | None = None
        self._resampler: Resampler | None = None
        self._turn_seq = 0
        self._turn: Turn | None = None
        self._utt: _Utterance | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writer: asyncio.Task[None] | None = None
        self._invalid_in_row = 0
        self._draining = False
        self._closing = False
        self._context_hotwords: str | None = None
        self._work = capacity_of(state).work

    # ------------------------------------------------------------------ lifecycle
    @property
    def busy(self) -> bool:
        return self._turn is not None

    @property
    def ready(self) -> bool:
        """`hello` was accepted (the session counts against the node's capacity)."""
        return self.negotiated is not None and not self._closing

    def talking(self, at: float, window_s: float) -> bool:
        """A turn is in progress, or one started within `window_s` (capacity.Load.talking)."""
        return self.busy or (self.last_turn_at is not None and at - self.last_turn_at < window_s)

    def live_tasks(self) -> int:
        """Tasks still owned by this session (0 once it has ended)."""
        own = [t for t in self._tasks if not t.done()]
        if self._writer is not None and not self._writer.done():
            own.append(self._writer)
        return len(own)

    async def run(self) -> None:
        """Serve the connection until it closes; every task of the session is gone on return."""
        prom.SESSIONS.inc()
        self._writer = asyncio.create_task(self._write_loop(), name=f"ws-writer-{self.session_id}")
        try:
            if await self._handshake():
                self._spawn(forward_notices(self), "notices")  # cross-node notices: session_notices.py
                await self._read_loop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not leave the socket half-open
            log.exception("session.crashed", session=self.session_id, error=repr(exc))
            self._fatal(p.ProtocolError(p.ErrorCode.INTERNAL, "internal error", p.CloseCode.INTERNAL_ERROR))
        finally:
            prom.SESSIONS.dec()
            await self._shutdown()

    async def _shutdown(self) -> None:
        self.endpointer.reset()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        writer = self._writer
        if writer is not None and not writer.done():
            # let the writer flush a queued close for a moment, then stop it
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(writer), 1.0 if self._closing else 0.0)
            writer.cancel()
            tasks.append(writer)
        await asyncio.gather(*tasks, return_exceptions=True)
        self.outbox.close()
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code=self.close_code or 1000), 1.0)
        if self.ws.close_code is not None:
            prom.CLOSES.labels(str(self.ws.close_code)).inc()

    @property
    def speculation_verdict(self) -> Verdict | None:
        """Adaptive endpointing's verdict on the utterance in progress (None before its speculative pass)."""
        return self._utt.verdict if self._utt is not None else None

    def abort_transport(self) -> None:
        """Drop the TCP connection without a close frame (slow clients; tests simulating a dead network)."""
        self._abort_transport()

    def cut(self) -> None:
        """Drain timeout: cut the turn still running (`interruption`, reason `cancel`), then go away."""
        self.request_drain()
        if self.busy:
            self._interrupt("cancel")
        if self.negotiated is not None:
            self._go_away()

    def request_drain(self) -> None:
        """Node is draining: finish the current turn, then `going_away` + close 1001."""
        self._draining = True
        if self._turn is None and self.negotiated is not None:
            self._go_away()

    def _go_away(self) -> None:
        if self._closing:
            return
        if self.resume_token:
            self._send(p.GoingAway(resume_token=self.resume_token))
        self._close(p.CloseCode.GOING_AWAY, "draining")

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=f"{name}-{self.session_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ sending
    def _send(self, message: BaseModel) -> None:
        if self._closing:
            return
        try:
            self.outbox.put_text(message.model_dump_json())
        except OutboxOverflow:
            self._slow_client("control backlog over limit")

    def _send_error(self, error: p.ProtocolError, turn_id: int | None = None) -> None:
        prom.ERRORS.labels(error.code.value).inc()
        self._send(error.to_message(turn_id))

    def _fatal(self, error: p.ProtocolError) -> None:
        self._send_error(error)
        assert error.close_code is not None
        self._close(error.close_code, error.code.value)

    def _close(self, code: int, reason: str) -> None:
        """Queue a close after everything already queued (the writer performs it)."""
        if self._closing:
            return
        self.close_code = int(code)
        self.outbox.put_close(int(code), reason)
        self._closing = True

    def _slow_client(self, why: str) -> None:
        log.warning("session.slow_client", session=self.session_id, why=why)
        prom.ERRORS.labels(p.ErrorCode.SLOW_CLIENT.value).inc()
        self._closing = True
        self.close_code = int(p.CloseCode.SLOW_CLIENT)
        self.outbox.close()
        if self._writer is not None:
            self._writer.cancel()
        self._spawn(self._hard_close(p.CloseCode.SLOW_CLIENT), "hard-close")

    async def _hard_close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code, message=b"slow client"), 1.0)
        self.abort_transport()

    async def _write_loop(self) -> None:
        timeout = self.options.send_timeout_s
        while True:
            item = await self.outbox.get()
            if item.close_code is not None:
                with contextlib.suppress(Exception):
                    reason = (item.text or "").encode()
                    await asyncio.wait_for(self.ws.close(code=item.close_code, message=reason), timeout)
                return
            try:
                async with asyncio.timeout(timeout):
                    if item.audio is not None:
                        await self.ws.send_bytes(item.audio)
                    else:
                        assert item.text is not None
                        await self.ws.send_str(item.text)
            except TimeoutError:
                self._writer = None  # do not cancel ourselves
                self._slow_client(f"a send blocked for {timeout} s")
                return
            except Exception:  # the peer went away: the reader will see the close
                return

    # ------------------------------------------------------------------ handshake
    async def _handshake(self) -> bool:
        """Wait for the first frame: a valid `hello` is accepted or refused; anything else closes 4400."""
        try:
            msg = await self.ws.receive(timeout=self.options.hello_timeout_s)
        except TimeoutError:
            self._fatal(
                p.ProtocolError(p.ErrorCode.HANDSHAKE_TIMEOUT, "no hello in time", p.CloseCode.HANDSHAKE_TIMEOUT)
            )
            return False
        finally:
            self._said_hello()  # a frame came (or none will): the socket no longer counts as pending
        if msg.type not in (WSMsgType.BINARY, WSMsgType.TEXT):
            return False  # closed, too big (aiohttp already closed 1009), or error
        first = p.first_frame(msg.data, binary=msg.type == WSMsgType.BINARY)
        if isinstance(first, p.ProtocolError):
            self._fatal(first)
            return False
        return await self._accept(first)

    def _conversations(self) -> ConversationPort:
        conv = self.state.services.conversation
        if conv is None:
            raise RuntimeError("the conversation service is not running")
        return conv

    async def _accept(self, hello: p.Hello) -> bool:
        negotiated = p.negotiate(hello)
        if isinstance(negotiated, p.ProtocolError):
            self._fatal(negotiated)
            return False
        refused = self._admit()
        if refused is not None:  # server full: refused before any token check or database work
            self._fatal(refused)
            return False
        key = self.state.token_key()
        try:
            conversation_id: str | None = None
            claims = None
            if hello.resume_token:
                resume = verify_token(key, hello.resume_token, "resume")
                conversation_id = str(resume.extra.get("conversation_id") or "") or None
                claims = resume
            access = hello.token or self.header_token
            if access or claims is None:
                access_claims = verify_token(key, access, "access")
                if claims is not None and access_claims.user_id != claims.user_id:
                    raise AuthError("invalid_token", "resume token belongs to another user")
                claims = access_claims
            self.user_id, self.user_kind = claims.user_id, claims.kind
            self.conversation_id = await self._conversations().open(self.user_id, conversation_id)
        except AuthError as exc:
            self._fatal(p.ProtocolError(p.ErrorCode.UNAUTHORIZED, exc.message, p.CloseCode.UNAUTHORIZED))
            return False
        except NotFound:  # a resume token for a conversation that is not this user's
            self._fatal(
                p.ProtocolError(p.ErrorCode.UNAUTHORIZED, "no such conversation", p.CloseCode.UNAUTHORIZED)
            )
            return False
        self.negotiated = negotiated
        self._resampler = Resampler(negotiated.input_rate, ASR_RATE)
        self.resume_token = issue_token(
            key,
            self.user_id,
            self.user_kind,
            self.state.settings.token_ttl_s,
            "resume",
            conversation_id=self.conversation_id,
        )
        self._send(
            p.Ready(
                session_id=self.session_id,
                conversation_id=self.conversation_id,
                resumed=conversation_id is not None,
                resume_token=self.resume_token,
                input=hello.input,
                output=hello.output,
                node=self.state.node_id,
                limits=p.Limits(
                    max_message_bytes=self.state.settings.max_message_bytes,
                    max_utterance_ms=self.options.endpointer.max_utterance_ms,
                    frame_ms=self.options.frame_ms,
                    max_ahead_ms=int(self.options.max_ahead_ms),
                ),
            )
        )
        log.info(
            "session.ready",
            session=self.session_id,
            conversation_id=self.conversation_id,
            resumed=conversation_id is not None,
            input_rate=negotiated.input_rate,
            output_rate=negotiated.output_rate,
        )
        self._refresh_hotwords()
        if self._draining or self.state.draining:
            self._go_away()
        return True

    # ------------------------------------------------------------------ reading
    async def _read_loop(self) -> None:
        async for msg in self.ws:
            if msg.type == WSMsgType.BINARY:
                self._on_audio(msg.data)
            elif msg.type == WSMsgType.TEXT:
                self._on_text(msg.data)
            else:  # ERROR (e.g. too big: aiohttp closed with 1009)
                break
            if self._closing:
                break
            await self._wait_for_writer()

    async def _wait_for_writer(self) -> None:
        """Backpressure: while replies pile up (a burst of pings or turns) read no further, so TCP slows
        the sender down instead of the outbox overflowing (4429 is for clients that stopped reading)."""
        deadline = now() + self.options.send_timeout_s
        while self.outbox.queued_control > self.options.max_control_backlog // 2 and not self._closing:
            if now() > deadline:  # the writer is stuck: its own send timeout closes 4429
                return
            await asyncio.sleep(0.005)

    def _on_text(self, data: str) -> None:
        parsed = p.parse_client_message(data)
        if isinstance(parsed, p.ProtocolError):
            self._invalid_in_row += 1
            if self._invalid_in_row >= self.options.max_invalid_in_row:
                self._fatal(p.ProtocolError(parsed.code, parsed.message, p.CloseCode.PROTOCOL_VIOLATION))
            else:
                self._send_error(parsed)
            return
        self._invalid_in_row = 0
        match parsed:
            case p.Hello():
                self._fatal(
                    p.ProtocolError(
                        p.ErrorCode.DUPLICATE_HELLO,
                        "hello was already accepted",
                        p.CloseCode.PROTOCOL_VIOLATION,
                    )
                )
            case p.Text(text=text):
                if self._turn is not None:
                    self._interrupt("text")
                turn = self._new_turn("text")
                turn.speech_end = turn.detected = turn.transcript_at = now()
                self._start_turn(turn, text=text)
            case p.Cancel(turn_id=turn_id):
                if self._turn is not None and turn_id in (None, self._turn.turn_id):
                    self._interrupt("cancel")
            case p.Playback(turn_id=turn_id, played_ms=played):
                if self._turn is not None and self._turn.turn_id == turn_id:
                    self._turn.played_ack_ms = played
            case p.EndOfSpeech():
                self._on_vad_events(self.endpointer.flush())
            case p.Ping(id=ping_id):
                self._send(p.Pong(id=ping_id))
            case p.Bye():
                self._close(p.CloseCode.NORMAL, "bye")

    def _on_audio(self, data: bytes) -> None:
        error = p.check_audio_frame(data, handshaken=True)
        if error is not None:
            self._send_error(error)
            return
        assert self._resampler is not None
        started = time.thread_time()
        pcm16k = self._resampler.process(data)
        events = self.endpointer.feed(pcm16k)
        charge("vad", time.thread_time() - started)
        self.clock.mark(self.endpointer.t_ms, now())
        self._on_vad_events(events)
        self._maybe_end_early()
        self._check_barge_in()
        self._maybe_interim()

    # ------------------------------------------------------------------ endpointing
    def _on_vad_events(self, events: list[VadEvent]) -> None:
        for event in events:
            match event:
                case SpeechStarted():
                    self._on_speech_started(event)
                case PossibleEnd():
                    self._on_possible_end(event)
                case SpeechResumed():
                    self._drop_speculative()
                case SpeechEnded():
                    self._on_speech_ended(event)

    def _on_speech_started(self, event: SpeechStarted) -> None:
        turn = self._turn
        if turn is None:
            self._utt = _Utterance(event.t_ms, self._open_speech_turn(event.t_ms), None)
            return
        rule = self.options.endpointer
        if (
            turn.first_audio_at is not None
            and (now() - turn.first_audio_at) * 1000 < self.options.echo_guard_ms
        ):
            rule = self.options.strong_barge_in()  # likely our own reply leaking into the mic
        self._utt = _Utterance(event.t_ms, None, rule)
        self._check_barge_in(force=True)

    def _open_speech_turn(self, t_ms: int) -> int:
        turn = self._new_turn("speech")
        self._turn = turn
        self._send(p.SpeechStarted(turn_id=turn.turn_id, t_ms=t_ms))
        return turn.turn_id

    def _check_barge_in(self, force: bool = False) -> None:
        utt = self._utt
        if utt is None or utt.turn_id is not None or not self.endpointer.in_speech:
            return
        t = self.endpointer.t_ms
        if not force and t - utt.last_check_ms < self.options.barge_in_check_ms:
            return
        utt.last_check_ms = t
        assert utt.barge_in_rule is not None
        if not is_barge_in(self.endpointer.current_audio(), utt.barge_in_rule):
            return
        if self._turn is not None:
            self._interrupt("barge_in")
        utt.turn_id = self._open_speech_turn(utt.t_ms)

    def _on_possible_end(self, event: PossibleEnd) -> None:
        utt = self._utt
        asr = self.state.asr
        if utt is None or utt.turn_id is None or asr is None or event.audio.size == 0:
            return
        self._drop_speculative()
        utt.speculative_size = int(event.audio.size)
        reused = self._take_interim(utt, utt.speculative_size)
        utt.speculative = reused or self._spawn(
            self._work.track("asr", asr.transcribe(event.audio, hotwords=self._hotwords())), "asr-spec"
        )
        if self.options.speculation.enabled:
            utt.speculation = self._spawn(self._speculate(utt, utt.speculative), "speculate")

    def _take_interim(self, utt: _Utterance, size: int) -> asyncio.Task[Transcript] | None:
        """The final/speculative pass is due: reuse a pending interim decode of the very same audio,
        otherwise cancel it (a queued request is dropped before it reaches the model)."""
        if utt.interim is not None:
            utt.interim.cancel()  # its transcript would only arrive after the final one
        task, utt.interim_asr = utt.interim_asr, None
        if task is None or task.done():
            return None
        if utt.interim_size == size:
            prom.SPECULATIVE.labels("interim_reused").inc()
            return task
        task.cancel()
        return None

    def _drop_speculative(self) -> None:
        utt = self._utt
        if utt is not None and (utt.speculative is not None or utt.speculation is not None):
            utt.cancel_speculation()
            prom.SPECULATIVE.labels("discarded").inc()

    async def _speculate(self, utt: _Utterance, asr_task: asyncio.Task[Transcript]) -> _Speculation | None:
        """ASR → dialogue preview (read-only) → verdict (maybe end early) → first clause synthesised.

        Nothing leaves the server and nothing is stored: the turn commits this work only when the
        end of speech is confirmed and the final transcript is the one speculated on.
        """
        try:
            transcript = await asyncio.shield(asr_task)
        except AsrError:
            return None
        spec = _Speculation(transcript)
        text = self._heard(transcript)
        conv = self.state.services.conversation
        if text and conv is not None and self.conversation_id and self.user_id is not None:
            try:
                spec.preview = await timed(conv.preview_text(self.conversation_id, self.user_id, text), DIALOGUE_CPU)
            except Exception as exc:  # the turn will run the dialogue normally
                log.warning("turn.preview_failed", session=self.session_id, error=repr(exc))
        understanding = spec.preview.understanding if spec.preview is not None else None
        spec.verdict = judge_request(
            text,
            understanding.intent.value if understanding is not None else None,
            understanding.confidence if understanding is not None else None,
            self.options.speculation,
        )
        if self._utt is utt:
            utt.verdict = spec.verdict
            self._maybe_end_early()
        result = spec.preview.result if spec.preview is not None else None
        tts = self.state.tts
        if result is not None and tts is not None and self.options.speculation.prefetch_audio:
            spec.clause = (split_clauses(result.reply_text) or [result.reply_text])[0]
            if spec.clause.strip():
                spec.audio = self._spawn(_synthesize_all(tts, spec.clause), "tts-prefetch")
        return spec

    def _maybe_end_early(self) -> None:
        """Adaptive endpointing: a complete, confident request ends after `early_end_ms` of silence."""
        utt, ep = self._utt, self.endpointer
        if utt is None or utt.turn_id is None or utt.verdict is None or not ep.end_pending:
            return
        if should_end_early(ep.trailing_silence_ms, utt.verdict, self.options.speculation,
                            ep.config.end_silence_ms):
            prom.SPECULATIVE.labels("early_end").inc()
            self._on_vad_events(ep.confirm_end())

    def _maybe_interim(self) -> None:
        utt, asr = self._utt, self.state.asr
        if utt is None or utt.turn_id is None or asr is None or not self.endpointer.in_speech:
            return
        t = self.endpointer.t_ms
        if (
            t - utt.t_ms < self.options.interim_after_ms
            or t - utt.last_interim_ms < self.options.interim_every_ms
        ):
            return
        if (utt.interim is not None and not utt.interim.done()) or self.endpointer.end_pending:
            return  # one interim at a time, and none while the speculative pass runs
        if asr.busy:
            return  # best effort: never queue an interim behind (or in front of) other decodes
        utt.last_interim_ms = t
        audio = self.endpointer.current_audio()
        utt.interim_size = int(audio.size)
        utt.interim_asr = self._spawn(
            self._work.track("asr", asr.transcribe(audio, hotwords=self._hotwords(), interim=True)), "asr-interim"
        )
        utt.interim = self._spawn(self._interim(utt.turn_id, utt.interim_asr), "interim")

    async def _interim(self, turn_id: int, decode: asyncio.Task[Transcript]) -> None:
        try:
            result = await asyncio.shield(decode)
        except (AsrError, asyncio.CancelledError):
            if not decode.done():
                raise
            return
        utt = self._utt
        if result.text and utt is not None and utt.turn_id == turn_id and self.endpointer.in_speech:
            self._send(
                p.Transcript(turn_id=turn_id, text=result.text, final=False, confidence=result.confidence)
            )

    def _on_speech_ended(self, event: SpeechEnded) -> None:
        utt, self._utt = self._utt, None
        if utt is None or utt.turn_id is None or self._turn is None or self._turn.turn_id != utt.turn_id:
            if utt is not None:
                utt.cancel_speculation()
                if utt.interim_asr is not None:
                    utt.interim_asr.cancel()
            return  # a backchannel / cough during a reply: ignored
        turn = self._turn
        turn.detected = now()
        turn.speech_end = self.clock.arrival(event.t_ms - event.silence_ms) or turn.detected
        turn.audio_in_ms = round(event.audio_ms, 1)
        self._send(
            p.SpeechEnded(
                turn_id=turn.turn_id, t_ms=event.t_ms, audio_ms=turn.audio_in_ms, reason=event.reason
            )
        )
        speculative = speculation = None
        if utt.speculative is not None and utt.speculative_size == event.audio.size:
            speculative, speculation = utt.speculative, utt.speculation
            prom.SPECULATIVE.labels("hit").inc()
        else:
            if utt.speculative is not None:
                prom.SPECULATIVE.labels("miss").inc()
            utt.cancel_speculation()
        interim = self._take_interim(utt, int(event.audio.size))
        if speculative is None:
            speculative = interim
        elif interim is not None:
            interim.cancel()
        self._start_turn(turn, audio=event.audio, speculative=speculative, speculation=speculation)

    # ------------------------------------------------------------------ turns
    def _new_turn(self, source: str) -> Turn:
        self._turn_seq += 1
        turn = Turn(turn_id=self._turn_seq, source=source)
        self.last_turn_at = turn.started
        self._turn = turn
        return turn

    def _hotwords(self) -> str | None:
        """Whisper prompt for the next decode (see `SessionOptions.hotwords`, docs/audio.md)."""
        mode = self.options.hotwords
        conv = self.state.services.conversation
        if mode == "context":
            return join_prompts(conv.catalog_prompt() if conv is not None else None, self._context_hotwords)
        return conv.hotwords() if mode == "catalog" and conv is not None else None

    def _heard(self, transcript: Transcript) -> str:
        """The transcript as the dialogue gets it: misheard catalog words mapped back by sound, and
        with beam search the hypothesis that fits the catalog best (`SessionOptions.asr_correction`)."""
        text = transcript.text.strip()
        conv = self.state.services.conversation
        if not text or not self.options.asr_correction or conv is None:
            return text
        try:
            return conv.correct_transcript([(text, transcript.avg_logprob), *transcript.alternatives]).strip()
        except Exception as exc:  # never lose a turn to the corrector
            log.warning("turn.asr_correction_failed", session=self.session_id, error=repr(exc))
            return text

    def _refresh_hotwords(self) -> None:
        """Re-read the dialogue context (after a turn) for the next utterance's hotwords."""
        conv = self.state.services.conversation
        if self.options.hotwords == "context" and self.conversation_id and conv is not None:
            self._spawn(_quietly(self._load_context_hotwords(conv, self.conversation_id)), "hotwords")

    async def _load_context_hotwords(self, conv: ConversationPort, conversation_id: str) -> None:
        self._context_hotwords = dialogue_hotwords(await conv.load_state(conversation_id))

    def _start_turn(
        self,
        turn: Turn,
        *,
        text: str | None = None,
        audio: np.ndarray | None = None,
        speculative: asyncio.Task[Transcript] | None = None,
        speculation: asyncio.Task[_Speculation | None] | None = None,
    ) -> None:
        turn.task = self._spawn(
            self._run_turn(turn, text, audio, speculative, speculation), f"turn-{turn.turn_id}"
        )

    async def _run_turn(
        self,
        turn: Turn,
        text: str | None,
        audio: np.ndarray | None,
        speculative: asyncio.Task[Transcript] | None,
        speculation: asyncio.Task[_Speculation | None] | None = None,
    ) -> None:
        spec: _Speculation | None = None
        try:
            if audio is not None:
                text = await self._transcribe(turn, audio, speculative)
                if text is None:  # ASR failed: apologise, stay alive
                    await self._reply_plain(turn, APOLOGY)
                    return
                self._send(
                    p.Transcript(turn_id=turn.turn_id, text=text, final=True, confidence=turn.confidence)
                )
                if not text:
                    prom.TURNS.labels("empty").inc()
                    return
            else:
                assert text is not None
                self._send(p.Transcript(turn_id=turn.turn_id, text=text, final=True, source="text"))
            assert text is not None
            if speculation is not None:
                with contextlib.suppress(Exception):
                    spec = await speculation
            await self._converse(turn, text, spec)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("turn.failed", session=self.session_id, turn=turn.turn_id, error=repr(exc))
            self._send_error(p.ProtocolError(p.ErrorCode.TURN_FAILED, "the turn failed"), turn.turn_id)
            prom.TURNS.labels("failed").inc()
            if turn.pacer is None and not self._closing:  # nothing spoken yet: apologise, not silence
                with contextlib.suppress(Exception):
                    await self._reply_plain(turn, FAILED_APOLOGY)
        finally:
            if spec is not None and spec.audio is not None:
                spec.audio.cancel()
            if turn.replied:
                self._refresh_hotwords()
            if self._turn is turn:
                self._turn = None
                if self._draining:
                    self._go_away()

    async def _transcribe(
        self, turn: Turn, audio: np.ndarray, speculative: asyncio.Task[Transcript] | None
    ) -> str | None:
        result: Transcript | None = None
        try:
            if speculative is not None:
                with contextlib.suppress(AsrError):
                    result = await speculative
                    turn.speculative_hit = True
            if result is None:
                if self.state.asr is None:
                    raise AsrError("closed", "speech models are still loading")
                result = await self._work.track(
                    "asr", self.state.asr.transcribe(audio, hotwords=self._hotwords())
                )
        except AsrError as exc:
            log.warning("turn.asr_failed", session=self.session_id, turn=turn.turn_id, error=str(exc))
            turn.transcript_at = now()
            self._send_error(
                p.ProtocolError(p.ErrorCode.ASR_FAILED, "speech recognition failed"), turn.turn_id
            )
            return None
        turn.transcript_at = now()
        turn.asr_compute_ms = round(result.asr_ms, 1)
        turn.asr_batch_size = result.batch_size
        turn.confidence = round(result.confidence, 3)
        return self._heard(result)

    async def _converse(self, turn: Turn, text: str, spec: _Speculation | None = None) -> None:
        conv = self._conversations()
        assert self.conversation_id is not None and self.user_id is not None
        turn.replied = True
        result: TurnResult | None = None
        preview = spec.preview if spec is not None else None
        if preview is not None and reusable(preview.text, text):
            # the speculative dialogue step is committed now (state + history), or refused if stale
            turn.dialogue = asyncio.ensure_future(
                timed(conv.commit_preview(self.conversation_id, self.user_id, preview), DIALOGUE_CPU)
            )
            turn.dialogue.add_done_callback(_consume_result)
            result = await asyncio.shield(turn.dialogue)
            turn.speculative_reply = result is not None
            prom.SPECULATIVE.labels("committed" if result is not None else "not_committed").inc()
        if result is None:
            # shielded: an interruption must not leave the dialogue state half-written
            turn.dialogue = asyncio.ensure_future(
                timed(conv.handle_text(self.conversation_id, self.user_id, text), DIALOGUE_CPU)
            )
            turn.dialogue.add_done_callback(_consume_result)
            result = await asyncio.shield(turn.dialogue)
        assert result is not None  # handle_text always returns a turn
        turn.reply_at = now()
        turn.conversation_turn = result.payload.get("turn") if isinstance(result.payload, dict) else None
        self._send(
            p.Reply(
                turn_id=turn.turn_id,
                conversation_id=self.conversation_id,
                text=result.reply_text,
                intent=result.intent,
                slots=_jsonable(result.slots),
                products=[_jsonable(x) for x in result.products],
                cart=_jsonable(result.cart) if result.cart is not None else None,
                payload=_jsonable(result.payload),
            )
        )
        ahead = spec if spec is not None and turn.speculative_reply else None
        await self._speak(turn, result.reply_text, ahead)
        self._finish(turn, "complete")

    async def _reply_plain(self, turn: Turn, text: str) -> None:
        turn.reply_at = now()
        assert self.conversation_id is not None
        self._send(
            p.Reply(turn_id=turn.turn_id, conversation_id=self.conversation_id, text=text, intent="unknown")
        )
        await self._speak(turn, text)
        self._finish(turn, "apology")

    def _finish(self, turn: Turn, outcome: str) -> None:
        prom.TURNS.labels(outcome).inc()
        self._send_metrics(turn)

    def _send_metrics(self, turn: Turn) -> None:
        record = turn.metrics()
        self._send(p.TurnMetrics(**record))
        prom.observe_turn(record)
        conv = self.state.services.conversation
        if conv is not None and self.conversation_id and turn.conversation_turn is not None:
            self._spawn(
                _quietly(conv.record_metrics(self.conversation_id, turn.conversation_turn, record)), "metrics"
            )

    # ------------------------------------------------------------------ speaking
    async def _speak(self, turn: Turn, text: str, ahead: _Speculation | None = None) -> None:
        tts = self.state.tts
        assert self.negotiated is not None
        out_rate = self.negotiated.output_rate
        frame_ms = float(self.options.frame_ms)
        self._send(p.AudioStart(turn_id=turn.turn_id, sample_rate=out_rate))
        turn.pacer = pacer = Pacer(self.options.max_ahead_ms)
        if tts is None or not text.strip():
            self._send(p.AudioEnd(turn_id=turn.turn_id, duration_ms=0.0, reason="failed"))
            return
        clauses: asyncio.Queue[tuple[str, list[bytes]] | None] = asyncio.Queue(maxsize=2)
        producer = self._spawn(self._synthesize(tts, text, clauses, turn, ahead), f"tts-{turn.turn_id}")
        resampler = Resampler(tts.sample_rate, out_rate)
        cutter = FrameCutter(out_rate, self.options.frame_ms)
        reason = "complete"
        try:
            while (item := await clauses.get()) is not None:
                clause, chunks = item
                start_ms = pacer.sent_ms
                for chunk in chunks:
                    for frame in cutter.push(resampler.process(chunk)):
                        if not await self._play(
                            turn, pacer, frame, frame_ms * len(frame) / cutter.frame_bytes
                        ):
                            reason = "dropped"
                            break
                    if reason != "complete":
                        break
                turn.spoken.add(clause, start_ms, pacer.sent_ms)
                if reason != "complete":
                    break
            if reason == "complete":
                for frame in cutter.push(resampler.flush()) + cutter.flush():
                    await self._play(turn, pacer, frame, frame_ms * len(frame) / cutter.frame_bytes)
        finally:
            producer.cancel()
        if turn.tts_failed and reason == "complete":
            reason = "failed"
        if reason == "dropped":
            self.outbox.close_turn(turn.turn_id)
            self._send_error(
                p.ProtocolError(p.ErrorCode.SLOW_CLIENT, "reply audio dropped: client too slow"), turn.turn_id
            )
        self._send(p.AudioEnd(turn_id=turn.turn_id, duration_ms=round(pacer.sent_ms, 1), reason=reason))

    async def _synthesize(
        self,
        tts: TtsEngine,
        text: str,
        out: asyncio.Queue[tuple[str, list[bytes]] | None],
        turn: Turn,
        ahead: _Speculation | None = None,
    ) -> None:
        """Producer, just in time: the first clause at once (or from `ahead` when it was synthesised
        speculatively), each next one only when the audio already synthesised is about to run out
        (`tts_lead_ms`). An interruption cancels this task, so no clause after it is synthesised."""
        produced_ms = 0.0
        try:
            for index, clause in enumerate(split_clauses(text) or [text]):
                if index > 0:
                    await self._until_needed(turn, produced_ms)
                chunks: list[bytes] = []
                if index == 0 and ahead is not None and ahead.audio is not None and ahead.clause == clause:
                    with contextlib.suppress(Exception):
                        chunks = await ahead.audio
                        if chunks:
                            turn.first_tts_at = turn.first_tts_at or now()
                if not chunks:
                    with self._work.hold("tts"):
                        async for pcm in tts.stream(clause):
                            if turn.first_tts_at is None:
                                turn.first_tts_at = now()
                            chunks.append(pcm)
                produced_ms += sum(len(c) for c in chunks) / 2 / tts.sample_rate * 1000.0
                await out.put((clause, chunks))
        except (TtsError, Exception) as exc:
            turn.tts_failed = True
            log.warning("turn.tts_failed", session=self.session_id, turn=turn.turn_id, error=str(exc))
            self._send_error(p.ProtocolError(p.ErrorCode.TTS_FAILED, "speech synthesis failed"), turn.turn_id)
        await out.put(None)

    async def _until_needed(self, turn: Turn, produced_ms: float) -> None:
        """Wait until less than `tts_lead_ms` of the audio synthesised so far is left to play."""
        lead = self.options.tts_lead_ms
        while True:
            played = turn.pacer.played_ms(now()) if turn.pacer is not None else 0.0
            left = produced_ms - played
            if left <= lead:
                return
            await asyncio.sleep(min((left - lead) / 1000.0, 0.25))

    async def _play(self, turn: Turn, pacer: Pacer, frame: bytes, frame_ms: float) -> bool:
        """Pace one frame into the outbox; False when the client fell too far behind."""
        delay = pacer.delay_before(now())
        if delay > 0:
            await asyncio.sleep(delay)
        if not self.outbox.put_audio(turn.turn_id, frame, frame_ms):
            return False
        pacer.on_sent(now(), frame_ms)
        if turn.first_audio_at is None:
            turn.first_audio_at = now()
        return True

    # ------------------------------------------------------------------ interruption
    def _interrupt(self, reason: str) -> None:
        """Cut the current turn: stop its task, purge its audio, tell the client and the dialogue."""
        turn, self._turn = self._turn, None
        if turn is None:
            return
        turn.interrupted = True
        purged = self.outbox.close_turn(turn.turn_id)  # before anything else: no stale audio
        if turn.task is not None:
            turn.task.cancel()
        played = 0.0
        if turn.pacer is not None:
            sent = max(0.0, turn.pacer.sent_ms - purged - self.outbox.queued_audio_ms_for(turn.turn_id))
            estimate = turn.pacer.played_ms(now())
            played = min(sent, turn.played_ack_ms if turn.played_ack_ms is not None else estimate)
        heard = turn.spoken.heard(played)
        self._send(
            p.Interruption(
                turn_id=turn.turn_id,
                reason=reason,
                played_ms=round(played, 1),
                heard_text=heard,
            )
        )
        prom.INTERRUPTIONS.labels(reason).inc()
        log.info(
            "turn.interrupted", session=self.session_id, turn=turn.turn_id, reason=reason, played_ms=played
        )
        if turn.replied and self.conversation_id is not None:
            conv, cid = self._conversations(), self.conversation_id
            self._spawn(
                _quietly(_after_reply(turn, lambda: conv.note_interrupted(cid, heard))), "note-interrupted"
            )
        if turn.replied or turn.first_audio_at is not None:
            self._send_metrics(turn)


async def _synthesize_all(tts: TtsEngine, text: str) -> list[bytes]:
    """All audio of `text` (used to synthesise a speculative reply's first clause ahead of time)."""
    return [pcm async for pcm in tts.stream(text)]


async def _after_reply(turn: Turn, call: Callable[[], Awaitable[None]]) -> None:
    """Run `call` once the (shielded) dialogue step of `turn` is done."""
    if turn.dialogue is not None:
        await asyncio.wait([turn.dialogue])
    await call()


def _consume_result(future: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned dialogue call's exception so it is logged once, not as 'never retrieved'."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("session.dialogue_failed", error=repr(future.exception()))


async def _quietly(coro: Awaitable[Any]) -> None:
    try:
        await coro
    except Exception as exc:
        log.warning("session.background_failed", error=repr(exc))


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
