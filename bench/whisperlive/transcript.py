"""Assemble a final transcript from WhisperLive's segment messages (pure, no I/O).

WhisperLive's faster_whisper backend sends ``{"uid": ..., "segments": [...]}`` after each pass over its
buffer: the last (up to) 10 finished segments, each ``{"start": "1.230", "end": "2.500", "text": ...,
"completed": true}``, followed by the segment still being decoded (``"completed": false``). A segment is
completed when Whisper starts a new one after it or when the same text came back
``same_output_threshold`` times. Finished segments are re-sent in every message, so they are kept once,
with the rule of WhisperLive's own client: a completed segment counts when it starts at or after the end of
the last one kept.

WhisperLive's client (``whisper_live/client.py`` 0.10.0, ``Client.process_segments``) counts a response only
when the text of the last segment changed (``last_response_received``); after playing a file it waits until
that has not happened for ``disconnect_if_no_response_for`` (15 s), sends ``END_OF_AUDIO`` and writes out the
completed segments plus the one still pending. `text_changed_at` and `best_text` follow that rule.
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
    text_changed_at: float | None = None
    """When the text of the last segment last changed (WhisperLive's client's `last_response_received`)."""
    _last_text: str | None = None

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
        last_text = str(segments[-1].get("text", ""))
        if last_text != self._last_text:
            self._last_text, self.text_changed_at = last_text, received_at
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
        """Completed segments plus the one still in progress: what a user sees on screen, and what
        WhisperLive's client writes out after `END_OF_AUDIO`."""
        return " ".join(t for t in (self.final_text, self.partial) if t)
