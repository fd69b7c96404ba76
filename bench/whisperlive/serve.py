"""Start WhisperLive's websocket server (faster_whisper backend) on a local CTranslate2 model directory.

Run with the benchmark venv's interpreter (`make bench-wl-venv` creates it), never the product's:

    bench/.venv-wl/bin/python bench/whisperlive/serve.py --model-dir .shepherd/models/whisper-base --port 9090

WhisperLive's own `run_server.py` is not part of its wheel; this is the same call with the options the
comparison needs: one shared model (`single_model`, the mode WhisperLive uses for a custom model), room
for every concurrent stream, and nothing fetched from a hub (HF_HUB_OFFLINE is forced on). The CPU
thread count is taken from OMP_NUM_THREADS, which the caller sets to the product's ASR thread count.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, type=Path, help="CTranslate2 Whisper model directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--max-clients", type=int, default=16)
    args = parser.parse_args()
    if not (args.model_dir / "model.bin").is_file():
        parser.error(f"{args.model_dir} holds no model.bin")
    os.environ["HF_HUB_OFFLINE"] = "1"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    from whisper_live.server import TranscriptionServer  # only importable inside bench/.venv-wl

    TranscriptionServer().run(
        args.host,
        port=args.port,
        backend="faster_whisper",
        faster_whisper_custom_model_path=str(args.model_dir.resolve()),
        single_model=True,
        max_clients=args.max_clients,
        max_connection_time=3600,
    )


if __name__ == "__main__":
    main()
