"""Pydantic models of every JSON message on /ws/voice (client→server and server→client).

Each message is a JSON object with a `type` discriminator. Unknown fields are rejected on
client messages (typos surface as `invalid_message`) and never sent on server messages.
Binary frames carry raw audio (pcm_s16le mono) and have no model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

PROTOCOL_VERSION = 1
SUPPORTED_SAMPLE_RATES: tuple[int, ...] = (8000, 16000, 24000, 44100, 48000)

TurnId = Annotated[int, Field(ge=1, description="Per-connection turn number, starting at 1.")]


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AudioFormat(_Msg):
    """One direction's audio format."""

    encoding: str = Field("pcm_s16le", description="Only `pcm_s16le` (signed 16-bit little endian).")
    sample_rate: int = Field(16000, description="8000, 16000, 24000, 44100 or 48000 Hz.")
    channels: int = Field(1, description="Only 1 (mono).")


class ClientInfo(_Msg):
    name: str = Field("", max_length=64)
    version: str = Field("", max_length=32)


# ---------------------------------------------------------------- client → server
class Hello(_Msg):
    """First message. Authenticates and negotiates formats; answered by `ready` or a close."""

    type: Literal["hello"] = "hello"
    version: int = Field(PROTOCOL_VERSION, description="Protocol version; only 1 exists.")
    token: str | None = Field(
        None, max_length=4096, description="Access token (or send `Authorization: Bearer`)."
    )
    resume_token: str | None = Field(
        None, max_length=4096,
        description="From a previous `ready`/`going_away`: continues that conversation "
        "(alone it also authenticates).",
    )
    input: AudioFormat = Field(default_factory=AudioFormat, description="Format of the audio you send.")
    output: AudioFormat = Field(default_factory=AudioFormat, description="Format you want reply audio in.")
    playback_acks: bool = Field(False, description="You will send `playback` acks (better barge-in).")
    interim_transcripts: bool = Field(
        False, description="Send interim (`final:false`) transcripts while a long utterance goes on; each "
        "costs the server an extra Whisper pass, so ask only if you show them.",
    )
    client: ClientInfo | None = None


class Text(_Msg):
    """A typed user turn (instead of speech). Interrupts an assistant reply in progress."""

    type: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=2000)

    @field_validator("text")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:  # Postgres text cannot hold NUL (REST refuses it too)
            raise ValueError("NUL characters are not allowed")
        return value


class Cancel(_Msg):
    """Stop the current turn (thinking or speaking); answered by `interruption` (reason `cancel`)."""

    type: Literal["cancel"] = "cancel"
    turn_id: TurnId | None = Field(None, description="Only cancel if this turn is current; null = any.")


class Playback(_Msg):
    """Optional ack: how much audio of `turn_id` the speaker has actually played."""

    type: Literal["playback"] = "playback"
    turn_id: TurnId
    played_ms: float = Field(ge=0)


class EndOfSpeech(_Msg):
    """Push-to-talk release: end the utterance in progress now instead of waiting for silence."""

    type: Literal["end_of_speech"] = "end_of_speech"


class Ping(_Msg):
    type: Literal["ping"] = "ping"
    id: str | int | None = None


class Bye(_Msg):
    """Polite goodbye: the server finishes nothing and closes 1000."""

    type: Literal["bye"] = "bye"


ClientMessage = Annotated[
    Hello | Text | Cancel | Playback | EndOfSpeech | Ping | Bye, Field(discriminator="type")
]
CLIENT_MESSAGE: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


# ---------------------------------------------------------------- server → client
class Limits(_Msg):
    max_message_bytes: int
    max_utterance_ms: int
    frame_ms: int = Field(description="Duration of each binary reply-audio frame.")
    max_ahead_ms: int = Field(description="Reply audio is paced: at most this far ahead of real time.")


class Ready(_Msg):
    """Handshake accepted."""

    type: Literal["ready"] = "ready"
    version: int = PROTOCOL_VERSION
    session_id: str
    conversation_id: str
    resumed: bool = Field(description="True when `resume_token` continued an existing conversation.")
    resume_token: str = Field(description="Send it in the next `hello` after a disconnect (any node).")
    input: AudioFormat
    output: AudioFormat
    limits: Limits
    node: str


class SpeechStarted(_Msg):
    """The server heard the start of an utterance that opens turn `turn_id`."""

    type: Literal["speech_started"] = "speech_started"
    turn_id: TurnId
    t_ms: int = Field(description="Stream time (ms of input audio) of the first voiced frame.")


class SpeechEnded(_Msg):
    type: Literal["speech_ended"] = "speech_ended"
    turn_id: TurnId
    t_ms: int
    audio_ms: float
    reason: Literal["silence", "max_length", "flush"]


