"""Sans-I/O handshake: the first frame must be a valid `hello`; check its version and audio formats."""

from __future__ import annotations

from dataclasses import dataclass

from voice_server.voice.protocol.codes import CloseCode, ErrorCode
from voice_server.voice.protocol.messages import PROTOCOL_VERSION, SUPPORTED_SAMPLE_RATES, AudioFormat, Hello
from voice_server.voice.protocol.parse import ProtocolError, check_audio_frame, parse_client_message

HANDSHAKE_TIMEOUT_S = 10.0
"""Seconds a client has after the upgrade to send a valid `hello`."""


@dataclass(frozen=True, slots=True)
class Negotiated:
    """The accepted formats of one session."""

    input_rate: int
    output_rate: int
    playback_acks: bool
    interim_transcripts: bool = False


def _check_format(fmt: AudioFormat, side: str) -> ProtocolError | None:
    if fmt.encoding != "pcm_s16le":
        return ProtocolError(
            ErrorCode.UNSUPPORTED_FORMAT, f"{side}.encoding {fmt.encoding!r}: only pcm_s16le",
            CloseCode.BAD_HANDSHAKE,
        )
    if fmt.channels != 1:
        return ProtocolError(
            ErrorCode.UNSUPPORTED_FORMAT, f"{side}.channels {fmt.channels}: only mono (1)",
            CloseCode.BAD_HANDSHAKE,
        )
    if fmt.sample_rate not in SUPPORTED_SAMPLE_RATES:
        rates = ", ".join(str(r) for r in SUPPORTED_SAMPLE_RATES)
        return ProtocolError(
            ErrorCode.UNSUPPORTED_FORMAT, f"{side}.sample_rate {fmt.sample_rate}: supported {rates}",
            CloseCode.BAD_HANDSHAKE,
        )
    return None


def first_frame(data: str | bytes, *, binary: bool) -> Hello | ProtocolError:
    """The frame a socket sends before `ready`: a valid `hello`, or a fatal error (close 4400).

    Anything else — audio, another message type, bad JSON, an invalid `hello` — ends the socket at once,
    so an unauthenticated client holds nothing for longer than one frame.
    """
    if binary:
        error = check_audio_frame(data if isinstance(data, bytes) else data.encode(), handshaken=False)
        assert error is not None
        return error
    parsed = parse_client_message(data)
    if isinstance(parsed, ProtocolError):
        return ProtocolError(parsed.code, parsed.message, CloseCode.BAD_HANDSHAKE)
    if not isinstance(parsed, Hello):
        return ProtocolError(
            ErrorCode.MESSAGE_BEFORE_HELLO, f"send hello first (got {parsed.type})", CloseCode.BAD_HANDSHAKE
        )
    return parsed


def negotiate(hello: Hello) -> Negotiated | ProtocolError:
    """Accept the formats (the server resamples to/from 16 kHz) or return why not."""
    if hello.version != PROTOCOL_VERSION:
        return ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"protocol version {hello.version}: server speaks {PROTOCOL_VERSION}",
            CloseCode.BAD_HANDSHAKE,
        )
    for fmt, side in ((hello.input, "input"), (hello.output, "output")):
        error = _check_format(fmt, side)
        if error is not None:
            return error
    return Negotiated(hello.input.sample_rate, hello.output.sample_rate, hello.playback_acks,
                      hello.interim_transcripts)
