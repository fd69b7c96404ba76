"""What `SessionCore` is told: everything that happens to a voice session, as plain data.

The asyncio driver (`voice_server.voice.session`) turns socket frames, timeouts, results of its jobs
(ASR, dialogue, speech) and notices into these events and feeds them to `SessionCore.handle` with
the clock value at which they happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voice_server.conversation.dialogue.policy import TurnResult
from voice_server.voice import protocol as p
from voice_server.voice.speculation import Verdict


# ---------------------------------------------------------------------------------------- handshake
@dataclass(frozen=True, slots=True)
class FirstFrame:
    """The first websocket data frame (it must be a valid `hello`; a `TextFrame` or `AudioFrame` before
    one is taken as the first frame too)."""

    data: str | bytes
    binary: bool


@dataclass(frozen=True, slots=True)
class HelloTimedOut:
    """No frame came within `SessionOptions.hello_timeout_s`."""


@dataclass(frozen=True, slots=True)
class Admitted:
    """The driver carried out `Authenticate`: the shopper and their conversation are known."""

    user_id: int
    user_kind: str
    conversation_id: str
    resumed: bool
    resume_token: str
    node: str
    max_message_bytes: int
    node_draining: bool = False


@dataclass(frozen=True, slots=True)
class Refused:
    """`Authenticate` failed (server full, bad token, foreign conversation): close with this error."""

    error: p.ProtocolError


# ---------------------------------------------------------------------------------------- client
@dataclass(frozen=True, slots=True)
class TextFrame:
    """A text frame after the handshake (parsed by the core with `protocol.parse_client_message`)."""

    data: str


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """A binary frame after the handshake (the client's pcm_s16le at its negotiated rate).

    `asr_ready` / `asr_busy`: whether a recogniser is loaded, and busy now (interim decodes are
    best effort: never queued behind other decodes).
    """

    data: bytes
    asr_ready: bool = True
    asr_busy: bool = False


# ---------------------------------------------------------------------------------------- jobs
@dataclass(frozen=True, slots=True)
class SpeculationJudged:
    """The speculative job `job` judged its transcript (adaptive endpointing)."""

    job: int
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class TurnEndScored:
    """The end-of-turn model job `job` gave the speech so far P(complete) = `p_complete`."""

    job: int
    p_complete: float


@dataclass(frozen=True, slots=True)
class InterimHeard:
    """The interim reporter job `job` is done: its decode of the speech of `turn_id` in progress
    heard `text` ("" when it heard nothing or failed)."""

    job: int
    turn_id: int
    text: str
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class TurnTranscribed:
    """The final transcript of a speech turn (`text` None: recognition failed)."""

    turn_id: int
    text: str | None
    confidence: float | None = None
    asr_ms: float | None = None
    batch_size: int | None = None
    speculative_hit: bool = False


@dataclass(frozen=True, slots=True)
class TurnReplied:
    """The dialogue step of `turn_id` is done (`speculative`: it was the committed speculation)."""

    turn_id: int
    result: TurnResult
    speculative: bool = False


@dataclass(frozen=True, slots=True)
class TurnFailed:
    """An unexpected error in the transcription or dialogue step of `turn_id`."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class TtsFailed:
    """Speech synthesis of `turn_id` failed (what was synthesised before still plays)."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class SpeakingEnded:
    """The speaker finished the reply audio of `turn_id`: "complete", "failed" or "dropped" (the
    client fell too far behind)."""

    turn_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class SpeakingFailed:
    """The speaker of `turn_id` raised (a bug or a broken engine, not a TTS error)."""

    turn_id: int


# ---------------------------------------------------------------------------------------- node
@dataclass(frozen=True, slots=True)
class NoticeArrived:
    """A notice for the shopper (`notice_hub.notice_text` says `text`): spoken as its own turn once
    the session is idle, or only sent (not spoken) while the node drains."""

    notice: dict[str, Any]
    text: str
    node_draining: bool = False


@dataclass(frozen=True, slots=True)
class DrainRequested:
    """The node drains: finish the current turn, then `going_away` + close 1001."""


@dataclass(frozen=True, slots=True)
class CutRequested:
    """The drain timed out: cut the turn still running, then go away."""


@dataclass(frozen=True, slots=True)
class SlowClient:
    """The outbox overflowed or a send blocked too long: the client stopped reading."""

    why: str


@dataclass(frozen=True, slots=True)
class Crashed:
    """The driver hit a bug: close 1011 rather than leave the socket half-open."""


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The connection is gone (closed, dropped or crashed): the driver cancels everything still running."""


Event = (
    FirstFrame | HelloTimedOut | Admitted | Refused | TextFrame | AudioFrame | SpeculationJudged | TurnEndScored
    | InterimHeard | TurnTranscribed | TurnReplied | TurnFailed | TtsFailed | SpeakingEnded | SpeakingFailed
    | NoticeArrived | DrainRequested | CutRequested | SlowClient | Crashed | SessionEnded
)
