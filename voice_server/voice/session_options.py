"""`SessionOptions`: the tunables of one voice session (shared by the core and its asyncio driver)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from audio.vad import EndpointerConfig
from voice_server.conversation.asr_hints import HotwordsMode
from voice_server.platform.settings import Settings, setting_default
from voice_server.voice import protocol as p
from voice_server.voice.speculation import SpeculationConfig


class SessionOptions(BaseModel):
    """Tunables of a voice session (defaults are the documented protocol behaviour)."""

    model_config = ConfigDict(frozen=True)

    hello_timeout_s: float = Field(p.HANDSHAKE_TIMEOUT_S, gt=0, description="close 4408 after this")
    frame_ms: int = Field(40, ge=10, le=100, description="reply audio frame length")
    max_ahead_ms: float = Field(200.0, ge=0, description="pacing: audio sent ahead of real time")
    max_backlog_ms: float = Field(2000.0, gt=0, description="unsent audio before a turn's audio is dropped")
    max_control_backlog: int = Field(256, ge=8, description="unsent control messages before close 4429")
    send_timeout_s: float = Field(10.0, gt=0, description="one blocked send longer than this → close 4429")
    heartbeat_s: float = Field(20.0, gt=0, description="a client silent this long is pinged; no answer within "
                               "half of it → the connection is dropped (dead peer)")
    interim_after_ms: int = Field(1500, ge=0, description="utterance length before interim transcripts")
    interim_every_ms: int = Field(1000, ge=100, description="interval of interim transcripts")
    echo_guard_ms: float = Field(
        300.0, ge=0, description="speech this soon after playback start must be strong"
    )
    barge_in_check_ms: int = Field(90, ge=10, description="how often a barge-in candidate is re-checked")
    tts_lead_ms: float = Field(
        1500.0, ge=0, description="just-in-time speech: the next clause is synthesised once less than this "
        "much synthesised audio of the reply is left to play (the first clause at once)",
    )
    max_invalid_in_row: int = Field(20, ge=1, description="consecutive invalid messages before close 4409")
    endpointer: EndpointerConfig = Field(default_factory=EndpointerConfig)
    speculation: SpeculationConfig = Field(default_factory=SpeculationConfig)
    hotwords: HotwordsMode = Field(
        setting_default("asr_hotwords"),
        description="Whisper prompt: garments + brands in the dialogue context, the whole catalog, or none",
    )
    asr_correction: bool = Field(setting_default("asr_correction"),
                                 description="map misheard catalog words back by sound")

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionOptions:
        """Options with the speech settings of `Settings` applied (voice_speculation, asr_hotwords, ...);
        the defaults of those live in `Settings` only (`setting_default`)."""
        spec = SpeculationConfig(enabled=settings.voice_speculation, early_end_ms=settings.voice_early_end_ms,
                                 turn_model=settings.voice_turn_model != "off",
                                 turn_model_end_ms=settings.voice_turn_model_end_ms)
        return cls(speculation=spec, hotwords=settings.asr_hotwords, asr_correction=settings.asr_correction)

    def strong_barge_in(self) -> EndpointerConfig:
        """Stricter barge-in rule inside the echo guard window (twice as long, 6 dB louder)."""
        cfg = self.endpointer
        return cfg.model_copy(
            update={
                "barge_in_min_ms": cfg.barge_in_min_ms * 2,
                "barge_in_min_rms_dbfs": cfg.barge_in_min_rms_dbfs + 6.0,
            }
        )