class Transcript(_Msg):
    """Interim (`final=false`, about every second of a long utterance) or final transcript.

    A final transcript with empty `text` means noise/silence: no reply follows for that turn.
    """

    type: Literal["transcript"] = "transcript"
    turn_id: TurnId
    text: str
    final: bool
    confidence: float | None = None
    source: Literal["speech", "text"] = "speech"


class Reply(_Msg):
    """What the assistant says, with the structured payload for screens."""

    type: Literal["reply"] = "reply"
    turn_id: TurnId
    conversation_id: str
    text: str
    intent: str
    slots: dict[str, Any] = Field(default_factory=dict)
    products: list[dict[str, Any]] = Field(default_factory=list, description="ProductCard objects.")
    cart: dict[str, Any] | None = Field(None, description="Cart object when the turn touched the cart.")
    payload: dict[str, Any] = Field(default_factory=dict, description="Size advice, return risk, order, ...")


class AudioStart(_Msg):
    """Binary frames that follow (until `audio_end` or `interruption`) are turn `turn_id`'s reply audio."""

    type: Literal["audio_start"] = "audio_start"
    turn_id: TurnId
    encoding: str = "pcm_s16le"
    sample_rate: int
    channels: int = 1


class AudioEnd(_Msg):
    type: Literal["audio_end"] = "audio_end"
    turn_id: TurnId
    duration_ms: float = Field(description="Audio of this turn actually sent.")
    reason: Literal["complete", "dropped", "failed"] = Field(
        description="`dropped`: the client fell too far behind and the rest was discarded."
    )


class Interruption(_Msg):
    """Turn `turn_id` was cut. Drop all its queued audio; the server sends no more of it."""

    type: Literal["interruption"] = "interruption"
    turn_id: TurnId
    reason: Literal["barge_in", "cancel", "text"]
    played_ms: float = Field(description="Server's estimate of the reply audio the shopper heard.")
    heard_text: str = Field(description="The part of the reply the shopper is assumed to have heard.")


class TurnMetrics(_Msg):
    """Per-turn latencies in milliseconds (null where a stage did not run)."""

    type: Literal["metrics"] = "metrics"
    turn_id: TurnId
    endpoint_ms: float | None = Field(description="End of speech → end of turn detected.")
    asr_ms: float | None = Field(description="End of turn → final transcript (≈0 on a speculative hit).")
    asr_compute_ms: float | None = None
    speculative_hit: bool = False
    nlu_ms: float | None = Field(description="Transcript → reply text (dialogue + shop).")
    tts_first_byte_ms: float | None = Field(description="Reply text → first synthesized audio.")
    voice_to_voice_ms: float | None = Field(description="End of speech → first reply audio frame sent.")
    audio_in_ms: float | None = None
    audio_out_ms: float | None = None
    asr_batch_size: int | None = None
    interrupted: bool = False


class GoingAway(_Msg):
    """The server is draining: reconnect (any node) with `resume_token`. Close 1001 follows."""

    type: Literal["going_away"] = "going_away"
    resume_token: str
    reason: str = "draining"


class Notice(_Msg):
    """Something happened outside this conversation, possibly on another node (a payment went through).

    Sent as soon as it arrives. When `turn_id` is set the assistant also says `text` as that turn
    (`audio_start` … `audio_end`, then `metrics`), once no other turn is in progress; the shopper can
    barge in on it like on any reply. `turn_id` is null when it is not spoken (the node is draining).
    """

    type: Literal["notice"] = "notice"
    turn_id: TurnId | None = None
    kind: str = Field(description="What happened, e.g. `order_status`.")
    text: str = Field(description="What the assistant says about it.")
    data: dict[str, Any] = Field(default_factory=dict, description="e.g. `{order_id, status}`.")


class Error(_Msg):
    """A typed error. `fatal=true` is followed by a close with `close_code`."""

    type: Literal["error"] = "error"
    code: str
    message: str
    turn_id: TurnId | None = None
    fatal: bool = False
    close_code: int | None = None
    retry_after_s: float | None = Field(
        None, description="With `server_full`: seconds after which a retry (to any node) may succeed."
    )


class Pong(_Msg):
    type: Literal["pong"] = "pong"
    id: str | int | None = None


ServerMessage = Annotated[
    Ready | SpeechStarted | SpeechEnded | Transcript | Reply | AudioStart | AudioEnd | Interruption
    | TurnMetrics | GoingAway | Notice | Error | Pong,
    Field(discriminator="type"),
]
SERVER_MESSAGE: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)

CLIENT_MODELS: tuple[type[_Msg], ...] = (Hello, Text, Cancel, Playback, EndOfSpeech, Ping, Bye)
SERVER_MODELS: tuple[type[_Msg], ...] = (
    Ready, SpeechStarted, SpeechEnded, Transcript, Reply, AudioStart, AudioEnd, Interruption,
    TurnMetrics, GoingAway, Notice, Error, Pong,
)
