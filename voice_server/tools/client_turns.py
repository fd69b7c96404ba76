"""Client-side bookkeeping of the voice protocol (sans-I/O): server events grouped into turns.

`TurnTracker.feed(message)` / `.feed_audio(frame)` take what the server sent and tell when a
turn is complete. A turn is complete when it produced nothing to answer (empty final
transcript), failed (an `error` for it), or replied and its audio ended (`audio_end` or
`interruption`) and its `metrics` arrived. Audio of an interrupted turn is dropped on
arrival, as a player must drop its queued audio on `interruption` (barge-in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TurnEvents:
    """Everything the server sent about one turn of one connection."""

    turn_id: int
    connection: int = 0
    transcripts: list[dict[str, Any]] = field(default_factory=list)
    reply: dict[str, Any] | None = None
    notice: dict[str, Any] | None = None  # a server-initiated turn (`notice`) instead of a reply
    audio_format: dict[str, Any] | None = None
    audio: bytearray = field(default_factory=bytearray)
    audio_end: dict[str, Any] | None = None
    interruption: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    dropped: bool = False  # the connection went away before the turn completed
    done: bool = False

    @property
    def transcript(self) -> str | None:
        """The final transcript text (None before it arrives)."""
        finals = [t for t in self.transcripts if t.get("final")]
        return str(finals[-1].get("text", "")) if finals else None

    @property
    def reply_text(self) -> str | None:
        return self.reply.get("text") if self.reply else None

    @property
    def intent(self) -> str | None:
        return self.reply.get("intent") if self.reply else None

    @property
    def sample_rate(self) -> int | None:
        return int(self.audio_format["sample_rate"]) if self.audio_format else None

    @property
    def audio_ended(self) -> bool:
        return self.audio_end is not None or self.interruption is not None

    def complete(self) -> bool:
        if self.errors or self.dropped:
            return True
        if self.transcript == "" and self.reply is None:
            return True
        return (self.reply or self.notice) is not None and self.audio_ended and self.metrics is not None

    def settled(self) -> bool:
        """Complete except for metrics (used with a grace period: metrics are optional)."""
        return (self.reply or self.notice) is not None and self.audio_ended


class TurnTracker:
    """Groups one connection's messages into TurnEvents; `reset` on a new connection."""

    def __init__(self) -> None:
        self.connection = 0
        self.turns: dict[int, TurnEvents] = {}
        self.audio_turn: TurnEvents | None = None
        self.other: list[dict[str, Any]] = []  # ready, notice, pong, errors without a turn, ...

    def _turn(self, turn_id: int) -> TurnEvents:
        turn = self.turns.get(turn_id)
        if turn is None:
            turn = self.turns[turn_id] = TurnEvents(turn_id=turn_id, connection=self.connection)
        return turn

    def feed(self, message: dict[str, Any]) -> TurnEvents | None:
        """Record one JSON message; returns its turn if that turn just completed."""
        turn_id = message.get("turn_id")
        kind = str(message.get("type"))
        if not isinstance(turn_id, int) or turn_id < 1:
            self.other.append(message)
            return None
        turn = self._turn(turn_id)
        if turn.done:
            return None
        turn.events.append(kind)
        if kind == "transcript":
            turn.transcripts.append(message)
        elif kind == "reply":
            turn.reply = message
        elif kind == "notice":
            turn.notice = message
        elif kind == "audio_start":
            turn.audio_format = message
            self.audio_turn = turn
        elif kind == "audio_end":
            turn.audio_end = message
            self._stop_audio(turn)
        elif kind == "interruption":
            turn.interruption = message
            for older in self.turns.values():  # this turn and older: drop their queued audio
                if older.turn_id <= turn_id:
                    self._stop_audio(older)
        elif kind == "metrics":
            turn.metrics = message
        elif kind == "error":
            turn.errors.append(message)
        return self._finish(turn) if turn.complete() else None

    def feed_audio(self, frame: bytes) -> None:
        """Reply audio belongs to the turn of the last `audio_start` (dropped if none/interrupted)."""
        turn = self.audio_turn
        if turn is not None and turn.interruption is None:
            turn.audio.extend(frame)

    def finish_settled(self) -> list[TurnEvents]:
        """Complete the turns that only lack metrics (call after a grace period)."""
        return [self._finish(t) for t in list(self.turns.values()) if not t.done and t.settled()]

    def reset(self) -> list[TurnEvents]:
        """New connection (turn ids restart): open turns of the old one complete as dropped."""
        dropped = []
        for turn in self.turns.values():
            if not turn.done:
                turn.dropped = True
                dropped.append(self._finish(turn))
        self.turns.clear()
        self.audio_turn = None
        self.connection += 1
        return dropped

    def pending(self) -> list[TurnEvents]:
        return [t for t in self.turns.values() if not t.done]

    def _stop_audio(self, turn: TurnEvents) -> None:
        if self.audio_turn is turn:
            self.audio_turn = None

    def _finish(self, turn: TurnEvents) -> TurnEvents:
        turn.done = True
        self._stop_audio(turn)
        return turn
