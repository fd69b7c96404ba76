"""Speculative turns and adaptive endpointing: the pure decisions (no I/O, no clock).

At the endpointer's `PossibleEnd` (a short trailing silence) the session transcribes, understands
and starts synthesising the reply *speculatively*; nothing is stored or sent until the end of the
turn is confirmed. How long to wait for that confirmation depends on what was said:

* a complete request ("show me black dresses under fifty dollars") with a confident intent ends
  after `early_end_ms` of silence;
* anything else (a trailing "and", "um", "with", "size", no intent, low confidence) waits the full
  `end_silence_ms`, so "I need a size, um, ... medium" is not cut.

With the learned end-of-turn model on (`turn_model`, Smart Turn v3.2 in `audio.turn_end`), its
P(complete) on the same PossibleEnd audio comes first (it needs no transcript): at or above
`turn_model_threshold` the turn ends after `turn_model_end_ms`; below `turn_model_veto` the text rule
may not end the turn early (the prosody says "not done" although the words so far read as a request);
in between, the text rule decides. `end_silence_ms` stays the hard fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from voice_server.platform.settings import setting_default

TRAILING_WORDS: frozenset[str] = frozenset(
    {
        # fillers
        "um", "umm", "uh", "uhh", "er", "erm", "hmm", "mm", "ah", "like", "so", "well",
        # conjunctions and prepositions that announce more
        "and", "or", "but", "with", "without", "in", "for", "of", "to", "from", "than", "under",
        "over", "below", "above", "around", "about", "between", "at", "by", "on", "plus", "also",
        "then", "because", "if", "maybe", "that", "which",
        # determiners and words that need a complement
        "a", "an", "the", "my", "your", "some", "any", "size", "sized", "colour", "color", "brand",
        "is", "are", "it's", "its", "i'm", "want", "need",
    }
)
"""Last words after which a shopper is usually not done, whatever the NLU says."""

NOT_A_REQUEST = frozenset({"unknown", "out_of_scope"})
"""Intents that never end a turn early (a remark about the weather is not yet a request)."""

_WORD = re.compile(r"[a-z0-9']+")


class SpeculationConfig(BaseModel):
    """Speculative turn processing and adaptive endpointing (see docs/audio.md)."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = Field(
        setting_default("voice_speculation"), description="At a possible end of speech, run ASR, understanding and the first TTS clause "
        "speculatively; commit and send them once the end is confirmed."
    )
    early_end_ms: int = Field(
        setting_default("voice_early_end_ms"), ge=0, description="Trailing silence that ends a turn whose speculative transcript is a "
        "complete, confident request (0 disables adaptive endpointing: always wait end_silence_ms)."
    )
    min_confidence: float = Field(
        0.75, ge=0, le=1, description="NLU confidence needed to end a turn early."
    )
    prefetch_audio: bool = Field(
        True, description="Synthesise the first clause of the speculative reply before the end is confirmed."
    )
    turn_model: bool = Field(
        setting_default("voice_turn_model") == "smart-turn", description="Score every possible end with the "
        "learned end-of-turn model (Smart Turn v3.2) and use its probability in `required_silence_ms`."
    )
    turn_model_end_ms: int = Field(
        setting_default("voice_turn_model_end_ms"), ge=0, description="Trailing silence that ends a turn the "
        "model calls complete (below ~250 ms natural pauses inside a sentence get cut; docs/audio.md)."
    )
    turn_model_threshold: float = Field(
        0.5, ge=0, le=1, description="P(complete) at or above which the model ends the turn (pipecat's 0.5)."
    )
    turn_model_veto: float = Field(
        0.1, ge=0, le=1, description="P(complete) below which a complete-looking transcript may not end the "
        "turn early (\"I want a blue shirt, um, ...\"); 0 disables the veto."
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """Is a speculative transcript a finished request? `reason` says why (for logs and metrics)."""

    complete: bool
    reason: str


def words_of(text: str) -> list[str]:
    """Lower-case words of a transcript (punctuation dropped, apostrophes kept)."""
    return _WORD.findall(text.lower().replace("’", "'"))


def judge_request(text: str, intent: str | None, confidence: float | None, config: SpeculationConfig) -> Verdict:
    """Decide whether `text` (with the NLU's `intent` and `confidence`) reads as a complete request."""
    words = words_of(text)
    if not words:
        return Verdict(False, "empty")
    stripped = text.rstrip()
    if stripped.endswith((",", "-", "…", "...", ":", ";")):
        return Verdict(False, "trailing_punctuation")
    if words[-1] in TRAILING_WORDS:
        return Verdict(False, "trailing_word")
    if intent is None or intent in NOT_A_REQUEST:
        return Verdict(False, "no_intent")
    if confidence is None or confidence < config.min_confidence:
        return Verdict(False, "low_confidence")
    return Verdict(True, "complete")


def required_silence_ms(
    verdict: Verdict | None, config: SpeculationConfig, end_silence_ms: int, p_complete: float | None = None
) -> int:
    """Trailing silence after which the turn ends, given the speculation's verdict and the end-of-turn
    model's P(complete) (either None = not yet, or the model is off)."""
    model = p_complete if config.turn_model else None
    if model is not None and model >= config.turn_model_threshold:
        return min(config.turn_model_end_ms, end_silence_ms)
    if model is not None and model < config.turn_model_veto:
        return end_silence_ms
    if config.enabled and config.early_end_ms > 0 and verdict is not None and verdict.complete:
        return min(config.early_end_ms, end_silence_ms)
    return end_silence_ms


def should_end_early(
    silence_ms: int,
    verdict: Verdict | None,
    config: SpeculationConfig,
    end_silence_ms: int,
    p_complete: float | None = None,
) -> bool:
    """True when the turn may end now, before the endpointer's own `end_silence_ms`."""
    required = required_silence_ms(verdict, config, end_silence_ms, p_complete)
    return required < end_silence_ms and silence_ms >= required


def reusable(preview_text: str | None, final_text: str) -> bool:
    """A speculative dialogue step may be committed only for the very transcript it was computed on."""
    return preview_text is not None and preview_text.strip() == final_text.strip()
