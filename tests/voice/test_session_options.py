"""`SessionOptions` takes the speech settings from `Settings`, whose defaults are the only ones."""

from __future__ import annotations

from pathlib import Path

from voice_server.platform.settings import Settings, setting_default
from voice_server.voice.session import SessionOptions


def test_defaults_live_in_settings_only(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, state_dir=tmp_path)
    assert SessionOptions.from_settings(settings) == SessionOptions()
    options = SessionOptions()
    assert options.speculation.enabled is setting_default("voice_speculation")
    assert options.speculation.early_end_ms == setting_default("voice_early_end_ms")
    assert options.hotwords == setting_default("asr_hotwords")


def test_settings_reach_the_session(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, state_dir=tmp_path, voice_speculation=False,
                        voice_early_end_ms=0, asr_hotwords="none")
    options = SessionOptions.from_settings(settings)
    assert (options.speculation.enabled, options.speculation.early_end_ms, options.hotwords) == (False, 0, "none")


def test_the_turn_model_settings_reach_the_session(tmp_path: Path) -> None:
    assert SessionOptions().speculation.turn_model is (setting_default("voice_turn_model") == "smart-turn")
    assert SessionOptions().speculation.turn_model_end_ms == setting_default("voice_turn_model_end_ms")
    settings = Settings(_env_file=None, state_dir=tmp_path, voice_turn_model="off", voice_turn_model_end_ms=250)
    options = SessionOptions.from_settings(settings)
    assert (options.speculation.turn_model, options.speculation.turn_model_end_ms) == (False, 250)
