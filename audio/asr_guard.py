"""Pure rules that keep Whisper from putting words in a silent or noisy shopper's mouth."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ANNOTATION = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|♪+")
_NORMALISE = re.compile(r"[^a-z' ]+")

ALWAYS_HALLUCINATED = (
    "thanks for watching",
    "thank you for watching",
    "subtitles by",
    "subtitled by",
    "captions by",
    "amara.org",
    "please subscribe",
    "like and subscribe",
    "see you in the next video",
)
"""Phrases that come from YouTube subtitles in Whisper's training data, never from a shopper."""

SHORT_HALLUCINATIONS = frozenset(
    {"you", "thank you", "thanks", "bye", "bye bye", "so", "the", "uh", "um", "hmm", "oh", "okay", "i"}
)
"""Whole transcripts Whisper produces on near-silence; dropped unless the audio is clearly speech."""


@dataclass(frozen=True, slots=True)
class GuardConfig:
    """Thresholds for dropping untrustworthy transcripts (defaults follow faster-whisper's)."""

    min_level_dbfs: float = -45.0
    """Audio whose loud part is quieter than this is not speech."""
    no_speech_threshold: float = 0.6
    """Drop when no_speech_prob is above this AND avg_logprob is below `logprob_threshold`."""
    logprob_threshold: float = -1.0
    """See `no_speech_threshold`."""
    min_avg_logprob: float = -1.5
    """Drop outright when the decoder was this unsure."""
    max_compression_ratio: float = 2.4
    """Drop repetitive loops ("the the the ...")."""
    short_phrase_max_no_speech: float = 0.15
    """A SHORT_HALLUCINATIONS transcript survives only below this no_speech_prob ..."""
    short_phrase_min_logprob: float = -0.6
    """... and above this avg_logprob ..."""
    short_phrase_min_level_dbfs: float = -35.0
    """... and with audio at least this loud."""


def strip_annotations(text: str) -> str:
    """Remove bracketed sound annotations such as "[BLANK_AUDIO]", "(upbeat music)", "*cough*"."""
    return " ".join(_ANNOTATION.sub(" ", text).split())


def normalise_phrase(text: str) -> str:
    """Lower-case, punctuation-free, single-spaced text for phrase matching."""
    return " ".join(_NORMALISE.sub(" ", text.lower()).split())


def guard_transcript(
    text: str,
    *,
    avg_logprob: float,
    no_speech_prob: float,
    compression_ratio: float,
    audio_ms: float,
    level_dbfs: float,
    config: GuardConfig,
) -> str | None:
    """Return why `text` must be dropped ("empty", "quiet", ...), or None to keep it."""
    phrase = normalise_phrase(strip_annotations(text))
    if not phrase:
        return "empty"
    if level_dbfs < config.min_level_dbfs:
        return "quiet"
    if no_speech_prob > config.no_speech_threshold and avg_logprob < config.logprob_threshold:
        return "no_speech"
    if avg_logprob < config.min_avg_logprob:
        return "low_confidence"
    if compression_ratio > config.max_compression_ratio:
        return "repetitive"
    if any(marker in phrase for marker in ALWAYS_HALLUCINATED):
        return "hallucination"
    if phrase in SHORT_HALLUCINATIONS and (
        no_speech_prob >= config.short_phrase_max_no_speech
        or avg_logprob < config.short_phrase_min_logprob
        or level_dbfs < config.short_phrase_min_level_dbfs
        or audio_ms < 300
    ):
        return "hallucination"
    return None
