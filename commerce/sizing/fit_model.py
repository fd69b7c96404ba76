"""The served fit model: P(small / fit / large | shopper, product, size), loaded from a versioned artifact.

An artifact is two files side by side: ``<name>.npz`` (the `TreeEnsemble` arrays, read with
``allow_pickle=False``) and ``<name>.json`` (the manifest: version, sha256 of the arrays, the
feature names the trees were trained on, the category vocabulary, the class prior used to
smooth fit statistics, and how it was trained).  Loading refuses arrays whose hash differs from
the manifest and feature names that differ from `commerce.sizing.fit_inputs.feature_names()`.

`FitModelStore` is what the server holds: it re-reads the manifest when the file changes
(``shepherd train fit`` replaces it atomically), so a running server picks up a retrained model
without a restart.  The benchmark (``shepherd bench fit``) scores RTR rentals through the same
`FitModel.predict`.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from commerce.sizing.fit_inputs import FitColumns, feature_matrix, feature_names
from commerce.sizing.trees import TreeEnsemble

log = logging.getLogger(__name__)

SHIPPED_MODEL = Path(__file__).with_name("models") / "fit-model.json"
MODEL_ENV = "SHEPHERD_FIT_MODEL"
"""Environment variable naming the manifest the server loads (default: the shipped RTR model)."""


class ArtifactError(ValueError):
    """A model artifact that is missing, altered or trained for other inputs."""


@dataclass(frozen=True)
class FitModel:
    """Boosted trees over `feature_matrix` columns, with the vocabulary and prior they were trained with."""

    trees: TreeEnsemble
    vocabulary: dict[str, list[str]]
    class_prior: np.ndarray
    version: str
    manifest: dict[str, Any]

    def predict(self, columns: FitColumns) -> np.ndarray:
        """P(small), P(fit), P(large) for every row: shape (n, 3)."""
        return self.trees.predict_proba(feature_matrix(columns, self.vocabulary))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_fit_model(manifest_path: Path, trees: TreeEnsemble, manifest: dict[str, Any]) -> FitModel:
    """Write ``<name>.npz`` and ``<name>.json`` (the manifest last, atomically) and return the loaded model."""
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **trees.arrays())  # type: ignore[arg-type]  # numpy's stub types **arrays as bool
    data = buffer.getvalue()
    digest = sha256_of(data)
    arrays_path = manifest_path.with_suffix(".npz")
    tmp_arrays = arrays_path.with_suffix(".npz.tmp")
    tmp_arrays.write_bytes(data)
    os.replace(tmp_arrays, arrays_path)
    full = {
        **manifest,
        "kind": "fit",
        "version": f"fit-{digest[:12]}",
        "arrays": arrays_path.name,
        "sha256": digest,
        "feature_names": feature_names(),
    }
    tmp_manifest = manifest_path.with_suffix(".json.tmp")
    tmp_manifest.write_text(json.dumps(full, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp_manifest, manifest_path)
    return load_fit_model(manifest_path)


def load_fit_model(manifest_path: Path) -> FitModel:
    """Read and check an artifact (hash, feature names, array consistency)."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        data = (manifest_path.parent / manifest["arrays"]).read_bytes()
    except (OSError, KeyError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"cannot read fit model {manifest_path}: {exc}") from exc
    if sha256_of(data) != manifest.get("sha256"):
        raise ArtifactError(f"{manifest['arrays']}: sha256 differs from the manifest")
    if manifest.get("feature_names") != feature_names():
        raise ArtifactError(f"{manifest_path}: trained on other features than this code computes")
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        trees = TreeEnsemble.from_arrays({k: arrays[k] for k in arrays.files})
    if trees.n_classes != 3:
        raise ArtifactError(f"{manifest_path}: expected 3 classes, got {trees.n_classes}")
    return FitModel(
        trees=trees,
        vocabulary={k: list(v) for k, v in manifest["vocabulary"].items()},
        class_prior=np.asarray(manifest["class_prior"], dtype=np.float64),
        version=str(manifest["version"]),
        manifest=manifest,
    )


def default_model_path() -> Path:
    return Path(os.environ.get(MODEL_ENV) or SHIPPED_MODEL)


class FitModelStore:
    """The current fit model of a manifest path, reloaded when the file changes (no restart needed).

    A replacement that fails its checks is logged and ignored: the previous model keeps serving.
    """

    def __init__(self, manifest_path: Path | None = None) -> None:
        self.path = manifest_path or default_model_path()
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._model: FitModel | None = None

    def _file_stamp(self) -> tuple[int, int]:
        st = self.path.stat()
        return st.st_mtime_ns, st.st_size

    def get(self) -> FitModel:
        stamp = self._file_stamp()
        if stamp == self._stamp and self._model is not None:
            return self._model
        with self._lock:
            if stamp != self._stamp or self._model is None:
                try:
                    self._model = load_fit_model(self.path)
                    log.info("fit model %s loaded from %s", self._model.version, self.path)
                except ArtifactError:
                    if self._model is None:
                        raise
                    log.exception(
                        "fit model at %s rejected; still serving %s", self.path, self._model.version
                    )
                self._stamp = stamp
        return self._model
