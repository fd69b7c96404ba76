"""What `SessionCore` asks for: the effects of a voice session, as plain data, in the order to do them.

The asyncio driver carries them out (the outbox and socket, tasks for ASR, dialogue and speech).
Jobs (ASR decodes, speculative passes, interim reporters) are named by ids the core hands out, and
the work of a turn by its `turn_id`: the core cancels them by those names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from voice_server.voice import protocol as p
from voice_server.voice.turn_record import Turn


# ---------------------------------------------------------------------------------------- wire
@dataclass(frozen=True, slots=True)
class Send:
    """Queue a control message (after everything already queued)."""

    message: BaseModel


@dataclass(frozen=True, slots=True)
class Close:
    """Queue a close frame after everything already queued (the writer performs it)."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class HardClose:
    """The client stopped reading: drop the outbox, stop the writer, close at once and cut the TCP
    connection."""

    code: int


@dataclass(frozen=True, slots=True)
class PurgeAudio:
    """Purge the queued reply audio of `turn_id` and refuse any later frame of it."""

    turn_id: int


# ---------------------------------------------------------------------------------------- session
@dataclass(frozen=True, slots=True)
class Authenticate:
    """Admission control, token check and opening the conversation; answer `Admitted` or `Refused`."""

    hello: p.Hello
    negotiated: p.Negotiated


@dataclass(frozen=True, slots=True)
class RefreshHotwords:
    """Re-read the dialogue context for the next utterance's Whisper prompt."""


# ---------------------------------------------------------------------------------------- jobs
@dataclass(frozen=True, slots=True)
class Transcribe:
    """Start decoding `audio` (16 kHz float32) as job `job` (speculative or interim pass)."""

    job: int
    audio: np.ndarray
    interim: bool = False


@dataclass(frozen=True, slots=True)
class ReportInterim:
    """Start job `job`: wait for decode `decode` and answer `InterimHeard` for `turn_id`."""

    job: int
    decode: int
    turn_id: int


@dataclass(frozen=True, slots=True)
class Speculate:
    """Start job `job`: transcript of decode `decode` → dialogue preview → `SpeculationJudged` → first
    clause of the previewed reply synthesised ahead. Nothing is stored or sent."""

    job: int
    decode: int


@dataclass(frozen=True, slots=True)
class ScoreTurnEnd:
    """Start job `job`: the learned end-of-turn model on `audio` (16 kHz float32) → `TurnEndScored`."""

    job: int
    audio: np.ndarray


@dataclass(frozen=True, slots=True)
class CancelJob:
    """Cancel job `job` (and the audio a speculation synthesised ahead)."""

    job: int


# ---------------------------------------------------------------------------------------- turns
@dataclass(frozen=True, slots=True)
class TranscribeTurn:
    """Transcribe the turn's `audio`, reusing decode `reuse` when it is of the very same audio; the
    speculation job `speculation` now belongs to the turn. Answer `TurnTranscribed` (or `TurnFailed`)."""

    turn_id: int
    audio: np.ndarray
    reuse: int | None = None
    speculation: int | None = None


@dataclass(frozen=True, slots=True)
class Converse:
    """Run the dialogue step for `text` (committing the turn's speculation when it previewed this very
    text). Answer `TurnReplied` (or `TurnFailed`)."""

    turn_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Speak:
    """Synthesise `text` and pace its audio to the client as `turn`'s reply (`turn.pacer` is set);
    `prefetched`: start with the first clause the turn's speculation synthesised. Answer `TtsFailed`,
    then `SpeakingEnded` (or `SpeakingFailed`)."""

    turn: Turn
    text: str
    prefetched: bool = False


@dataclass(frozen=True, slots=True)
class CancelTurn:
    """Cancel what still runs for `turn_id` (its steps, its speculation and audio synthesised ahead)."""

    turn_id: int


@dataclass(frozen=True, slots=True)
class NoteInterrupted:
    """Tell the dialogue what of the reply of `turn_id` was heard (once its dialogue step is done)."""

    turn_id: int
    heard: str


@dataclass(frozen=True, slots=True)
class RecordMetrics:
    """Store the metrics record of a turn with its conversation turn `conversation_turn`."""

    conversation_turn: int
    record: dict[str, Any]


Action = (
    Send | Close | HardClose | PurgeAudio | Authenticate | RefreshHotwords | Transcribe | ReportInterim
    | Speculate | ScoreTurnEnd | CancelJob | TranscribeTurn | Converse | Speak | CancelTurn | NoteInterrupted | RecordMetrics
)
