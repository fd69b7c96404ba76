from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from voice_server.platform.settings import Settings


def test_env_vars_are_read_and_secrets_masked(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db.example/shop")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_abcdefgh12345678")
    monkeypatch.setenv("SHEPHERD_CORS_ORIGINS", "https://shop.example, https://m.shop.example")
    monkeypatch.setenv("SHEPHERD_STATE_DIR", str(tmp_path))
    settings = Settings(_env_file=None)
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value().endswith("/shop")
    assert settings.cors_origins == ["https://shop.example", "https://m.shop.example"]
    assert settings.state_dir == tmp_path.resolve()
    masked = settings.masked()
    assert masked["database_url"] == "********"
    assert masked["stripe_secret_key"] == "********"
    assert "hunter2" not in json.dumps(masked, default=str)


def test_token_key_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, state_dir=tmp_path)
    first = settings.token_key()
    assert len(first) >= 32
    assert settings.token_key() == first
    assert (tmp_path / "token.key").stat().st_mode & 0o077 == 0


def test_config_command_masks_secrets(tmp_path: Path) -> None:
    env = {**os.environ, "SHEPHERD_STATE_DIR": str(tmp_path), "ELEVENLABS_API_KEY": "xi-very-secret-key"}
    out = subprocess.run(
        [sys.executable, "-m", "voice_server.tools.cli", "config", "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, check=True,
    ).stdout
    values = json.loads(out)
    assert values["elevenlabs_api_key"] == "********"
    assert "xi-very-secret-key" not in out
    assert values["state_dir"] == str(tmp_path.resolve())


def test_help_lists_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "voice_server.tools.cli", "--help"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    for command in ("serve", "chat", "replay", "config", "catalog", "orders", "returns"):
        assert command in out


def test_configuration_doc_lists_every_setting() -> None:
    """docs/configuration.md embeds `shepherd config --markdown`; regenerate it when settings change."""
    from voice_server.platform.settings import markdown_table

    doc = (REPO / "docs" / "configuration.md").read_text()
    assert markdown_table() in doc, "run: shepherd config --markdown, and paste it into docs/configuration.md"
