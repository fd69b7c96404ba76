"""The served fit model's artifact: numpy trees equal scikit-learn's, hash checks, hot reload."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from commerce.sizing.fit_inputs import feature_names
from commerce.sizing.fit_model import ArtifactError, FitModelStore, load_fit_model, save_fit_model
from commerce.sizing.trees import TreeEnsemble
from training.tree_export import export_trees


def _toy_model(seed: int = 0, n_features: int = 5) -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 2000
    x = rng.normal(size=(n, n_features))
    x[:, 1] = rng.integers(0, 4, n)
    x[:, 3] = rng.integers(0, 6, n) * 2  # categorical codes with gaps
    x[rng.random(n) < 0.1, 0] = np.nan
    x[rng.random(n) < 0.1, 3] = np.nan
    y = np.minimum((x[:, 1] > 1).astype(int) + (x[:, 2] > 0.5) + (x[:, 3] == 4), 2)
    cat = np.zeros(n_features, dtype=bool)
    cat[[1, 3]] = True
    model = HistGradientBoostingClassifier(max_iter=25, categorical_features=cat, random_state=seed)
    return model.fit(x, y), x


def test_numpy_trees_equal_scikit_learn_including_missing_and_unseen_categories() -> None:
    model, x = _toy_model()
    trees = export_trees(model)
    assert np.allclose(trees.predict_proba(x), model.predict_proba(x), atol=1e-12)
    unseen = x.copy()
    unseen[:50, 3] = 7  # a category never seen in training behaves as missing
    assert np.allclose(trees.predict_proba(unseen), model.predict_proba(unseen), atol=1e-12)


def _artifact(tmp_path: Path, seed: int = 0) -> Path:
    model, _ = _toy_model(seed, n_features=len(feature_names()))
    path = tmp_path / "fit-model.json"
    manifest = {"vocabulary": {"category": ["dress"]}, "class_prior": [0.2, 0.7, 0.1], "seed": seed}
    save_fit_model(path, export_trees(model), manifest)
    return path


def test_artifact_round_trip_and_hash_check(tmp_path: Path) -> None:
    path = _artifact(tmp_path)
    model = load_fit_model(path)
    assert model.version.startswith("fit-") and model.manifest["seed"] == 0
    arrays = path.with_suffix(".npz")
    data = bytearray(arrays.read_bytes())
    data[-20] ^= 0xFF
    arrays.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="sha256"):
        load_fit_model(path)


def test_artifact_for_other_features_is_refused(tmp_path: Path) -> None:
    path = _artifact(tmp_path)
    manifest = json.loads(path.read_text())
    manifest["feature_names"] = manifest["feature_names"][:-1]
    path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="features"):
        load_fit_model(path)


def test_tree_arrays_are_checked() -> None:
    model, _ = _toy_model()
    arrays = export_trees(model).arrays()
    del arrays["roots"]
    with pytest.raises(ValueError, match="roots"):
        TreeEnsemble.from_arrays(arrays)


def test_store_reloads_a_retrained_model_and_keeps_serving_through_a_bad_one(tmp_path: Path) -> None:
    path = _artifact(tmp_path, seed=0)
    store = FitModelStore(path)
    first = store.get()
    assert store.get() is first  # unchanged file: no reload
    _artifact(tmp_path, seed=1)  # `shepherd train fit --out` replacing the artifact
    os.utime(path, ns=(1, 10**18))
    second = store.get()
    assert second.version != first.version
    path.write_text("{ not json")
    os.utime(path, ns=(1, 2 * 10**18))
    assert store.get() is second  # a broken replacement is refused, the last good model serves
