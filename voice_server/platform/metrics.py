"""Prometheus metrics of the voice edge (exposed at /metrics by voice_server.api.health)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter, Gauge, Histogram

_MS_BUCKETS = (25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000)

TURN_STAGE_MS = {
    stage: Histogram(
        f"shepherd_voice_{stage}", f"Per-turn {stage.removesuffix('_ms')} latency in milliseconds",
        buckets=_MS_BUCKETS,
    )
    for stage in ("endpoint_ms", "asr_ms", "nlu_ms", "tts_first_byte_ms", "voice_to_voice_ms")
}
SESSIONS = Gauge("shepherd_voice_sessions", "Open voice websocket sessions")
TURNS = Counter("shepherd_voice_turns_total", "Voice turns by outcome", ["outcome"])
ERRORS = Counter("shepherd_voice_errors_total", "Typed errors sent to voice clients", ["code"])
CLOSES = Counter("shepherd_voice_closes_total", "Voice websocket closes by close code", ["code"])
ASR_BATCH = Histogram(
    "shepherd_asr_batch_size", "Utterances per Whisper forward pass (seen by voice turns)",
    buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32, 64),
)
SPECULATIVE = Counter("shepherd_asr_speculative_total", "Speculative ASR outcomes", ["outcome"])
ASR_DECODES = Counter(
    "shepherd_asr_decodes_total", "Whisper decodes voice sessions asked for, by kind (speculative, final, interim)",
    ["kind"],
)
TTS_AUDIO_SECONDS = Counter(
    "shepherd_tts_audio_seconds_total", "Seconds of reply audio the TTS engine produced (phrase-cache hits "
    "included), by use (reply, or ahead: the speculative first clause)", ["use"],
)
INTERRUPTIONS = Counter("shepherd_voice_interruptions_total", "Interrupted turns by reason", ["reason"])


def observe_turn(metrics: Mapping[str, object]) -> None:
    """Record one turn's latency fields (None values are skipped)."""
    for stage, histogram in TURN_STAGE_MS.items():
        value = metrics.get(stage)
        if isinstance(value, int | float):
            histogram.observe(float(value))
    batch = metrics.get("asr_batch_size")
    if isinstance(batch, int):
        ASR_BATCH.observe(batch)
