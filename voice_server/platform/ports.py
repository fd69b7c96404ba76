"""What the server needs of its speech engines and of the conversation service (typing Protocols only).

`AppState.asr` is a `Transcriber` (`audio.asr.BatchingTranscriber`), `AppState.tts` a `TtsEngine`
(`audio.tts`: Piper, ElevenLabs, or the two behind `FallbackTts`), and `AppState.services.conversation`
a `ConversationPort` (`voice_server.conversation.service.ConversationService`). Tests substitute any object
with these methods; nothing here is probed with getattr/hasattr.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from audio.tts.base import TtsEngine

if TYPE_CHECKING:
    import numpy as np

    from audio.asr import Transcript
    from voice_server.conversation.dialogue.policy import TurnResult
    from voice_server.conversation.dialogue.state import DialogueState
    from voice_server.conversation.turn_preview import TurnPreview


class Transcriber(Protocol):
    """Speech to text for 16 kHz float32 mono audio (`audio.asr.BatchingTranscriber`)."""

    async def transcribe(
        self, audio: np.ndarray, *, hotwords: str | None = None, interim: bool = False
    ) -> Transcript:
        """The transcript ("" for silence, noise and hallucinations); raises `audio.asr.AsrError`."""
        ...

    @property
    def busy(self) -> bool:
        """A decode is running or queued (a best-effort interim request would delay it)."""
        ...

    async def close(self) -> None:
        """Stop; pending requests fail with `AsrError("closed")`."""
        ...


class ConversationPort(Protocol):
    """What a voice session needs of `voice_server.conversation.service.ConversationService`."""

    async def open(self, user_id: int, conversation_id: str | None = None) -> str:
        """A new conversation, or `conversation_id` when it is this user's (else `NotFound`)."""
        ...

    async def handle_text(self, conversation_id: str, user_id: int, text: str) -> TurnResult:
        """Run one turn and store it."""
        ...

    async def preview_text(self, conversation_id: str, user_id: int, text: str) -> TurnPreview:
        """What the turn would do, computed read-only (speculation: nothing stored)."""
        ...

    async def commit_preview(self, conversation_id: str, user_id: int, preview: TurnPreview) -> TurnResult | None:
        """Store a previewed turn; None when the state moved on since the preview (run the turn anew)."""
        ...

    async def load_state(self, conversation_id: str, user_id: int | None = None) -> DialogueState:
        """The dialogue state (for the next utterance's Whisper hotwords)."""
        ...

    async def note_interrupted(self, conversation_id: str, heard_text: str) -> None:
        """The shopper cut the reply after hearing `heard_text`."""
        ...

    async def record_metrics(self, conversation_id: str, turn_index: int, metrics: dict[str, Any]) -> None:
        """Attach a turn's latency metrics to its stored turn."""
        ...

    def hotwords(self) -> str:
        """Whisper prompt with the catalog's vocabulary (`SessionOptions.hotwords == "catalog"`)."""
        ...

    def catalog_prompt(self) -> str:
        """Short Whisper prompt naming the garments and main colours the shop sells."""
        ...

    def correct_transcript(self, hypotheses: Sequence[tuple[str, float]]) -> str:
        """The most likely request among ASR hypotheses (text, avg_logprob), catalog words mapped back by sound."""
        ...


__all__ = ["ConversationPort", "Transcriber", "TtsEngine"]
