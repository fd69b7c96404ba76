"""Sans-I/O protocol: every message round-trips, every typed error, handshake negotiation."""

from __future__ import annotations

import json

import pytest

from voice_server.voice import protocol as p
from voice_server.voice.protocol.messages import CLIENT_MODELS, SERVER_MODELS
from voice_server.voice.protocol.schema import DEFAULT_DIR, schemas

CLIENT_SAMPLES = [
    {"type": "hello", "token": "t", "input": {"sample_rate": 48000}, "output": {"sample_rate": 24000}},
    {"type": "text", "text": "show me jeans"},
    {"type": "cancel"},
    {"type": "cancel", "turn_id": 3},
    {"type": "playback", "turn_id": 1, "played_ms": 1200.5},
    {"type": "end_of_speech"},
    {"type": "ping", "id": 7},
    {"type": "bye"},
]

FMT = {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 1}
SERVER_SAMPLES = [
    p.Ready(
        session_id="s",
        conversation_id="c",
        resumed=False,
        resume_token="r",
        input=FMT,
        output=FMT,
        node="n",
        limits=p.Limits(max_message_bytes=1, max_utterance_ms=1, frame_ms=40, max_ahead_ms=200),
    ),
    p.SpeechStarted(turn_id=1, t_ms=300),
    p.SpeechEnded(turn_id=1, t_ms=2000, audio_ms=1700, reason="silence"),
    p.Transcript(turn_id=1, text="hi", final=False),
    p.Reply(turn_id=1, conversation_id="c", text="hello", intent="greeting", products=[{"id": 1}]),
    p.AudioStart(turn_id=1, sample_rate=24000),
    p.AudioEnd(turn_id=1, duration_ms=1000, reason="complete"),
    p.Interruption(turn_id=1, reason="barge_in", played_ms=400, heard_text="Here are"),
    p.TurnMetrics(turn_id=1, endpoint_ms=700, asr_ms=1, nlu_ms=2, tts_first_byte_ms=3, voice_to_voice_ms=4),
    p.GoingAway(resume_token="r"),
    p.Notice(turn_id=2, kind="order_status", text="Your payment went through.", data={"order_id": 7}),
    p.Error(code="bad_frame", message="odd"),
    p.Pong(id="x"),
]


@pytest.mark.parametrize("raw", CLIENT_SAMPLES, ids=lambda r: r["type"])
def test_client_messages_parse_and_roundtrip(raw: dict) -> None:
    parsed = p.parse_client_message(json.dumps(raw))
    assert not isinstance(parsed, p.ProtocolError), parsed
    assert parsed.type == raw["type"]
    again = p.parse_client_message(parsed.model_dump_json())
    assert again == parsed


def test_every_model_has_a_sample() -> None:
    assert {m.model_fields["type"].default for m in CLIENT_MODELS} == {r["type"] for r in CLIENT_SAMPLES}
    assert {type(m) for m in SERVER_SAMPLES} == set(SERVER_MODELS)


@pytest.mark.parametrize("msg", SERVER_SAMPLES, ids=lambda m: m.type)
def test_server_messages_roundtrip(msg) -> None:
    assert p.SERVER_MESSAGE.validate_json(msg.model_dump_json()) == msg


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("{not json", p.ErrorCode.BAD_JSON),
        ("[1, 2]", p.ErrorCode.INVALID_MESSAGE),
        ('{"text": "x"}', p.ErrorCode.INVALID_MESSAGE),
        ('{"type": "dance"}', p.ErrorCode.UNKNOWN_TYPE),
        ('{"type": "text", "text": ""}', p.ErrorCode.INVALID_MESSAGE),
        ('{"type": "text", "text": "hi", "extra": 1}', p.ErrorCode.INVALID_MESSAGE),
        ('{"type": "playback", "turn_id": 0, "played_ms": 1}', p.ErrorCode.INVALID_MESSAGE),
        (b"\xff\xfe", p.ErrorCode.BAD_JSON),
    ],
)
def test_typed_parse_errors(data: str | bytes, code: p.ErrorCode) -> None:
    error = p.parse_client_message(data)
    assert isinstance(error, p.ProtocolError) and error.code == code and not error.fatal
    assert error.to_message().code == code.value


