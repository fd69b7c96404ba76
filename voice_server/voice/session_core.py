"""`SessionCore`: the turn-taking of one voice session, without I/O.

A plain object in the style of `protocol` and `speculation` (and of python-websockets' protocol
objects): `handle(event, at)` takes what happened (`session_events`) with the clock value it happened
at and returns what to do about it (`session_actions`), in order. It owns the handshake state, the
client's messages, the floor (the current `Turn`: transcribed → replied → spoken, or cut by barge-in,
`cancel`, a typed `text` or the drain), notices waiting for the floor and every close. Its base
`listening.Listening` is the endpointing half: frames → resampler → `audio.vad.Endpointer` → the
utterance in progress with its speculative and interim decodes. It reads no clock, starts no task and
touches no socket: `voice_server.voice.session` (the asyncio driver) does all of that and feeds the
results back as events.

Barge-in purges the turn's queued frames *before* the `interruption` message is queued
(`PurgeAudio` comes first), and the outbox refuses any later frame of that turn.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

from pydantic import BaseModel

from voice_server.platform import metrics as prom
from voice_server.platform.logs import get_logger
from voice_server.voice import protocol as p
from voice_server.voice import session_actions as a
from voice_server.voice import session_events as e
from voice_server.voice.listening import Listening
from voice_server.voice.pacing import Pacer
from voice_server.voice.session_options import SessionOptions
from voice_server.voice.turn_record import Turn

log = get_logger(__name__)

APOLOGY = "Sorry, I didn't catch that. Could you say it again?"
FAILED_APOLOGY = "Sorry, something went wrong on my side. Could you say that again?"
NOTICE_SOURCE = "notice"


class AudioBacklog(Protocol):
    """What the core reads of the outbox: reply audio of a turn queued but not sent yet."""

    def queued_audio_ms_for(self, turn_id: int) -> float: ...


def notice_message(notice: dict[str, Any], text: str, turn_id: int | None) -> p.Notice:
    """The protocol message for a published notice (its ``type`` becomes ``kind``)."""
    data = {k: v for k, v in notice.items() if k not in ("type", "text")}
    return p.Notice(turn_id=turn_id, kind=str(notice.get("type") or notice.get("kind") or "notice"),
                    text=text, data=data)


class SessionCore(Listening):
    """Handshake, audio in, turns, barge-in, notices and drain of one session, as events → actions."""

    def __init__(self, options: SessionOptions, session_id: str, backlog: AudioBacklog) -> None:
        super().__init__(options)
        self.session_id = session_id
        self._backlog = backlog
        self.negotiated: p.Negotiated | None = None
        self.user_id: int | None = None
        self.user_kind = "guest"
        self.conversation_id: str | None = None
        self.resume_token: str | None = None
        self.close_code: int | None = None
        self.closing = False
        """A close is queued (or the client was cut off): nothing more is sent."""
        self.draining = False
        self.last_turn_at: float | None = None
        """When the latest turn started (admission counts a session with a recent turn as talking)."""
        self.turn: Turn | None = None
        """The turn holding the floor (None when idle)."""
        self._hello: p.Hello | None = None
        self._negotiating: p.Negotiated | None = None
        self._turn_seq = 0
        self._invalid_in_row = 0
        self._outcome = "complete"  # what `_finish` records once the current turn's speech ends
        self._failed = False  # the current turn already failed: its apology may fail quietly
        self._notices: deque[tuple[dict[str, Any], str]] = deque()
        self._ended = False
        self._out: list[a.Action] = []

    # ------------------------------------------------------------------ entry point
    def handle(self, event: e.Event, at: float) -> list[a.Action]:
        """Take one event (at clock value `at`, seconds); return the actions it calls for, in order."""
        if self._ended:
            return []  # news of work cancelled with the session
        match event:
            case e.AudioFrame():  # first: by far the most frequent event (50 a second per session)
                self._on_audio(event, at)
            case e.FirstFrame(data=data, binary=binary):
                self._on_first_frame(data, binary)
            case e.HelloTimedOut():
                self._fatal(p.ProtocolError(p.ErrorCode.HANDSHAKE_TIMEOUT, "no hello in time",
                                            p.CloseCode.HANDSHAKE_TIMEOUT))
            case e.Admitted():
                self._on_admitted(event)
            case e.Refused(error=error):
                self._fatal(error)
            case e.TextFrame(data=data):
                self._on_text(data, at)
            case e.SpeculationJudged():
                self._on_speculation_judged(event, at)
            case e.TurnEndScored():
                self._on_turn_end_scored(event, at)
            case e.InterimHeard():
                self._on_interim_heard(event)
            case e.TurnTranscribed():
                self._on_turn_transcribed(event, at)
            case e.TurnReplied():
                self._on_turn_replied(event, at)
            case e.TurnFailed(turn_id=turn_id):
                self._on_turn_failed(turn_id, at)
            case e.TtsFailed(turn_id=turn_id):
                self._on_tts_failed(turn_id)
            case e.SpeakingEnded():
                self._on_speaking_ended(event)
            case e.SpeakingFailed(turn_id=turn_id):
                self._on_speaking_failed(turn_id, at)
            case e.NoticeArrived():
                self._on_notice(event)
            case e.DrainRequested():
                self._request_drain()
            case e.CutRequested():
                self._cut(at)
            case e.SlowClient(why=why):
                self._slow_client(why)
            case e.Crashed():
                self._fatal(p.ProtocolError(p.ErrorCode.INTERNAL, "internal error", p.CloseCode.INTERNAL_ERROR))
            case e.SessionEnded():
                self._on_session_ended()
        self._maybe_say_notice(at)
        out, self._out = self._out, []
        return out

    @property
    def ready(self) -> bool:
        """`hello` was accepted and the session is not closing."""
        return self.negotiated is not None and not self.closing

    @property
    def idle(self) -> bool:
        """No turn holds the floor and the shopper is not speaking."""
        return self.turn is None and not self.endpointer.in_speech

    # ------------------------------------------------------------------ sending and closing
    def _do(self, action: a.Action) -> None:
        self._out.append(action)

    def _send(self, message: BaseModel) -> None:
        if not self.closing:
            self._do(a.Send(message))

    def _send_error(self, error: p.ProtocolError, turn_id: int | None = None) -> None:
        prom.ERRORS.labels(error.code.value).inc()
        self._send(error.to_message(turn_id))

    def _fatal(self, error: p.ProtocolError) -> None:
        self._send_error(error)
        assert error.close_code is not None
        self._close(error.close_code, error.code.value)

    def _close(self, code: int, reason: str) -> None:
        if self.closing:
            return
        self.close_code = int(code)
        self._do(a.Close(int(code), reason))
        self.closing = True

    def _slow_client(self, why: str) -> None:
        log.warning("session.slow_client", session=self.session_id, why=why)
        prom.ERRORS.labels(p.ErrorCode.SLOW_CLIENT.value).inc()
        self.closing = True
        self.close_code = int(p.CloseCode.SLOW_CLIENT)
        self._do(a.HardClose(int(p.CloseCode.SLOW_CLIENT)))

    def _go_away(self) -> None:
        if self.closing:
            return
        if self.resume_token:
            self._send(p.GoingAway(resume_token=self.resume_token))
        self._close(p.CloseCode.GOING_AWAY, "draining")

    def _request_drain(self) -> None:
        self.draining = True
        if self.turn is None and self.negotiated is not None:
            self._go_away()

    def _on_session_ended(self) -> None:
        """Nothing more happens: the floor, the utterance and waiting notices are let go."""
        self._ended = True
        self.turn = self.utterance = None
        self._notices.clear()
        self.endpointer.reset()

    def _cut(self, at: float) -> None:
        self._request_drain()
        if self.turn is not None:
            self._interrupt("cancel", at)
        if self.negotiated is not None:
            self._go_away()

    # ------------------------------------------------------------------ handshake
    def _on_first_frame(self, data: str | bytes, binary: bool) -> None:
        first = p.first_frame(data, binary=binary)
        if isinstance(first, p.ProtocolError):
            self._fatal(first)
            return
        negotiated = p.negotiate(first)
        if isinstance(negotiated, p.ProtocolError):
            self._fatal(negotiated)
            return
        self._hello, self._negotiating = first, negotiated
        self._do(a.Authenticate(first, negotiated))

    def _on_admitted(self, event: e.Admitted) -> None:
        negotiated = self._negotiating
        assert self._hello is not None and negotiated is not None, "Admitted before a hello"
        self.negotiated = negotiated
        self.interims_wanted = negotiated.interim_transcripts
        self.user_id, self.user_kind = event.user_id, event.user_kind
        self.conversation_id, self.resume_token = event.conversation_id, event.resume_token
        self._listen(negotiated.input_rate)
        limits = p.Limits(
            max_message_bytes=event.max_message_bytes,
            max_utterance_ms=self.options.endpointer.max_utterance_ms,
            frame_ms=self.options.frame_ms,
            max_ahead_ms=int(self.options.max_ahead_ms),
        )
        self._send(p.Ready(
            session_id=self.session_id, conversation_id=event.conversation_id, resumed=event.resumed,
            resume_token=event.resume_token, input=self._hello.input, output=self._hello.output,
            node=event.node, limits=limits,
        ))
        log.info("session.ready", session=self.session_id, conversation_id=event.conversation_id,
                 resumed=event.resumed, input_rate=negotiated.input_rate, output_rate=negotiated.output_rate)
        self._do(a.RefreshHotwords())
        if self.draining or event.node_draining:
            self._go_away()

    # ------------------------------------------------------------------ client messages
    def _on_text(self, data: str, at: float) -> None:
        if self._hello is None:
            self._on_first_frame(data, False)
            return
        if self.negotiated is None or self.closing:
            return  # still authenticating, or nothing more is read
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
                self._fatal(p.ProtocolError(p.ErrorCode.DUPLICATE_HELLO, "hello was already accepted",
                                            p.CloseCode.PROTOCOL_VIOLATION))
            case p.Text(text=text):
                self._on_typed_text(text, at)
            case p.Cancel(turn_id=turn_id):
                if self.turn is not None and turn_id in (None, self.turn.turn_id):
                    self._interrupt("cancel", at)
            case p.Playback(turn_id=turn_id, played_ms=played):
                if self.turn is not None and self.turn.turn_id == turn_id:
                    self.turn.played_ack_ms = played
            case p.EndOfSpeech():
                self._on_vad_events(self.endpointer.flush(), at)
            case p.Ping(id=ping_id):
                self._send(p.Pong(id=ping_id))
            case p.Bye():
                self._close(p.CloseCode.NORMAL, "bye")

    def _on_typed_text(self, text: str, at: float) -> None:
        if self.turn is not None:
            self._interrupt("text", at)
        turn = self._new_turn("text", at)
        turn.speech_end = turn.detected = turn.transcript_at = at
        self._send(p.Transcript(turn_id=turn.turn_id, text=text, final=True, source="text"))
        self._converse(turn, text)

    def _on_audio(self, frame: e.AudioFrame, at: float) -> None:
        if self._hello is None:
            self._on_first_frame(frame.data, True)
            return
        if self.negotiated is None or self.closing:
            return
        error = p.check_audio_frame(frame.data, handshaken=True)
        if error is not None:
            self._send_error(error)
            return
        self._hear(frame, at)

    # ------------------------------------------------------------------ turns
    def _new_turn(self, source: str, at: float) -> Turn:
        self._turn_seq += 1
        turn = Turn(turn_id=self._turn_seq, source=source, started=at)
        self.last_turn_at = at
        self.turn = turn
        self._outcome, self._failed = "complete", False
        return turn

    def _current(self, turn_id: int) -> Turn | None:
        """The turn an event is about, if it still holds the floor (a cut turn's news is stale)."""
        return self.turn if self.turn is not None and self.turn.turn_id == turn_id else None

    def _on_turn_transcribed(self, event: e.TurnTranscribed, at: float) -> None:
        turn = self._current(event.turn_id)
        if turn is None:
            return
        turn.transcript_at = at
        if event.text is None:  # ASR failed: apologise, stay alive
            self._send_error(p.ProtocolError(p.ErrorCode.ASR_FAILED, "speech recognition failed"), turn.turn_id)
            self._reply_plain(turn, APOLOGY, at)
            return
        turn.asr_compute_ms = round(event.asr_ms, 1) if event.asr_ms is not None else None
        turn.asr_batch_size = event.batch_size
        turn.confidence = round(event.confidence, 3) if event.confidence is not None else None
        turn.speculative_hit = event.speculative_hit
        self._send(p.Transcript(turn_id=turn.turn_id, text=event.text, final=True, confidence=turn.confidence))
        if not event.text:
            prom.TURNS.labels("empty").inc()
            self._end_turn(turn)
            return
        self._converse(turn, event.text)

    def _converse(self, turn: Turn, text: str) -> None:
        turn.replied = True
        self._do(a.Converse(turn.turn_id, text))

    def _on_turn_replied(self, event: e.TurnReplied, at: float) -> None:
        turn = self._current(event.turn_id)
        if turn is None:
            return
        result = event.result
        turn.speculative_reply = event.speculative
        turn.reply_at = at
        turn.conversation_turn = result.payload.get("turn") if isinstance(result.payload, dict) else None
        assert self.conversation_id is not None
        self._send(p.Reply(
            turn_id=turn.turn_id, conversation_id=self.conversation_id, text=result.reply_text,
            intent=result.intent, slots=_jsonable(result.slots), products=[_jsonable(x) for x in result.products],
            cart=_jsonable(result.cart) if result.cart is not None else None, payload=_jsonable(result.payload),
        ))
        self._speak(turn, result.reply_text, "complete", prefetched=event.speculative)

    def _reply_plain(self, turn: Turn, text: str, at: float) -> None:
        turn.reply_at = at
        assert self.conversation_id is not None
        self._send(p.Reply(turn_id=turn.turn_id, conversation_id=self.conversation_id, text=text, intent="unknown"))
        self._speak(turn, text, "apology")

    def _on_turn_failed(self, turn_id: int, at: float) -> None:
        turn = self._current(turn_id)
        if turn is None:
            return
        self._send_error(p.ProtocolError(p.ErrorCode.TURN_FAILED, "the turn failed"), turn.turn_id)
        prom.TURNS.labels("failed").inc()
        if turn.pacer is None and not self.closing and not self._failed:  # nothing spoken yet: apologise
            self._failed = True
            self._reply_plain(turn, FAILED_APOLOGY, at)
            return
        self._end_turn(turn)

    # ------------------------------------------------------------------ speaking
    def _speak(self, turn: Turn, text: str, outcome: str, prefetched: bool = False) -> None:
        assert self.negotiated is not None
        self._send(p.AudioStart(turn_id=turn.turn_id, sample_rate=self.negotiated.output_rate))
        turn.pacer = Pacer(self.options.max_ahead_ms)
        self._outcome = outcome
        self._do(a.Speak(turn, text, prefetched))

    def _on_tts_failed(self, turn_id: int) -> None:
        turn = self._current(turn_id)
        if turn is not None:
            turn.tts_failed = True
            self._send_error(p.ProtocolError(p.ErrorCode.TTS_FAILED, "speech synthesis failed"), turn_id)

    def _on_speaking_ended(self, event: e.SpeakingEnded) -> None:
        turn = self._current(event.turn_id)
        if turn is None:
            return
        assert turn.pacer is not None
        if event.reason == "dropped":
            self._do(a.PurgeAudio(turn.turn_id))
            self._send_error(p.ProtocolError(p.ErrorCode.SLOW_CLIENT, "reply audio dropped: client too slow"),
                             turn.turn_id)
        self._send(p.AudioEnd(turn_id=turn.turn_id, duration_ms=round(turn.pacer.sent_ms, 1), reason=event.reason))
        self._finish(turn, self._outcome)
        self._end_turn(turn)

    def _on_speaking_failed(self, turn_id: int, at: float) -> None:
        turn = self._current(turn_id)
        if turn is None:
            return
        if turn.source == NOTICE_SOURCE:  # speech trouble must not end the session
            log.warning("notice.speak_failed", session=self.session_id, turn=turn_id)
        elif not self._failed:
            self._on_turn_failed(turn_id, at)
            return
        self._end_turn(turn)

    def _finish(self, turn: Turn, outcome: str) -> None:
        prom.TURNS.labels(outcome).inc()
        self._send_metrics(turn)

    def _send_metrics(self, turn: Turn) -> None:
        record = turn.metrics()
        self._send(p.TurnMetrics(**record))
        prom.observe_turn(record)
        if self.conversation_id and turn.conversation_turn is not None:
            self._do(a.RecordMetrics(turn.conversation_turn, record))

    def _end_turn(self, turn: Turn) -> None:
        """The turn is over (not cut): release what is left of it, hand the floor back."""
        self._do(a.CancelTurn(turn.turn_id))
        if turn.replied:
            self._do(a.RefreshHotwords())
        if self.turn is turn:
            self.turn = None
            if self.draining:
                self._go_away()

    # ------------------------------------------------------------------ interruption
    def _interrupt(self, reason: str, at: float) -> None:
        """Cut the current turn: purge its audio, stop its work, tell the client and the dialogue."""
        turn, self.turn = self.turn, None
        if turn is None:
            return
        turn.interrupted = True
        unsent = self._backlog.queued_audio_ms_for(turn.turn_id)
        self._do(a.PurgeAudio(turn.turn_id))  # before anything else: no stale audio
        self._do(a.CancelTurn(turn.turn_id))
        played = 0.0
        if turn.pacer is not None:
            sent = max(0.0, turn.pacer.sent_ms - unsent)
            estimate = turn.pacer.played_ms(at)
            played = min(sent, turn.played_ack_ms if turn.played_ack_ms is not None else estimate)
        heard = turn.spoken.heard(played)
        self._send(p.Interruption(turn_id=turn.turn_id, reason=reason, played_ms=round(played, 1), heard_text=heard))
        prom.INTERRUPTIONS.labels(reason).inc()
        log.info("turn.interrupted", session=self.session_id, turn=turn.turn_id, reason=reason, played_ms=played)
        if turn.replied and self.conversation_id is not None:
            self._do(a.NoteInterrupted(turn.turn_id, heard))
            self._do(a.RefreshHotwords())
        if turn.replied or turn.first_audio_at is not None:
            self._send_metrics(turn)

    # ------------------------------------------------------------------ notices
    def _on_notice(self, event: e.NoticeArrived) -> None:
        if self.closing:
            return
        if self.draining or event.node_draining:  # not spoken: the client is about to move to another node
            self._send(notice_message(event.notice, event.text, None))
            return
        self._notices.append((event.notice, event.text))

    def _maybe_say_notice(self, at: float) -> None:
        """A notice waits for the floor: no turn in progress and the shopper not speaking."""
        while self._notices and self.ready and self.idle:
            notice, text = self._notices.popleft()
            if self.draining:
                self._send(notice_message(notice, text, None))
                continue
            turn = self._new_turn(NOTICE_SOURCE, at)
            turn.reply_at = at  # no dialogue step: an interruption has nothing to tell the dialogue
            self._send(notice_message(notice, text, turn.turn_id))
            log.info("notice.spoken", session=self.session_id, turn=turn.turn_id, kind=notice.get("type"))
            self._speak(turn, text, NOTICE_SOURCE)


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
