"""What one session's speech recognition hears with: the Whisper prompt and the catalog correction."""

from __future__ import annotations

from audio.asr import Transcript
from voice_server.conversation.asr_hints import dialogue_hotwords, join_prompts
from voice_server.platform.app_state import AppState
from voice_server.platform.logs import get_logger
from voice_server.voice.session_options import SessionOptions

log = get_logger(__name__)


class AsrContext:
    """Hotwords for the next decode (`SessionOptions.hotwords`, docs/audio.md) and the transcript as the
    dialogue gets it (`SessionOptions.asr_correction`)."""

    def __init__(self, options: SessionOptions, state: AppState, session_id: str) -> None:
        self.options = options
        self.state = state
        self.session_id = session_id
        self._context_hotwords: str | None = None

    @property
    def follows_dialogue(self) -> bool:
        """The prompt follows the dialogue context (re-read after each turn with `refresh`)."""
        return self.options.hotwords == "context" and self.state.services.conversation is not None

    def hotwords(self) -> str | None:
        """Whisper prompt for the next decode."""
        mode = self.options.hotwords
        conv = self.state.services.conversation
        if mode == "context":
            return join_prompts(conv.catalog_prompt() if conv is not None else None, self._context_hotwords)
        return conv.hotwords() if mode == "catalog" and conv is not None else None

    async def refresh(self, conversation_id: str) -> None:
        """Re-read the dialogue context for the next utterance's hotwords."""
        conv = self.state.services.conversation
        if conv is not None:
            self._context_hotwords = dialogue_hotwords(await conv.load_state(conversation_id))

    def heard(self, transcript: Transcript) -> str:
        """Misheard catalog words mapped back by sound, and with beam search the hypothesis that fits
        the catalog best."""
        text = transcript.text.strip()
        conv = self.state.services.conversation
        if not text or not self.options.asr_correction or conv is None:
            return text
        try:
            return conv.correct_transcript([(text, transcript.avg_logprob), *transcript.alternatives]).strip()
        except Exception as exc:  # never lose a turn to the corrector
            log.warning("turn.asr_correction_failed", session=self.session_id, error=repr(exc))
            return text