def test_audio_frame_checks() -> None:
    before = p.check_audio_frame(b"\x00\x00", handshaken=False)
    assert before is not None and before.code == p.ErrorCode.AUDIO_BEFORE_HELLO
    assert before.close_code == p.CloseCode.BAD_HANDSHAKE  # audio before hello is fatal
    assert p.check_audio_frame(b"\x00\x00\x00", handshaken=True).code == p.ErrorCode.BAD_FRAME
    assert p.check_audio_frame(b"", handshaken=True).code == p.ErrorCode.BAD_FRAME
    assert p.check_audio_frame(b"\x00" * 640, handshaken=True) is None


@pytest.mark.parametrize(
    ("data", "binary", "code"),
    [
        (b"\x00\x00" * 160, True, p.ErrorCode.AUDIO_BEFORE_HELLO),
        (b"", True, p.ErrorCode.AUDIO_BEFORE_HELLO),
        ('{"type": "ping", "id": 1}', False, p.ErrorCode.MESSAGE_BEFORE_HELLO),
        ('{"type": "text", "text": "show me my cart"}', False, p.ErrorCode.MESSAGE_BEFORE_HELLO),
        ('{"type": "bye"}', False, p.ErrorCode.MESSAGE_BEFORE_HELLO),
        ("{oops", False, p.ErrorCode.BAD_JSON),
        ('{"type": "dance"}', False, p.ErrorCode.UNKNOWN_TYPE),
        ("[]", False, p.ErrorCode.INVALID_MESSAGE),
        ('{"type": "hello", "input": {"sample_rate": "fast"}}', False, p.ErrorCode.INVALID_MESSAGE),
    ],
)
def test_anything_but_a_valid_hello_first_closes_4400(data: str | bytes, binary: bool, code: p.ErrorCode) -> None:
    error = p.first_frame(data, binary=binary)
    assert isinstance(error, p.ProtocolError) and error.code == code
    assert error.fatal and error.close_code == p.CloseCode.BAD_HANDSHAKE == 4400
    assert error.to_message().close_code == 4400


def test_a_valid_hello_first_is_accepted() -> None:
    hello = p.first_frame(json.dumps(CLIENT_SAMPLES[0]), binary=False)
    assert isinstance(hello, p.Hello) and hello.token == "t"


@pytest.mark.parametrize("rate", [8000, 16000, 24000, 44100, 48000])
def test_handshake_accepts_supported_rates(rate: int) -> None:
    hello = p.Hello(input=p.AudioFormat(sample_rate=rate), output=p.AudioFormat(sample_rate=rate))
    assert p.negotiate(hello) == p.Negotiated(rate, rate, False)


@pytest.mark.parametrize(
    ("fmt", "side"),
    [
        ({"sample_rate": 22050}, "input"),
        ({"sample_rate": 96000}, "output"),
        ({"sample_rate": 11025}, "input"),
        ({"channels": 2}, "input"),
        ({"encoding": "opus"}, "output"),
    ],
)
def test_handshake_rejects_other_formats(fmt: dict, side: str) -> None:
    hello = p.Hello(**{side: p.AudioFormat(**fmt)})
    error = p.negotiate(hello)
    assert isinstance(error, p.ProtocolError)
    assert error.code == p.ErrorCode.UNSUPPORTED_FORMAT and error.close_code == p.CloseCode.BAD_HANDSHAKE


def test_handshake_rejects_unknown_version() -> None:
    error = p.negotiate(p.Hello(version=2))
    assert isinstance(error, p.ProtocolError) and error.code == p.ErrorCode.UNSUPPORTED_VERSION


def test_committed_schemas_are_in_sync() -> None:
    """Regenerate with `python -m voice_server.voice.protocol.schema` when this fails."""
    expected = schemas()
    committed = {f.name: f.read_text() for f in DEFAULT_DIR.glob("*.json")}
    assert committed == expected
