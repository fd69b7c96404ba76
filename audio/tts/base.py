"""The text-to-speech contract every engine implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable


class TtsError(RuntimeError):
    """Synthesis failed; `reason` is a short machine-readable cause ("http_500", "timeout", ...)."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason


@runtime_checkable
class TtsEngine(Protocol):
    """Streams speech for a text as pcm_s16le mono chunks at `sample_rate`."""

    name: str
    sample_rate: int

    def stream(self, text: str) -> AsyncIterator[bytes]:
        """Yield audio as soon as it is ready (an async generator); raise TtsError on failure."""
        ...

    def close(self) -> None:
        """Release what the engine holds (threads, models); safe to call twice."""
        ...
