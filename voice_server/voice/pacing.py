"""Pure helpers for reply audio: cut into fixed frames, pace at real time, estimate what was heard."""

from __future__ import annotations

from dataclasses import dataclass, field


class FrameCutter:
    """Cut a pcm_s16le stream into frames of exactly `frame_ms` (the last one may be shorter)."""

    def __init__(self, rate: int, frame_ms: int = 40) -> None:
        self.frame_bytes = rate * frame_ms // 1000 * 2
        self._buf = bytearray()

    def push(self, pcm: bytes) -> list[bytes]:
        self._buf.extend(pcm)
        n = self.frame_bytes
        whole = len(self._buf) - len(self._buf) % n
        frames = [bytes(self._buf[i : i + n]) for i in range(0, whole, n)]
        del self._buf[:whole]
        return frames

    def flush(self) -> list[bytes]:
        if not self._buf:
            return []
        out = bytes(self._buf) if len(self._buf) % 2 == 0 else bytes(self._buf[:-1])
        self._buf.clear()
        return [out] if out else []


@dataclass
class Pacer:
    """Real-time pacing: how long to wait before sending the next frame so that at most
    `max_ahead_ms` of audio is ahead of the listener's playback clock.

    The playback clock starts with the first frame; when the producer falls behind (an
    underrun, e.g. waiting for the next clause), the clock restarts so the gap is not
    "banked" as permission to burst later.
    """

    max_ahead_ms: float = 200.0
    sent_ms: float = 0.0
    _t0: float | None = None

    def delay_before(self, now: float) -> float:
        """Seconds to wait before sending the next frame (0 = send now)."""
        if self._t0 is None:
            return 0.0
        played = (now - self._t0) * 1000.0
        if played > self.sent_ms:  # underrun: the listener has played everything
            self._t0 = now - self.sent_ms / 1000.0
            played = self.sent_ms
        ahead = self.sent_ms - played
        return max(0.0, (ahead - self.max_ahead_ms) / 1000.0)

    def on_sent(self, now: float, frame_ms: float) -> None:
        if self._t0 is None:
            self._t0 = now
        self.sent_ms += frame_ms

    def played_ms(self, now: float) -> float:
        """Estimate of audio already played by the listener (real time since start, capped)."""
        if self._t0 is None:
            return 0.0
        return max(0.0, min(self.sent_ms, (now - self._t0) * 1000.0))


@dataclass
class SpokenText:
    """Which text went with which stretch of reply audio (clause by clause)."""

    clauses: list[tuple[str, float, float]] = field(default_factory=list)  # (text, start_ms, end_ms)

    def add(self, text: str, start_ms: float, end_ms: float) -> None:
        self.clauses.append((text, start_ms, end_ms))

    def heard(self, played_ms: float) -> str:
        """Clauses fully played, plus the played share of the words of the clause in progress."""
        words: list[str] = []
        for text, start, end in self.clauses:
            if played_ms >= end:
                words.extend(text.split())
            elif played_ms > start and end > start:
                parts = text.split()
                words.extend(parts[: int(len(parts) * (played_ms - start) / (end - start))])
                break
            else:
                break
        return " ".join(words)
