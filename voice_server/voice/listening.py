"""`Listening`: the endpointing half of `SessionCore` (no I/O, no clock).

Audio in → resampler → `audio.vad.Endpointer` → the utterance in progress: a speech turn opens at
`SpeechStarted` (or, while a turn holds the floor, only once the speech passes the barge-in rule,
stricter inside the echo guard); at `PossibleEnd` the audio so far is decoded (and, with speculation,
the turn previewed) before the end is sure; `SpeechResumed` drops that speculation; `SpeechEnded` asks
for the turn's transcription, reusing a decode of the very same audio. Adaptive endpointing ends a turn
early once the speculation (or the end-of-turn model) judged it a complete request; long utterances
get interim transcripts.

The floor (the current turn, opening and cutting turns, the action buffer) is `SessionCore`'s: the
hooks below are its.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from pydantic import BaseModel

from audio.pcm import ASR_RATE, Resampler
from audio.vad import (
    Endpointer,
    PossibleEnd,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VadEvent,
    is_barge_in,
)
from voice_server.platform import metrics as prom
from voice_server.voice import protocol as p
from voice_server.voice import session_actions as a
from voice_server.voice import session_events as e
from voice_server.voice.session_options import SessionOptions
from voice_server.voice.speculation import should_end_early
from voice_server.voice.turn_record import StreamClock, Turn
from voice_server.voice.utterance import Utterance


class Listening(ABC):
    """Endpointer, utterance in progress and the decode jobs started on it."""

    turn: Turn | None
    """The turn holding the floor (set by `SessionCore`)."""

    def __init__(self, options: SessionOptions) -> None:
        self.options = options
        self.endpointer = Endpointer(options.endpointer)
        cfg = options.endpointer
        # the clock is only asked when the speech of a turn ended (at most end_silence_ms back, an utterance
        # lasts at most max_utterance_ms): marks for that span, one per endpointer frame, not 2000 per session
        self.clock = StreamClock(keep=(cfg.max_utterance_ms + cfg.end_silence_ms) // cfg.frame_ms + 2)
        self._marked_ms = -1  # stream time of the clock's latest mark
        self.utterance: Utterance | None = None
        self._resampler: Resampler | None = None
        self._job_seq = 0
        self._asr_ready = False
        self._asr_busy = False
        self.interims_wanted = False  # hello.interim_transcripts (set by SessionCore)

    # ------------------------------------------------------------------ hooks (SessionCore)
    @abstractmethod
    def _do(self, action: a.Action) -> None: ...

    @abstractmethod
    def _send(self, message: BaseModel) -> None: ...

    @abstractmethod
    def _new_turn(self, source: str, at: float) -> Turn: ...

    @abstractmethod
    def _interrupt(self, reason: str, at: float) -> None: ...

    # ------------------------------------------------------------------ audio in
    def _listen(self, input_rate: int) -> None:
        """The handshake is done: the client's audio comes at `input_rate`."""
        self._resampler = Resampler(input_rate, ASR_RATE)

    def _hear(self, frame: e.AudioFrame, at: float) -> None:
        """A valid frame of the client's audio: resampled, endpointed, then what its events call for."""
        assert self._resampler is not None, "audio before the handshake"
        self._asr_ready, self._asr_busy = frame.asr_ready, frame.asr_busy
        ep = self.endpointer
        events = ep.feed(self._resampler.process(frame.data))
        if ep.t_ms != self._marked_ms:  # a frame that completes no endpointer frame adds no new stream time
            self._marked_ms = ep.t_ms
            self.clock.mark(ep.t_ms, at)
        if events:
            self._on_vad_events(events, at)
        if self.utterance is not None:  # nobody talking: nothing to end, barge in on or transcribe
            self._maybe_end_early(at)
            self._check_barge_in(at)
            self._maybe_interim()

    def _on_vad_events(self, events: list[VadEvent], at: float) -> None:
        for event in events:
            match event:
                case SpeechStarted():
                    self._on_speech_started(event, at)
                case PossibleEnd():
                    self._on_possible_end(event)
                case SpeechResumed():
                    self._drop_speculative()
                case SpeechEnded():
                    self._on_speech_ended(event, at)

    def _on_speech_started(self, event: SpeechStarted, at: float) -> None:
        turn = self.turn
        if turn is None:
            self.utterance = Utterance(event.t_ms, self._open_speech_turn(event.t_ms, at), None)
            return
        rule = self.options.endpointer
        if turn.first_audio_at is not None and (at - turn.first_audio_at) * 1000 < self.options.echo_guard_ms:
            rule = self.options.strong_barge_in()  # likely our own reply leaking into the mic
        self.utterance = Utterance(event.t_ms, None, rule)
        self._check_barge_in(at, force=True)

    def _open_speech_turn(self, t_ms: int, at: float) -> int:
        turn = self._new_turn("speech", at)
        self._send(p.SpeechStarted(turn_id=turn.turn_id, t_ms=t_ms))
        return turn.turn_id

    def _check_barge_in(self, at: float, force: bool = False) -> None:
        utt = self.utterance
        if utt is None or utt.turn_id is not None or not self.endpointer.in_speech:
            return
        t = self.endpointer.t_ms
        if not force and t - utt.last_check_ms < self.options.barge_in_check_ms:
            return
        utt.last_check_ms = t
        assert utt.barge_in_rule is not None
        if not is_barge_in(self.endpointer.current_audio(), utt.barge_in_rule):
            return
        if self.turn is not None:
            self._interrupt("barge_in", at)
        utt.turn_id = self._open_speech_turn(utt.t_ms, at)

    def _on_possible_end(self, event: PossibleEnd) -> None:
        """A short silence: decode (and, with speculation, preview the turn) before the end is sure."""
        utt = self.utterance
        if utt is None or utt.turn_id is None or not self._asr_ready or event.audio.size == 0:
            return
        self._drop_speculative()
        utt.speculative_size = int(event.audio.size)
        utt.speculative = self._take_interim(utt, utt.speculative_size)
        if utt.speculative is None:
            utt.speculative = self._job()
            self._do(a.Transcribe(utt.speculative, event.audio))
        if self.options.speculation.enabled:
            utt.speculation = self._job()
            self._do(a.Speculate(utt.speculation, utt.speculative))
        if self.options.speculation.turn_model:
            utt.turn_score = self._job()
            self._do(a.ScoreTurnEnd(utt.turn_score, event.audio))

    def _on_speech_ended(self, event: SpeechEnded, at: float) -> None:
        """The end of the utterance is sure: its turn is transcribed (reusing a decode of the same audio)."""
        utt, self.utterance = self.utterance, None
        turn = self.turn
        if utt is None or utt.turn_id is None or turn is None or turn.turn_id != utt.turn_id:
            if utt is not None:  # a backchannel / cough during a reply: ignored
                self._cancel_jobs(utt.take_speculation())
                self._cancel_jobs([j for j in (utt.interim, utt.interim_asr) if j is not None])
            return
        turn.detected = at
        turn.speech_end = self.clock.arrival(event.t_ms - event.silence_ms) or turn.detected
        turn.audio_in_ms = round(event.audio_ms, 1)
        self._send(p.SpeechEnded(turn_id=turn.turn_id, t_ms=event.t_ms, audio_ms=turn.audio_in_ms,
                                 reason=event.reason))
        reuse = speculation = None
        if utt.speculative is not None and utt.speculative_size == event.audio.size:
            reuse, speculation = utt.speculative, utt.speculation
            prom.SPECULATIVE.labels("hit").inc()
        else:
            if utt.speculative is not None:
                prom.SPECULATIVE.labels("miss").inc()
            self._cancel_jobs(utt.take_speculation())
        interim = self._take_interim(utt, int(event.audio.size))
        if reuse is None:
            reuse = interim
        elif interim is not None:
            self._cancel_jobs([interim])
        self._do(a.TranscribeTurn(turn.turn_id, event.audio, reuse, speculation))

    def _take_interim(self, utt: Utterance, size: int) -> int | None:
        """The final/speculative pass is due: reuse a pending interim decode of the very same audio,
        otherwise cancel it (a queued request is dropped before it reaches the model)."""
        reporter, utt.interim = utt.interim, None
        decode, utt.interim_asr = utt.interim_asr, None
        if reporter is not None:
            self._cancel_jobs([reporter])  # its transcript would only arrive after the final one
        if decode is None:
            return None
        if reporter is not None and utt.interim_size == size:  # still in flight, same audio
            prom.SPECULATIVE.labels("interim_reused").inc()
            return decode
        self._cancel_jobs([decode])
        return None

    def _drop_speculative(self) -> None:
        utt = self.utterance
        if utt is not None and (utt.speculative is not None or utt.speculation is not None
                                or utt.turn_score is not None):
            self._cancel_jobs(utt.take_speculation())
            prom.SPECULATIVE.labels("discarded").inc()

    def _on_speculation_judged(self, event: e.SpeculationJudged, at: float) -> None:
        utt = self.utterance
        if utt is not None and utt.speculation == event.job:
            utt.verdict = event.verdict
            self._maybe_end_early(at)

    def _on_turn_end_scored(self, event: e.TurnEndScored, at: float) -> None:
        utt = self.utterance
        if utt is not None and utt.turn_score == event.job:
            utt.p_complete = event.p_complete
            self._maybe_end_early(at)

    def _maybe_end_early(self, at: float) -> None:
        """Adaptive endpointing: a complete, confident request (by the speculation's verdict, or the
        end-of-turn model's P(complete)) ends before the full end silence."""
        utt, ep = self.utterance, self.endpointer
        if utt is None or utt.turn_id is None or not ep.end_pending:
            return
        if utt.verdict is None and utt.p_complete is None:
            return
        if should_end_early(ep.trailing_silence_ms, utt.verdict, self.options.speculation,
                            ep.config.end_silence_ms, utt.p_complete):
            prom.SPECULATIVE.labels("early_end").inc()
            self._on_vad_events(ep.confirm_end(), at)

    def _maybe_interim(self) -> None:
        utt, ep = self.utterance, self.endpointer
        if utt is None or utt.turn_id is None or not self._asr_ready or not ep.in_speech:
            return
        if not self.interims_wanted:
            return  # the client did not ask for them (hello.interim_transcripts)
        t = ep.t_ms
        if t - utt.t_ms < self.options.interim_after_ms or t - utt.last_interim_ms < self.options.interim_every_ms:
            return
        if utt.interim is not None or ep.end_pending:
            return  # one interim at a time, and none while the speculative pass runs
        if self._asr_busy:
            return  # best effort: never queue an interim behind (or in front of) other decodes
        utt.last_interim_ms = t
        audio = ep.current_audio()
        utt.interim_size = int(audio.size)
        utt.interim_asr, utt.interim = self._job(), self._job()
        self._do(a.Transcribe(utt.interim_asr, audio, interim=True))
        self._do(a.ReportInterim(utt.interim, utt.interim_asr, utt.turn_id))

    def _on_interim_heard(self, event: e.InterimHeard) -> None:
        utt = self.utterance
        if utt is None or utt.interim != event.job:
            return  # cancelled meanwhile
        utt.interim = None
        if event.text and utt.turn_id == event.turn_id and self.endpointer.in_speech:
            self._send(p.Transcript(turn_id=event.turn_id, text=event.text, final=False,
                                    confidence=event.confidence))

    def _job(self) -> int:
        self._job_seq += 1
        return self._job_seq

    def _cancel_jobs(self, jobs: list[int]) -> None:
        for job in jobs:
            self._do(a.CancelJob(job))
