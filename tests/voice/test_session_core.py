"""`SessionCore` without sockets, tasks or models: events in, typed actions out, a fake clock.

Speech is a synthetic voiced tone (what webrtcvad calls speech); the jobs the core asks for (ASR,
dialogue, speech) are "done" by feeding their results back as events.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from audio.pcm import float32_to_pcm16
from voice_server.conversation.dialogue.policy import TurnResult
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.voice import protocol as p
from voice_server.voice import session_actions as a
from voice_server.voice import session_events as e
from voice_server.voice.session_core import APOLOGY, FAILED_APOLOGY, SessionCore
from voice_server.voice.session_options import SessionOptions
from voice_server.voice.speculation import SpeculationConfig, Verdict

RATE = 16000
FRAME_MS = 20
HELLO = json.dumps({"type": "hello", "version": 1, "input": {"sample_rate": RATE}, "output": {"sample_rate": RATE}})


def voiced(ms: int, level_dbfs: float = -20.0) -> bytes:
    """A vowel-like harmonic tone."""
    t = np.arange(RATE * ms // 1000) / RATE
    wave = sum(np.sin(2 * np.pi * 140.0 * k * t) / k for k in range(1, 8))
    wave = wave / np.sqrt(np.mean(wave**2)) * 10 ** (level_dbfs / 20)
    return float32_to_pcm16(wave.astype(np.float32))


def quiet(ms: int) -> bytes:
    return b"\x00\x00" * (RATE * ms // 1000)


class Backlog:
    """The outbox as the core sees it: unsent reply audio per turn."""

    def __init__(self) -> None:
        self.unsent: dict[int, float] = {}

    def queued_audio_ms_for(self, turn_id: int) -> float:
        return self.unsent.get(turn_id, 0.0)


class Harness:
    def __init__(self, options: SessionOptions | None = None) -> None:
        self.t = 1000.0
        self.backlog = Backlog()
        self.core = SessionCore(options or SessionOptions(), "sess-1", self.backlog)

    def feed(self, event: e.Event, dt: float = 0.0) -> list[a.Action]:
        self.t += dt
        return self.core.handle(event, self.t)

    def hello(self, **fields: Any) -> list[a.Action]:
        hello = json.dumps(json.loads(HELLO) | fields) if fields else HELLO
        [auth] = self.feed(e.FirstFrame(hello, binary=False))
        assert isinstance(auth, a.Authenticate) and auth.negotiated.input_rate == RATE
        return self.feed(e.Admitted(user_id=7, user_kind="guest", conversation_id="c1", resumed=False,
                                    resume_token="rt", node="n1", max_message_bytes=65536))

    def audio(self, pcm: bytes, **flags: Any) -> list[a.Action]:
        """Stream `pcm` in 20 ms frames at real time; all actions, in order."""
        out: list[a.Action] = []
        step = RATE * FRAME_MS // 1000 * 2
        for offset in range(0, len(pcm), step):
            out += self.feed(e.AudioFrame(pcm[offset : offset + step], **flags), FRAME_MS / 1000)
        return out

    def text(self, message: dict[str, Any]) -> list[a.Action]:
        return self.feed(e.TextFrame(json.dumps(message)))

    def typed_turn(self, text: str = "show me dresses") -> int:
        actions = self.text({"type": "text", "text": text})
        [converse] = of(actions, a.Converse)
        return converse.turn_id

    def reply(self, turn_id: int, text: str = "Here are three dresses.") -> list[a.Action]:
        result = TurnResult(reply_text=text, intent="search", new_state=DialogueState(conversation_id="c1"), payload={"turn": 1})
        return self.feed(e.TurnReplied(turn_id, result), 0.2)


def of(actions: list[a.Action], kind: type) -> list[Any]:
    return [x for x in actions if isinstance(x, kind)]


def sent(actions: list[a.Action]) -> list[Any]:
    return [x.message for x in actions if isinstance(x, a.Send)]


def kinds(actions: list[a.Action]) -> list[str]:
    """Action names, with the message type for `Send`."""
    return [x.message.type if isinstance(x, a.Send) else type(x).__name__ for x in actions]  # type: ignore[attr-defined]


def closed_with(actions: list[a.Action]) -> int | None:
    closes = of(actions, a.Close)
    return closes[-1].code if closes else None


# ---------------------------------------------------------------------------------------- handshake
def test_hello_is_authenticated_then_ready() -> None:
    h = Harness()
    assert not h.core.ready
    actions = h.hello()
    assert kinds(actions) == ["ready", "RefreshHotwords"]
    [ready] = sent(actions)
    assert ready.session_id == "sess-1" and ready.conversation_id == "c1" and ready.resume_token == "rt"
    assert ready.limits.max_message_bytes == 65536 and ready.node == "n1"
    assert h.core.ready and h.core.user_id == 7 and h.core.conversation_id == "c1"


@pytest.mark.parametrize(
    ("event", "code", "close"),
    [
        (e.FirstFrame(quiet(20), binary=True), p.ErrorCode.AUDIO_BEFORE_HELLO, p.CloseCode.BAD_HANDSHAKE),
        (e.AudioFrame(quiet(20)), p.ErrorCode.AUDIO_BEFORE_HELLO, p.CloseCode.BAD_HANDSHAKE),
        (e.TextFrame('{"type": "ping"}'), p.ErrorCode.MESSAGE_BEFORE_HELLO, p.CloseCode.BAD_HANDSHAKE),
        (e.FirstFrame("{not json", binary=False), p.ErrorCode.BAD_JSON, p.CloseCode.BAD_HANDSHAKE),
        (e.FirstFrame(HELLO.replace('"version": 1', '"version": 9'), binary=False),
         p.ErrorCode.UNSUPPORTED_VERSION, p.CloseCode.BAD_HANDSHAKE),
        (e.HelloTimedOut(), p.ErrorCode.HANDSHAKE_TIMEOUT, p.CloseCode.HANDSHAKE_TIMEOUT),
    ],
)
def test_anything_but_a_valid_hello_first_closes(event: e.Event, code: p.ErrorCode, close: int) -> None:
    h = Harness()
    actions = h.feed(event)
    [error] = sent(actions)
    assert error.code == code.value and error.fatal and error.close_code == close
    assert closed_with(actions) == close and h.core.close_code == close and not h.core.ready


def test_refused_hello_closes_with_the_error_of_admission() -> None:
    h = Harness()
    h.feed(e.FirstFrame(HELLO, binary=False))
    full = p.ProtocolError(p.ErrorCode.SERVER_FULL, "full", p.CloseCode.SERVER_FULL, retry_after_s=5)
    actions = h.feed(e.Refused(full))
    assert sent(actions)[0].retry_after_s == 5 and closed_with(actions) == p.CloseCode.SERVER_FULL


def test_hello_while_draining_goes_away_at_once() -> None:
    h = Harness()
    h.feed(e.FirstFrame(HELLO, binary=False))
    actions = h.feed(e.Admitted(7, "guest", "c1", False, "rt", "n1", 65536, node_draining=True))
    assert kinds(actions) == ["ready", "RefreshHotwords", "going_away", "Close"]
    assert closed_with(actions) == p.CloseCode.GOING_AWAY


# ---------------------------------------------------------------------------------------- client messages
def test_malformed_messages_are_errors_until_too_many_in_a_row() -> None:
    h = Harness(SessionOptions(max_invalid_in_row=3))
    h.hello()
    for bad, code in (("{oops", "bad_json"), ('{"type": "dance"}', "unknown_type")):
        actions = h.feed(e.TextFrame(bad))
        assert [m.code for m in sent(actions)] == [code] and not of(actions, a.Close)
    assert kinds(h.text({"type": "ping", "id": "x"})) == ["pong"]  # resets the count
    h.feed(e.TextFrame("{"))
    h.feed(e.TextFrame("{"))
    actions = h.feed(e.TextFrame("{"))
    assert sent(actions)[0].fatal and closed_with(actions) == p.CloseCode.PROTOCOL_VIOLATION
    assert h.feed(e.TextFrame('{"type": "ping"}')) == []  # closing: nothing more is read


def test_bad_audio_frame_is_an_error_and_a_second_hello_closes() -> None:
    h = Harness()
    h.hello()
    [error] = sent(h.feed(e.AudioFrame(b"\x00\x00\x00")))
    assert error.code == p.ErrorCode.BAD_FRAME.value and not error.fatal
    actions = h.feed(e.TextFrame(HELLO))
    assert sent(actions)[0].code == "duplicate_hello" and closed_with(actions) == p.CloseCode.PROTOCOL_VIOLATION


def test_ping_pong_and_bye() -> None:
    h = Harness()
    h.hello()
    [pong] = sent(h.text({"type": "ping", "id": "p1"}))
    assert pong.id == "p1"
    assert closed_with(h.text({"type": "bye"})) == p.CloseCode.NORMAL


# ---------------------------------------------------------------------------------------- speech turns
def test_speech_start_and_end_ask_for_a_transcription_of_the_turn() -> None:
    h = Harness(SessionOptions(speculation=SpeculationConfig(enabled=True, early_end_ms=0)))
    h.hello()
    actions = h.audio(quiet(300) + voiced(1000) + quiet(1000))
    names = kinds(actions)
    assert names.index("speech_started") < names.index("Transcribe") < names.index("speech_ended")
    [started] = [m for m in sent(actions) if m.type == "speech_started"]
    [spec_decode] = of(actions, a.Transcribe)
    [speculate] = of(actions, a.Speculate)
    assert speculate.decode == spec_decode.job and not spec_decode.interim
    [turn] = of(actions, a.TranscribeTurn)
    assert turn.turn_id == started.turn_id == 1
    assert turn.reuse == spec_decode.job and turn.speculation == speculate.job  # the same audio: reused
    assert h.core.turn is not None and h.core.turn.audio_in_ms and h.core.turn.speech_end is not None

    actions = h.feed(e.TurnTranscribed(1, "black dresses", confidence=0.9, asr_ms=50.0), 0.1)
    assert kinds(actions) == ["transcript", "Converse"]
    assert sent(actions)[0].final and sent(actions)[0].text == "black dresses"
    actions = h.reply(1)
    assert kinds(actions) == ["reply", "audio_start", "Speak"]
    assert of(actions, a.Speak)[0].turn.pacer is not None
    actions = h.feed(e.SpeakingEnded(1, "complete"), 1.0)
    assert kinds(actions) == ["audio_end", "metrics", "RecordMetrics", "CancelTurn", "RefreshHotwords"]
    assert h.core.turn is None and not h.core.handle(e.SpeakingEnded(1, "complete"), h.t)  # stale: ignored


def test_empty_transcript_ends_the_turn_quietly_and_asr_failure_apologises() -> None:
    h = Harness()
    h.hello()
    h.audio(quiet(300) + voiced(800) + quiet(1000))
    actions = h.feed(e.TurnTranscribed(1, ""))
    assert kinds(actions) == ["transcript", "CancelTurn"] and h.core.turn is None
    h.audio(voiced(800) + quiet(1000))
    actions = h.feed(e.TurnTranscribed(2, None))
    assert kinds(actions) == ["error", "reply", "audio_start", "Speak"]
    assert sent(actions)[0].code == "asr_failed" and sent(actions)[1].text == APOLOGY


def test_interim_transcripts_only_for_a_client_that_asks() -> None:
    h = Harness(SessionOptions(interim_after_ms=500, interim_every_ms=400))
    h.hello()
    actions = h.audio(quiet(300) + voiced(2500))
    assert h.core.turn is not None and not of(actions, a.Transcribe) and not of(actions, a.ReportInterim)


def test_interim_transcripts_of_a_long_utterance() -> None:
    h = Harness(SessionOptions(interim_after_ms=500, interim_every_ms=400))
    h.hello(interim_transcripts=True)
    actions = h.audio(quiet(300) + voiced(1200))
    [decode] = of(actions, a.Transcribe)
    [report] = of(actions, a.ReportInterim)
    assert decode.interim and report.decode == decode.job and report.turn_id == 1
    assert not of(h.audio(voiced(600), asr_busy=True), a.Transcribe)  # one at a time
    [interim] = sent(h.feed(e.InterimHeard(report.job, 1, "black dre", 0.5)))
    assert interim.type == "transcript" and not interim.final
    assert of(h.audio(voiced(500), asr_busy=True), a.Transcribe) == []  # best effort: ASR busy
    assert of(h.audio(voiced(500)), a.ReportInterim)


def test_typed_text_is_a_turn_and_interrupts_the_one_running() -> None:
    h = Harness()
    h.hello()
    first = h.typed_turn()
    assert first == 1 and h.core.turn is not None and h.core.turn.replied
    actions = h.text({"type": "text", "text": "no, red ones"})
    assert kinds(actions) == ["PurgeAudio", "CancelTurn", "interruption", "NoteInterrupted", "RefreshHotwords",
                              "metrics", "transcript", "Converse"]
    assert sent(actions)[0].reason == "text" and of(actions, a.Converse)[0].turn_id == 2


def test_cancel_cuts_only_the_current_turn() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    assert h.text({"type": "cancel", "turn_id": turn + 5}) == []
    assert sent(h.text({"type": "cancel", "turn_id": turn}))[0].reason == "cancel"
    assert h.core.turn is None and h.feed(e.TurnReplied(turn, TurnResult(reply_text="x", intent="search",
                                                                          new_state=DialogueState(conversation_id="c1")))) == []


# ---------------------------------------------------------------------------------------- barge-in
def test_barge_in_purges_before_the_interruption_and_opens_a_new_turn() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    [speak] = of(h.reply(turn), a.Speak)
    pacer = speak.turn.pacer
    assert pacer is not None
    pacer.on_sent(h.t, 40.0)  # the speaker: 1 s of reply audio sent, 400 ms of it still queued
    pacer.sent_ms = 1000.0
    speak.turn.first_audio_at = h.t
    speak.turn.spoken.add("Here are three dresses.", 0.0, 1000.0)
    h.backlog.unsent[turn] = 400.0
    h.t += 2.0  # past the echo guard
    actions = h.audio(voiced(900, level_dbfs=-12.0))
    names = kinds(actions)
    cut = names.index("PurgeAudio")
    assert names[cut:cut + 3] == ["PurgeAudio", "CancelTurn", "interruption"]
    assert names.index("interruption") < names.index("speech_started")
    interruption = next(m for m in sent(actions) if m.type == "interruption")
    assert interruption.reason == "barge_in" and interruption.played_ms == 600.0  # sent - unsent
    assert interruption.heard_text == "Here are"
    assert of(actions, a.NoteInterrupted)[0].heard == "Here are"
    started = next(m for m in sent(actions) if m.type == "speech_started")
    assert started.turn_id == turn + 1 and h.core.turn is not None and h.core.turn.turn_id == turn + 1


def test_a_cough_during_the_reply_is_not_a_barge_in() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    h.reply(turn)
    actions = h.audio(voiced(120) + quiet(900))
    assert "interruption" not in kinds(actions) and h.core.turn is not None and h.core.turn.turn_id == turn


# ---------------------------------------------------------------------------------------- speculation
def _until_possible_end(h: Harness) -> a.Speculate:
    actions = h.audio(quiet(300) + voiced(1000) + quiet(300))
    [speculate] = of(actions, a.Speculate)
    assert h.core.endpointer.end_pending and not of(actions, a.TranscribeTurn)
    return speculate


def test_a_complete_request_ends_early_and_keeps_its_speculation() -> None:
    h = Harness(SessionOptions(speculation=SpeculationConfig(enabled=True, early_end_ms=250)))
    h.hello()
    speculate = _until_possible_end(h)
    actions = h.feed(e.SpeculationJudged(speculate.job, Verdict(True, "complete")))
    assert kinds(actions)[:1] == ["speech_ended"]
    [turn] = of(actions, a.TranscribeTurn)
    assert turn.speculation == speculate.job and turn.reuse == speculate.decode


def test_an_incomplete_request_waits_and_resumed_speech_drops_the_speculation() -> None:
    h = Harness(SessionOptions(speculation=SpeculationConfig(enabled=True, early_end_ms=250)))
    h.hello()
    speculate = _until_possible_end(h)
    assert h.feed(e.SpeculationJudged(speculate.job, Verdict(False, "trailing_word"))) == []
    assert h.core.utterance is not None and h.core.utterance.verdict is not None
    actions = h.audio(voiced(400))
    assert {x.job for x in of(actions, a.CancelJob)} == {speculate.job, speculate.decode}
    assert h.core.utterance is not None and h.core.utterance.verdict is None
    assert h.feed(e.SpeculationJudged(speculate.job, Verdict(True, "complete"))) == []  # stale


def test_the_end_of_turn_model_alone_ends_a_turn_it_calls_complete() -> None:
    spec = SpeculationConfig(enabled=False, turn_model=True, turn_model_end_ms=250)
    h = Harness(SessionOptions(speculation=spec))
    h.hello()
    actions = h.audio(quiet(300) + voiced(1000) + quiet(300))
    [score] = of(actions, a.ScoreTurnEnd)
    assert not of(actions, a.Speculate) and h.core.endpointer.end_pending
    assert h.feed(e.TurnEndScored(score.job + 100, 0.99)) == []  # not this utterance's job
    actions = h.feed(e.TurnEndScored(score.job, 0.9))
    assert kinds(actions)[:1] == ["speech_ended"] and of(actions, a.TranscribeTurn)


def test_an_unsure_end_of_turn_score_waits_and_resumed_speech_cancels_it() -> None:
    spec = SpeculationConfig(enabled=False, turn_model=True, turn_model_end_ms=250)
    h = Harness(SessionOptions(speculation=spec))
    h.hello()
    [score] = of(h.audio(quiet(300) + voiced(1000) + quiet(300)), a.ScoreTurnEnd)
    assert h.feed(e.TurnEndScored(score.job, 0.3)) == []
    assert h.core.utterance is not None and h.core.utterance.p_complete == 0.3
    actions = h.audio(voiced(400))
    assert score.job in {x.job for x in of(actions, a.CancelJob)}
    assert h.core.utterance is not None and h.core.utterance.p_complete is None


# ---------------------------------------------------------------------------------------- notices
NOTICE = {"type": "payment_succeeded", "order_id": 3}


def test_a_notice_while_idle_is_spoken_at_once_as_its_own_turn() -> None:
    h = Harness()
    h.hello()
    actions = h.feed(e.NoticeArrived(NOTICE, "Your payment went through."))
    assert kinds(actions) == ["notice", "audio_start", "Speak"]
    notice = sent(actions)[0]
    assert notice.turn_id == 1 and notice.kind == "payment_succeeded" and notice.data == {"order_id": 3}
    actions = h.feed(e.SpeakingEnded(1, "complete"), 2.0)
    assert kinds(actions) == ["audio_end", "metrics", "CancelTurn"] and h.core.turn is None


def test_a_notice_during_a_turn_waits_for_its_end() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    assert h.feed(e.NoticeArrived(NOTICE, "Paid.")) == []
    h.reply(turn)
    actions = h.feed(e.SpeakingEnded(turn, "complete"), 1.0)
    names = kinds(actions)
    assert names.index("metrics") < names.index("notice")
    assert [m.turn_id for m in sent(actions) if m.type == "notice"] == [turn + 1]
    assert h.core.turn is not None and h.core.turn.source == "notice"


def test_a_notice_while_the_shopper_speaks_waits_for_the_floor() -> None:
    h = Harness()
    h.hello()
    h.audio(quiet(300) + voiced(600))
    assert h.feed(e.NoticeArrived(NOTICE, "Paid.")) == []
    h.audio(quiet(1000))
    actions = h.feed(e.TurnTranscribed(1, ""))
    assert "notice" in kinds(actions)


def test_a_notice_while_draining_is_only_sent() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    [notice] = sent(h.feed(e.NoticeArrived(NOTICE, "Paid.", node_draining=True)))
    assert notice.turn_id is None and h.core.turn is not None and h.core.turn.turn_id == turn


# ---------------------------------------------------------------------------------------- drain, failures
def test_drain_finishes_the_turn_then_goes_away() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    assert h.feed(e.DrainRequested()) == []
    h.reply(turn)
    actions = h.feed(e.SpeakingEnded(turn, "complete"))
    assert kinds(actions)[-2:] == ["going_away", "Close"] and closed_with(actions) == p.CloseCode.GOING_AWAY
    assert sent(actions)[-1].resume_token == "rt" and not h.core.ready


def test_drain_timeout_cuts_the_turn() -> None:
    h = Harness()
    h.hello()
    h.typed_turn()
    actions = h.feed(e.CutRequested())
    assert kinds(actions)[:3] == ["PurgeAudio", "CancelTurn", "interruption"]
    assert sent(actions)[0].reason == "cancel" and closed_with(actions) == p.CloseCode.GOING_AWAY


def test_a_slow_client_is_cut_off_and_nothing_more_is_sent() -> None:
    h = Harness()
    h.hello()
    actions = h.feed(e.SlowClient("control backlog over limit"))
    assert actions == [a.HardClose(int(p.CloseCode.SLOW_CLIENT))] and h.core.close_code == 4429
    assert h.text({"type": "ping"}) == [] and h.feed(e.NoticeArrived(NOTICE, "Paid.")) == []


def test_audio_dropped_for_a_slow_reader_is_purged_and_reported() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    h.reply(turn)
    actions = h.feed(e.SpeakingEnded(turn, "dropped"))
    assert kinds(actions)[:3] == ["PurgeAudio", "error", "audio_end"]
    assert sent(actions)[0].code == "slow_client" and sent(actions)[1].reason == "dropped"


def test_a_failed_turn_apologises_once_and_a_failing_apology_ends_quietly() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    actions = h.feed(e.TurnFailed(turn))
    assert kinds(actions) == ["error", "reply", "audio_start", "Speak"]
    assert sent(actions)[0].code == "turn_failed" and sent(actions)[1].text == FAILED_APOLOGY
    assert kinds(h.feed(e.SpeakingFailed(turn))) == ["CancelTurn", "RefreshHotwords"] and h.core.turn is None


def test_a_bug_in_the_driver_closes_1011() -> None:
    h = Harness()
    h.hello()
    assert closed_with(h.feed(e.Crashed())) == p.CloseCode.INTERNAL_ERROR


def test_speech_just_after_the_reply_starts_playing_must_be_stronger_to_barge_in() -> None:
    """The echo guard: our own reply leaking into the mic is not taken for the shopper."""
    for delay_s, barges_in in ((0.05, False), (2.0, True)):
        h = Harness()
        h.hello()
        turn = h.typed_turn()
        [speak] = of(h.reply(turn), a.Speak)
        speak.turn.first_audio_at = h.t
        h.t += delay_s
        actions = h.audio(voiced(500) + quiet(900))
        assert ("interruption" in kinds(actions)) is barges_in, delay_s


def test_when_the_session_ends_the_floor_is_let_go_and_late_news_is_ignored() -> None:
    h = Harness()
    h.hello()
    turn = h.typed_turn()
    h.feed(e.NoticeArrived(NOTICE, "Paid."))
    assert h.feed(e.SessionEnded()) == [] and h.core.turn is None and not h.core.endpointer.in_speech
    assert h.reply(turn) == [] and h.feed(e.NoticeArrived(NOTICE, "Paid.")) == []
