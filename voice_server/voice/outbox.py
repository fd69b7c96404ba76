"""Bounded, ordered send queue of one voice session (control messages + reply audio frames).

One writer task drains it to the socket. Audio of a turn can be purged in place (barge-in),
after which the turn is closed: later frames for it are refused, so no stale audio can follow
an `interruption`. Backlog limits detect a client that stopped reading.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutItem:
    text: str | None = None
    audio: bytes | None = None
    turn_id: int | None = None
    audio_ms: float = 0.0
    close_code: int | None = None


class OutboxOverflow(Exception):
    """Too many control messages are waiting: the client is not reading."""


class Outbox:
    def __init__(self, max_audio_ms: float = 2000.0, max_control: int = 256) -> None:
        self.max_audio_ms = max_audio_ms
        self.max_control = max_control
        self._items: deque[OutItem] = deque()
        self._audio_ms = 0.0
        self._control = 0
        self._closed_turns: set[int] = set()
        self._ready = asyncio.Event()
        self.closed = False

    @property
    def queued_audio_ms(self) -> float:
        return self._audio_ms

    @property
    def queued_control(self) -> int:
        return self._control

    def queued_audio_ms_for(self, turn_id: int) -> float:
        return sum(i.audio_ms for i in self._items if i.audio is not None and i.turn_id == turn_id)

    def __len__(self) -> int:
        return len(self._items)

    def queued(self) -> list[OutItem]:
        """What is waiting to be sent, in send order (a copy)."""
        return list(self._items)

    def put_text(self, text: str) -> None:
        if self.closed:
            return
        if self._control >= self.max_control:
            raise OutboxOverflow(f"{self._control} control messages unsent")
        self._control += 1
        self._items.append(OutItem(text=text))
        self._ready.set()

    def put_close(self, code: int, reason: str) -> None:
        """Queue a close frame after everything already queued (never refused)."""
        if self.closed:
            return
        self._items.append(OutItem(text=reason[:100], close_code=code))
        self._ready.set()

    def put_audio(self, turn_id: int, frame: bytes, frame_ms: float) -> bool:
        """Queue one frame; False when the turn is closed or the audio backlog is over the limit."""
        if self.closed or turn_id in self._closed_turns:
            return False
        if self._audio_ms + frame_ms > self.max_audio_ms:
            return False
        self._audio_ms += frame_ms
        self._items.append(OutItem(audio=frame, turn_id=turn_id, audio_ms=frame_ms))
        self._ready.set()
        return True

    def close_turn(self, turn_id: int) -> float:
        """Refuse further audio of `turn_id` and purge its queued frames; returns the ms purged."""
        self._closed_turns.add(turn_id)
        purged = 0.0
        kept: deque[OutItem] = deque()
        for item in self._items:
            if item.audio is not None and item.turn_id == turn_id:
                purged += item.audio_ms
            else:
                kept.append(item)
        self._items = kept
        self._audio_ms -= purged
        return purged

    async def get(self) -> OutItem:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        item = self._items.popleft()
        if item.audio is not None:
            self._audio_ms -= item.audio_ms
        elif item.close_code is None:
            self._control -= 1
        return item

    def close(self) -> None:
        self.closed = True
        self._items.clear()
        self._ready.set()
