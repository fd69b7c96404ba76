"""The /ws/voice wire protocol, sans-I/O: messages, parsing, handshake, close codes, schemas."""

from voice_server.voice.protocol.codes import CloseCode, ErrorCode
from voice_server.voice.protocol.handshake import HANDSHAKE_TIMEOUT_S, Negotiated, first_frame, negotiate
from voice_server.voice.protocol.messages import (
    CLIENT_MESSAGE,
    PROTOCOL_VERSION,
    SERVER_MESSAGE,
    SUPPORTED_SAMPLE_RATES,
    AudioEnd,
    AudioFormat,
    AudioStart,
    Bye,
    Cancel,
    ClientMessage,
    EndOfSpeech,
    Error,
    GoingAway,
    Hello,
    Interruption,
    Limits,
    Notice,
    Ping,
    Playback,
    Pong,
    Ready,
    Reply,
    ServerMessage,
    SpeechEnded,
    SpeechStarted,
    Text,
    Transcript,
    TurnMetrics,
)
from voice_server.voice.protocol.parse import ProtocolError, check_audio_frame, parse_client_message

__all__ = [
    "CLIENT_MESSAGE", "HANDSHAKE_TIMEOUT_S", "PROTOCOL_VERSION", "SERVER_MESSAGE", "SUPPORTED_SAMPLE_RATES",
    "AudioEnd", "AudioFormat", "AudioStart", "Bye", "Cancel", "ClientMessage", "CloseCode", "EndOfSpeech",
    "Error", "ErrorCode", "GoingAway", "Hello", "Interruption", "Limits", "Negotiated", "Notice", "Ping", "Playback",
    "Pong", "ProtocolError", "Ready", "Reply", "ServerMessage", "SpeechEnded", "SpeechStarted", "Text",
    "Transcript", "TurnMetrics", "check_audio_frame", "first_frame", "negotiate", "parse_client_message",
]
