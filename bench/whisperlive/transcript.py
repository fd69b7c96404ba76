"""Assemble a final transcript from WhisperLive's segment messages (pure, no I/O).

WhisperLive's faster_whisper backend sends ``{"uid": ..., "segments": [...]}`` after each pass over its
buffer: the last (up to) 10 finished segments, each ``{"start": "1.230", "end": "2.500", "text": ...,
"completed": true}``, followed by the segment still being decoded (``"completed": false``). A segment is
completed when Whisper starts a new one after it or when the same text came back
``same_output_threshold`` times. Finished segments are re-sent in every message, so they are kept once,
with the rule of WhisperLive's own client: a completed segment counts when it starts at or after the end of
the last one kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Segment:
    """One completed segment and when it first reached the client (seconds, client clock)."""

    start: float
    end: float
    text: str
    received_at: float


@dataclass
class WhisperLiveTranscript:
    """What a client knows after the messages fed so far."""

    completed: list[Segment] = field(default_factory=list)
    partial: str = ""
    """Text of the segment still in progress ("" when the last message held only completed segments)."""
    ready: bool = False
    error: str | None = None

    def feed(self, message: dict[str, Any], received_at: float) -> None:
        """Take one decoded JSON message from the server."""
        if message.get("message") == "SERVER_READY":
            self.ready = True
            return
        status = message.get("status")
        if status in ("ERROR", "WAIT"):
            self.error = f"{status}: {message.get('message')}"
            return
        segments = message.get("segments")
        if not segments:
            return
        self.partial = ""
        for i, seg in enumerate(segments):
            if seg.get("completed", False):
                start, end = float(seg["start"]), float(seg["end"])
                if not self.completed or start >= self.completed[-1].end:
                    self.completed.append(Segment(start, end, str(seg["text"]).strip(), received_at))
            elif i == len(segments) - 1:
                self.partial = str(seg["text"]).strip()

    @property
    def final_text(self) -> str:
        """The completed segments, joined."""
        return " ".join(s.text for s in self.completed if s.text)

    @property
    def best_text(self) -> str:
        """Completed segments plus the one still in progress (what a user would see on screen)."""
        return " ".join(t for t in (self.final_text, self.partial) if t)

    def final_at(self, speech_end_s: float, tolerance_s: float = 0.8) -> float | None:
        """Client time at which the utterance ending at stream time `speech_end_s` was final, else None.

        Final means nothing is pending any more and the completed segments reach the end of speech
        (segment ends are Whisper timestamps, so `tolerance_s` allows for their imprecision).
        """
        if self.partial or not self.completed:
            return None
        if self.completed[-1].end < speech_end_s - tolerance_s:
            return None
        return self.completed[-1].received_at
