"""`VoiceSession`: the asyncio driver of one /ws/voice connection, from handshake to close.

The decisions are `SessionCore`'s (`session_core`, no I/O): this driver feeds it what happens
(`session_events`) and carries out what it asks (`session_actions`). Tasks of a session (all
cancelled when it ends, whatever the cause):

* the reader (the `run` coroutine itself): frames → `SessionCore` (protocol, resampler, endpointer);
  at `hello` it runs `session_auth.authenticate` for the core;
* the jobs the core names: speculative and interim ASR, the speculative pass (dialogue preview,
  verdict, first clause synthesised ahead), interim reporters;
* the steps of the current turn: ASR (speculative result reused; prompt and correction from
  `AsrContext`) → `ConversationService` → `Speaker`;
* helpers: `note_interrupted` and metrics calls, hotwords, the notice subscription (`notice_forwarder`);
* the writer: drains the bounded `Outbox` to the socket, so a slow client blocks only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from aiohttp import WSMsgType, web

from audio.asr import AsrError, Transcript
from audio.tts import split_clauses
from audio.vad import Endpointer
from voice_server.conversation.dialogue.policy import TurnResult
from voice_server.conversation.turn_preview import TurnPreview
from voice_server.platform import metrics as prom
from voice_server.platform.app_state import AppState
from voice_server.platform.capacity import capacity_of
from voice_server.platform.cpu_budget import Meter, charger, timed
from voice_server.platform.logs import get_logger
from voice_server.platform.ports import ConversationPort
from voice_server.voice import protocol as p
from voice_server.voice import session_actions as a
from voice_server.voice import session_events as e
from voice_server.voice import turn_model
from voice_server.voice.asr_context import AsrContext
from voice_server.voice.notice_forwarder import forward_notices
from voice_server.voice.outbox import Outbox, OutboxOverflow
from voice_server.voice.session_auth import authenticate
from voice_server.voice.session_core import APOLOGY, FAILED_APOLOGY, SessionCore
from voice_server.voice.session_options import SessionOptions
from voice_server.voice.speaker import AudioAhead, Speaker, synthesize_all
from voice_server.voice.speculation import Verdict, judge_request, reusable
from voice_server.voice.turn_record import Turn, now

__all__ = ["APOLOGY", "FAILED_APOLOGY", "SessionOptions", "VoiceSession"]

DecodeKind = Literal["speculative", "final", "interim"]
log = get_logger(__name__)

DIALOGUE_CPU = charger("dialogue")


@dataclass
class _Speculation:
    """A turn computed at a possible end of speech: nothing of it is stored or sent yet."""

    transcript: Transcript
    preview: TurnPreview | None = None
    verdict: Verdict | None = None
    ahead: AudioAhead | None = None  # first clause of the previewed reply, synthesised ahead


@dataclass
class _TurnWork:
    """What runs for one turn: its steps, and the speculation it took over."""

    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    speculation: asyncio.Task[_Speculation | None] | None = None
    spec: _Speculation | None = None


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
        self.outbox = Outbox(self.options.max_backlog_ms, self.options.max_control_backlog)
        self.core = SessionCore(self.options, self.session_id, self.outbox)
        self.asr_context = AsrContext(self.options, state, self.session_id)
        self._work = capacity_of(state).work
        self.speaker = Speaker(self.options, self.outbox, self._work, self._spawn,
                               lambda turn_id: self._feed(e.TtsFailed(turn_id)), self.session_id)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writer: asyncio.Task[None] | None = None
        self._jobs: dict[int, asyncio.Task[Any]] = {}
        self._turns: dict[int, _TurnWork] = {}
        self._dialogues: dict[int, asyncio.Future[Any]] = {}  # shielded dialogue calls, by turn
        self._auth: a.Authenticate | None = None
        self._heard_at = now()  # when the client's latest message arrived (keepalive)

    # ------------------------------------------------------------------ state (the core's)
    @property
    def endpointer(self) -> Endpointer:
        return self.core.endpointer

    @property
    def negotiated(self) -> p.Negotiated | None:
        return self.core.negotiated

    @property
    def user_id(self) -> int | None:
        return self.core.user_id

    @property
    def user_kind(self) -> str:
        return self.core.user_kind

    @property
    def conversation_id(self) -> str | None:
        return self.core.conversation_id

    @property
    def resume_token(self) -> str | None:
        return self.core.resume_token

    @property
    def close_code(self) -> int | None:
        return self.core.close_code

    @property
    def last_turn_at(self) -> float | None:
        """When the latest turn started (admission counts a session with a recent turn as talking)."""
        return self.core.last_turn_at

    @property
    def busy(self) -> bool:
        return self.core.turn is not None

    @property
    def ready(self) -> bool:
        """`hello` was accepted (the session counts against the node's capacity)."""
        return self.core.ready

    def talking(self, at: float, window_s: float) -> bool:
        """A turn is in progress, or one started within `window_s` (capacity.Load.talking)."""
        return self.busy or (self.last_turn_at is not None and at - self.last_turn_at < window_s)

    @property
    def speculation_verdict(self) -> Verdict | None:
        """Adaptive endpointing's verdict on the utterance in progress (None before its speculative pass)."""
        return self.core.utterance.verdict if self.core.utterance is not None else None

    def live_tasks(self) -> int:
        """Tasks still owned by this session (0 once it has ended)."""
        own = [t for t in self._tasks if not t.done()]
        if self._writer is not None and not self._writer.done():
            own.append(self._writer)
        return len(own)

    # ------------------------------------------------------------------ from outside
    def abort_transport(self) -> None:
        """Drop the TCP connection without a close frame (slow clients; tests simulating a dead network)."""
        self._abort_transport()

    def cut(self) -> None:
        """Drain timeout: cut the turn still running (`interruption`, reason `cancel`), then go away."""
        self._feed(e.CutRequested())

    def request_drain(self) -> None:
        """Node is draining: finish the current turn, then `going_away` + close 1001."""
        self._feed(e.DrainRequested())

    def notice_arrived(self, notice: dict[str, Any], text: str) -> None:
        """A notice for this shopper (`notice_forwarder`): the core says it once the session is idle."""
        self._feed(e.NoticeArrived(notice, text, node_draining=self.state.draining))

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        """Serve the connection until it closes; every task of the session is gone on return."""
        prom.SESSIONS.inc()
        self._writer = asyncio.create_task(self._write_loop(), name=f"ws-writer-{self.session_id}")
        try:
            if await self._handshake():
                hub = self.state.services.notices
                if hub is not None and self.user_id is not None:  # cross-node notices: notice_forwarder.py
                    self._spawn(forward_notices(hub, self.user_id, self.notice_arrived), "notices")
                self._spawn(self._keepalive(), "keepalive")
                await self._read_loop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not leave the socket half-open
            log.exception("session.crashed", session=self.session_id, error=repr(exc))
            self._feed(e.Crashed())
        finally:
            prom.SESSIONS.dec()
            await self._shutdown()

    async def _shutdown(self) -> None:
        self._feed(e.SessionEnded())
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        writer = self._writer
        if writer is not None and not writer.done():
            # let the writer flush a queued close for a moment, then stop it
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(writer), 1.0 if self.core.closing else 0.0)
            writer.cancel()
            tasks.append(writer)
        await asyncio.gather(*tasks, return_exceptions=True)
        self.outbox.close()
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code=self.close_code or 1000), 1.0)
        if self.ws.close_code is not None:
            prom.CLOSES.labels(str(self.ws.close_code)).inc()

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=f"{name}-{self.session_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ core in, actions out
    def _feed(self, event: e.Event) -> None:
        for action in self.core.handle(event, now()):
            self._apply(action)

    def _apply(self, action: a.Action) -> None:
        match action:
            case a.Send(message=message):
                try:
                    self.outbox.put_text(message.model_dump_json())
                except OutboxOverflow:
                    self._feed(e.SlowClient("control backlog over limit"))
            case a.Close(code=code, reason=reason):
                self.outbox.put_close(code, reason)
            case a.HardClose(code=code):
                self.outbox.close()
                if self._writer is not None:
                    self._writer.cancel()
                self._spawn(self._hard_close(code), "hard-close")
            case a.PurgeAudio(turn_id=turn_id):
                self.outbox.close_turn(turn_id)
            case a.Authenticate():
                self._auth = action
            case a.RefreshHotwords():
                self._refresh_hotwords()
            case a.Transcribe(job=job, audio=audio, interim=interim):
                kind: DecodeKind = "interim" if interim else "speculative"
                self._jobs[job] = self._spawn(self._decode(audio, kind), f"asr-{kind}")
            case a.ReportInterim(job=job, decode=decode, turn_id=turn_id):
                self._jobs[job] = self._spawn(self._report_interim(job, turn_id, self._jobs[decode]), "interim")
            case a.Speculate(job=job, decode=decode):
                self._jobs[job] = self._spawn(self._speculate(job, self._jobs[decode]), "speculate")
            case a.ScoreTurnEnd(job=job, audio=audio):
                self._jobs[job] = self._spawn(self._score_turn_end(job, audio), "turn-model")
            case a.CancelJob(job=job):
                _drop(self._jobs.pop(job, None))
            case a.TranscribeTurn():
                self._start_transcription(action)
            case a.Converse(turn_id=turn_id, text=text):
                self._turn_step(turn_id, self._converse(turn_id, text), f"turn-{turn_id}")
            case a.Speak(turn=turn, text=text, prefetched=prefetched):
                self._turn_step(turn.turn_id, self._speak(turn, text, prefetched), f"speak-{turn.turn_id}")
            case a.CancelTurn(turn_id=turn_id):
                self._cancel_turn(turn_id)
            case a.NoteInterrupted(turn_id=turn_id, heard=heard):
                self._note_interrupted(turn_id, heard)
            case a.RecordMetrics(conversation_turn=conversation_turn, record=record):
                conv, cid = self.state.services.conversation, self.conversation_id
                if conv is not None and cid:
                    self._spawn(_quietly(conv.record_metrics(cid, conversation_turn, record)), "metrics")

    # ------------------------------------------------------------------ writing
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
                self._feed(e.SlowClient(f"a send blocked for {timeout} s"))
                return
            except Exception:  # the peer went away: the reader will see the close
                return

    # ------------------------------------------------------------------ handshake
    async def _handshake(self) -> bool:
        """Wait for the first frame: a valid `hello` is accepted or refused; anything else closes 4400."""
        deadline = now() + self.options.hello_timeout_s
        try:
            while True:
                msg = await self.ws.receive(timeout=max(0.001, deadline - now()))
                if msg.type == WSMsgType.PING:  # autoping is off (see websocket.py): answer it ourselves
                    await self.ws.pong(msg.data)
                elif msg.type != WSMsgType.PONG:
                    break
            self._heard_at = now()
        except TimeoutError:
            self._feed(e.HelloTimedOut())
            return False
        finally:
            self._said_hello()  # a frame came (or none will): the socket no longer counts as pending
        if msg.type not in (WSMsgType.BINARY, WSMsgType.TEXT):
            return False  # closed, too big (aiohttp already closed 1009), or error
        self._feed(e.FirstFrame(msg.data, binary=msg.type == WSMsgType.BINARY))
        request, self._auth = self._auth, None
        if request is None:
            return False
        self._feed(await authenticate(self.state, request.hello, self.header_token, self._admit))
        return self.negotiated is not None

    def _conversations(self) -> ConversationPort:
        conv = self.state.services.conversation
        if conv is None:
            raise RuntimeError("the conversation service is not running")
        return conv

    # ------------------------------------------------------------------ reading
    async def _read_loop(self) -> None:
        core, outbox, state = self.core, self.outbox, self.state
        backlog = self.options.max_control_backlog // 2
        vad_cpu = Meter("vad")  # every frame's step, added to the counter once a second (50 frames)
        try:
            async for msg in self.ws:
                self._heard_at = at = now()
                if msg.type == WSMsgType.BINARY:
                    asr = state.asr
                    frame = e.AudioFrame(msg.data, asr_ready=asr is not None,
                                         asr_busy=asr is not None and asr.busy)
                    started = time.perf_counter()
                    actions = core.handle(frame, at)  # resampler, endpointer, barge-in check
                    vad_cpu.add(time.perf_counter() - started)
                    for action in actions:
                        self._apply(action)
                elif msg.type == WSMsgType.TEXT:
                    vad_cpu.flush()  # the counter is current whenever the client says something
                    self._feed(e.TextFrame(msg.data))
                elif msg.type == WSMsgType.PING:  # autoping is off (see websocket.py)
                    await self.ws.pong(msg.data)
                elif msg.type != WSMsgType.PONG:  # CLOSE, CLOSED, ERROR (e.g. too big: aiohttp closed with 1009)
                    break
                if core.closing:
                    break
                if outbox.queued_control > backlog:
                    await self._wait_for_writer()
        finally:
            vad_cpu.flush()

    async def _keepalive(self) -> None:
        """Dead-peer detection, one timer per `heartbeat_s` instead of aiohttp's per-chunk heartbeat reset:
        a client silent for `heartbeat_s` is pinged; without any message within half of that, the
        connection is dropped (the read loop then ends the session)."""
        every = self.options.heartbeat_s
        while True:
            quiet = now() - self._heard_at
            if quiet < every:
                await asyncio.sleep(every - quiet)
                continue
            pinged = now()
            with contextlib.suppress(Exception):
                await self.ws.ping()
            await asyncio.sleep(every / 2)
            if self._heard_at < pinged:
                log.info("session.dead_peer", session=self.session_id, silent_s=round(now() - self._heard_at, 1))
                self.abort_transport()
                return

    async def _wait_for_writer(self) -> None:
        """Backpressure: while replies pile up (a burst of pings or turns) read no further, so TCP slows
        the sender down instead of the outbox overflowing (4429 is for clients that stopped reading)."""
        deadline = now() + self.options.send_timeout_s
        while self.outbox.queued_control > self.options.max_control_backlog // 2 and not self.core.closing:
            if now() > deadline:  # the writer is stuck: its own send timeout closes 4429
                return
            await asyncio.sleep(0.005)

    # ------------------------------------------------------------------ jobs
    async def _decode(self, audio: np.ndarray, kind: DecodeKind) -> Transcript:
        asr = self.state.asr
        if asr is None:
            raise AsrError("closed", "speech models are still loading")
        prom.ASR_DECODES.labels(kind).inc()
        hotwords = self.asr_context.hotwords()
        interim = kind == "interim"
        return await self._work.track("asr", asr.transcribe(audio, hotwords=hotwords, interim=interim))

    async def _score_turn_end(self, job: int, audio: np.ndarray) -> None:
        """Learned end-of-turn model (own thread) on the possible end's audio; may end the turn early."""
        try:
            score = await turn_model.p_complete(audio)
        finally:
            self._jobs.pop(job, None)
        if score is not None:
            self._feed(e.TurnEndScored(job, score))

    async def _report_interim(self, job: int, turn_id: int, decode: asyncio.Task[Transcript]) -> None:
        result: Transcript | None = None
        try:
            result = await asyncio.shield(decode)
        except (AsrError, asyncio.CancelledError):
            if not decode.done():
                raise
        finally:
            self._jobs.pop(job, None)
        text, confidence = (result.text, result.confidence) if result is not None else ("", 0.0)
        self._feed(e.InterimHeard(job, turn_id, text, confidence))

    async def _speculate(self, job: int, decode: asyncio.Task[Transcript]) -> _Speculation | None:
        """ASR → dialogue preview (read-only) → verdict (maybe end early) → first clause synthesised.

        Nothing leaves the server and nothing is stored: the turn commits this work only when the
        end of speech is confirmed and the final transcript is the one speculated on.
        """
        try:
            transcript = await asyncio.shield(decode)
        except AsrError:
            return None
        spec = _Speculation(transcript)
        text = self.asr_context.heard(transcript)
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
        self._feed(e.SpeculationJudged(job, spec.verdict))
        result = spec.preview.result if spec.preview is not None else None
        tts = self.state.tts
        if result is not None and tts is not None and self.options.speculation.prefetch_audio:
            clause = (split_clauses(result.reply_text) or [result.reply_text])[0]
            if clause.strip():
                spec.ahead = AudioAhead(clause, self._spawn(synthesize_all(tts, clause), "tts-prefetch"))
        return spec

    # ------------------------------------------------------------------ turn steps
    def _turn_step(self, turn_id: int, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._turns.setdefault(turn_id, _TurnWork()).tasks.add(self._spawn(coro, name))

    def _start_transcription(self, action: a.TranscribeTurn) -> None:
        work = self._turns.setdefault(action.turn_id, _TurnWork())
        reuse = self._jobs.pop(action.reuse, None) if action.reuse is not None else None
        if reuse is not None:
            work.tasks.add(reuse)
        if action.speculation is not None:
            work.speculation = self._jobs.pop(action.speculation, None)
        self._turn_step(action.turn_id, self._transcribe(action.turn_id, action.audio, reuse), f"turn-{action.turn_id}")

    def _cancel_turn(self, turn_id: int) -> None:
        work = self._turns.pop(turn_id, None)
        if work is None:
            return
        me = asyncio.current_task()
        for task in work.tasks:
            if task is not me:
                task.cancel()
        _drop(work.speculation)
        if work.spec is not None and work.spec.ahead is not None:
            work.spec.ahead.audio.cancel()

    async def _transcribe(self, turn_id: int, audio: np.ndarray, reuse: asyncio.Task[Transcript] | None) -> None:
        result: Transcript | None = None
        hit = False
        try:
            if reuse is not None:
                with contextlib.suppress(AsrError):
                    result = await reuse
                    hit = True
            if result is None:
                result = await self._decode(audio, "final")
        except AsrError as exc:
            log.warning("turn.asr_failed", session=self.session_id, turn=turn_id, error=str(exc))
            self._feed(e.TurnTranscribed(turn_id, None))
            return
        except Exception as exc:
            log.exception("turn.failed", session=self.session_id, turn=turn_id, error=repr(exc))
            self._feed(e.TurnFailed(turn_id))
            return
        self._feed(e.TurnTranscribed(turn_id, self.asr_context.heard(result), result.confidence, result.asr_ms,
                                     result.batch_size, speculative_hit=hit))

    async def _converse(self, turn_id: int, text: str) -> None:
        work = self._turns.setdefault(turn_id, _TurnWork())
        try:
            if work.speculation is not None:
                with contextlib.suppress(Exception):
                    work.spec = await work.speculation
            result, committed = await self._dialogue(turn_id, text, work.spec)
        except Exception as exc:
            log.exception("turn.failed", session=self.session_id, turn=turn_id, error=repr(exc))
            self._feed(e.TurnFailed(turn_id))
            return
        self._feed(e.TurnReplied(turn_id, result, speculative=committed))

    async def _dialogue(self, turn_id: int, text: str, spec: _Speculation | None) -> tuple[TurnResult, bool]:
        """The dialogue step: the speculative one committed (state + history) when it previewed this
        very text and is not stale, otherwise a fresh one. Shielded: an interruption must not leave the
        dialogue state half-written."""
        conv = self._conversations()
        assert self.conversation_id is not None and self.user_id is not None
        preview = spec.preview if spec is not None else None
        if preview is not None and reusable(preview.text, text):
            committed = await self._shielded(turn_id, conv.commit_preview(self.conversation_id, self.user_id, preview))
            prom.SPECULATIVE.labels("committed" if committed is not None else "not_committed").inc()
            if committed is not None:
                return committed, True
        result = await self._shielded(turn_id, conv.handle_text(self.conversation_id, self.user_id, text))
        assert result is not None  # handle_text always returns a turn
        return result, False

    async def _shielded(self, turn_id: int, call: Coroutine[Any, Any, TurnResult | None]) -> TurnResult | None:
        dialogue: asyncio.Future[TurnResult | None] = asyncio.ensure_future(timed(call, DIALOGUE_CPU))
        dialogue.add_done_callback(_consume_result)
        self._dialogues[turn_id] = dialogue
        dialogue.add_done_callback(lambda _: self._dialogues.pop(turn_id, None))
        return await asyncio.shield(dialogue)

    async def _speak(self, turn: Turn, text: str, prefetched: bool) -> None:
        work = self._turns.get(turn.turn_id)
        ahead = work.spec.ahead if prefetched and work is not None and work.spec is not None else None
        assert self.negotiated is not None
        try:
            reason = await self.speaker.play(turn, text, self.state.tts, self.negotiated.output_rate, ahead)
        except Exception as exc:
            log.warning("turn.speak_failed", session=self.session_id, turn=turn.turn_id, error=repr(exc))
            self._feed(e.SpeakingFailed(turn.turn_id))
            return
        self._feed(e.SpeakingEnded(turn.turn_id, reason))

    def _note_interrupted(self, turn_id: int, heard: str) -> None:
        conv, cid = self._conversations(), self.conversation_id
        assert cid is not None
        self._spawn(_quietly(_after(self._dialogues.get(turn_id), lambda: conv.note_interrupted(cid, heard))),
                    "note-interrupted")

    def _refresh_hotwords(self) -> None:
        cid = self.conversation_id
        if cid and self.asr_context.follows_dialogue:
            self._spawn(_quietly(self.asr_context.refresh(cid)), "hotwords")


def _drop(job: asyncio.Task[Any] | None) -> None:
    """Cancel a job; a speculation's first clause synthesised ahead goes with it."""
    if job is None:
        return
    job.cancel()
    if job.done() and not job.cancelled() and job.exception() is None:
        spec = job.result()
        if isinstance(spec, _Speculation) and spec.ahead is not None:
            spec.ahead.audio.cancel()


async def _after(dialogue: asyncio.Future[Any] | None, call: Callable[[], Awaitable[None]]) -> None:
    """Run `call` once the (shielded) dialogue step is done."""
    if dialogue is not None:
        await asyncio.wait([dialogue])
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
