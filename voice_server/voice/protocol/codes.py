"""Websocket close codes and typed error codes of the voice protocol (see docs/protocol.md)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class CloseCode(IntEnum):
    """Close codes the server uses. 1xxx are RFC 6455; 4xxx mirror the HTTP status they resemble."""

    NORMAL = 1000
    """Client said `bye`, or the conversation ended."""
    GOING_AWAY = 1001
    """Server draining/shutting down; a `going_away` message with a resume token came first."""
    MESSAGE_TOO_BIG = 1009
    """A message larger than the negotiated `max_message_bytes`."""
    INTERNAL_ERROR = 1011
    """Unexpected server fault."""
    BAD_HANDSHAKE = 4400
    """`hello` invalid or asks for an unsupported format/version, or any other frame before `hello`."""
    UNAUTHORIZED = 4401
    """Access/resume token missing, invalid, expired or of the wrong type."""
    HANDSHAKE_TIMEOUT = 4408
    """No valid `hello` within the handshake timeout."""
    PROTOCOL_VIOLATION = 4409
    """A second `hello`, or too many consecutive invalid messages."""
    SLOW_CLIENT = 4429
    """The client stopped reading: its send backlog stayed over the limit."""
    TOO_MANY_HANDSHAKES = 4429
    """Same code (HTTP 429, too many): the peer address already has `max_pending_handshakes` sockets
    that have not sent `hello`; retry later. `error.code` (`too_many_handshakes`) tells the two apart."""
    SERVER_FULL = 4503
    """`max_sessions` voice sessions are already open on this node; retry another node or later."""


class ErrorCode(StrEnum):
    """`error.code` values. `fatal` errors are followed by a close with the listed code."""

    BAD_JSON = "bad_json"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_MESSAGE = "invalid_message"
    AUDIO_BEFORE_HELLO = "audio_before_hello"
    MESSAGE_BEFORE_HELLO = "message_before_hello"
    BAD_FRAME = "bad_frame"
    UNSUPPORTED_FORMAT = "unsupported_format"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNAUTHORIZED = "unauthorized"
    HANDSHAKE_TIMEOUT = "handshake_timeout"
    DUPLICATE_HELLO = "duplicate_hello"
    SERVER_FULL = "server_full"
    TOO_MANY_HANDSHAKES = "too_many_handshakes"
    MESSAGE_TOO_BIG = "message_too_big"
    ASR_FAILED = "asr_failed"
    TTS_FAILED = "tts_failed"
    TURN_FAILED = "turn_failed"
    SLOW_CLIENT = "slow_client"
    NOT_READY = "not_ready"
    INTERNAL = "internal"
