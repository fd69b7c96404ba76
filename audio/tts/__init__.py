"""Text-to-speech engines: local Piper, ElevenLabs streaming, and a fallback pair."""

from audio.tts.base import TtsEngine, TtsError
from audio.tts.cache import CachingTts, SpeechCache
from audio.tts.clauses import split_clauses
from audio.tts.elevenlabs_tts import ElevenLabsTts
from audio.tts.fallback import FallbackTts
from audio.tts.piper_tts import PiperTts

__all__ = ["CachingTts", "ElevenLabsTts", "FallbackTts", "PiperTts", "SpeechCache", "TtsEngine", "TtsError", "split_clauses"]
