"""End to end: `shepherd replay --json` streams recorded fixtures over the real voice protocol.

The subprocess serves the whole app in-process (embedded Postgres/Valkey of the test session's
state dir, Whisper + Piper loaded) and replays three files at three sample rates as one
conversation; transcripts are compared with the manifest by word error rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import jiwer
import pytest
from whisper_normalizer.english import EnglishTextNormalizer

from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "audio"
FILES = ["black_dresses_piper_16k.wav", "what_size_piper_8k.wav", "whats_in_cart_piper_24k.wav"]
_normalise = EnglishTextNormalizer()

pytestmark = pytest.mark.slow


def _env(state_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHEPHERD_") and k not in {"DATABASE_URL", "VALKEY_URL", "ELEVENLABS_API_KEY"}}
    env["SHEPHERD_STATE_DIR"] = str(state_dir)
    return env


def _replay(state_dir: Path, out_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voice_server.tools.cli", "replay", "--json", "--out", str(out_dir),
         *[str(FIXTURES / f) for f in FILES]],
        capture_output=True, text=True, cwd=REPO, env=_env(state_dir), timeout=540, check=False,
    )


async def test_replay_fixtures_transcribes_and_answers(
    settings: Settings, backends: Backends, tmp_path: Path,
) -> None:
    manifest = {e["file"]: e for e in json.loads((FIXTURES / "manifest.json").read_text())}
    proc = await asyncio.to_thread(_replay, settings.state_dir, tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [Path(r["file"]).name for r in records] == FILES

    refs = [_normalise(manifest[f]["text"]) for f in FILES]
    hyps = [_normalise(r["transcript"]) for r in records]
    assert jiwer.wer(refs, hyps) <= 0.25, list(zip(refs, hyps, strict=True))
    assert [r["intent"] for r in records] == [manifest[f]["intent"] for f in FILES]

    search = records[0]
    assert search["products"]
    assert all(p["category"] == "dresses" and p["price"] <= 80 for p in search["products"])
    assert {"id", "name", "brand", "price", "currency", "sizes"} <= search["products"][0].keys()
    assert len({r["conversation_id"] for r in records}) == 1  # one conversation across files
    for record in records:
        assert record["reply"] and not record["errors"]
        metrics = record["metrics"]
        assert metrics["voice_to_voice_ms"] > 0 and metrics["asr_ms"] is not None
        reply_wav = Path(record["reply_wav"])
        assert reply_wav.name == Path(record["file"]).stem + ".reply.wav"
        with wave.open(str(reply_wav)) as wav:
            assert wav.getnchannels() == 1 and wav.getnframes() / wav.getframerate() > 0.5
