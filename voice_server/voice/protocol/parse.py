"""Sans-I/O parsing and validation of what a client sends; returns typed errors, never raises."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from voice_server.voice.protocol.codes import CloseCode, ErrorCode
from voice_server.voice.protocol.messages import CLIENT_MESSAGE, CLIENT_MODELS, ClientMessage, Error

KNOWN_CLIENT_TYPES: frozenset[str] = frozenset(
    m.model_fields["type"].default for m in CLIENT_MODELS
)


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """A typed protocol error; `close_code` set when the connection must close after it."""

    code: ErrorCode
    message: str
    close_code: CloseCode | None = None
    retry_after_s: float | None = None
    """A retry hint (`server_full`)."""

    @property
    def fatal(self) -> bool:
        return self.close_code is not None

    def to_message(self, turn_id: int | None = None) -> Error:
        return Error(
            code=self.code.value, message=self.message, turn_id=turn_id, fatal=self.fatal,
            close_code=int(self.close_code) if self.close_code is not None else None,
            retry_after_s=self.retry_after_s,
        )


def parse_client_message(data: str | bytes) -> ClientMessage | ProtocolError:
    """Parse one JSON text frame into a typed client message, or a typed error."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return ProtocolError(ErrorCode.BAD_JSON, f"not valid JSON: {exc}"[:200])
    except RecursionError:  # "[[[[…" nested deeper than the parser's stack
        return ProtocolError(ErrorCode.BAD_JSON, "not valid JSON: nested too deeply")
    if not isinstance(raw, dict):
        return ProtocolError(ErrorCode.INVALID_MESSAGE, "a message must be a JSON object")
    kind = raw.get("type")
    if not isinstance(kind, str):
        return ProtocolError(ErrorCode.INVALID_MESSAGE, "missing string field 'type'")
    if kind not in KNOWN_CLIENT_TYPES:
        return ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind[:40]!r}")
    try:
        return CLIENT_MESSAGE.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "message"
        return ProtocolError(ErrorCode.INVALID_MESSAGE, f"{kind}: {where}: {first['msg']}"[:300])


def check_audio_frame(data: bytes, *, handshaken: bool) -> ProtocolError | None:
    """Validate one binary frame of pcm_s16le mono; None when it may be fed to the endpointer.

    Before the handshake any binary frame is fatal (close 4400): an unauthenticated socket may not send audio.
    """
    if not handshaken:
        return ProtocolError(
            ErrorCode.AUDIO_BEFORE_HELLO, "send hello and wait for ready before audio", CloseCode.BAD_HANDSHAKE
        )
    if not data:
        return ProtocolError(ErrorCode.BAD_FRAME, "empty audio frame")
    if len(data) % 2:
        return ProtocolError(ErrorCode.BAD_FRAME, f"pcm_s16le frame has an odd length ({len(data)} bytes)")
    return None
