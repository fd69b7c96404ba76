"""Train the fit model (scikit-learn gradient-boosted trees) and export it as a served artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from commerce.sizing.fit_inputs import FitColumns, categorical_mask, feature_matrix
from commerce.sizing.fit_model import FitModel, save_fit_model
from training.tree_export import export_trees

MODEL_NAME = (
    "HistGradientBoostingClassifier (body, size on the RTR code scale, chart size, categories, "
    "out-of-fold shopper / item / item-size fit statistics), served as numpy trees"
)
TRAINING_THREADS = 1
"""OpenMP threads for the boosting.  On the shared 2-core machine two threads spend most of their
time waiting on each other behind other processes' work; one thread trains the same trees several
times faster there (docs/sizing.md, "Benchmark")."""


def train_trees(
    train: FitColumns,
    labels_train: np.ndarray,
    validation: FitColumns,
    labels_validation: np.ndarray,
    vocabulary: dict[str, list[str]],
    seed: int,
    sample_weight: np.ndarray | None = None,
) -> HistGradientBoostingClassifier:
    """Boosted trees with early stopping on the validation rows (patience 30 rounds).

    `sample_weight`: per training row (None = all 1; ``shepherd train fit --shop`` weights the shop's rows).
    """
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=2000,
        max_leaf_nodes=31,
        min_samples_leaf=50,
        l2_regularization=1.0,
        categorical_features=np.array(categorical_mask()),
        early_stopping=True,
        n_iter_no_change=30,
        random_state=seed,
    )
    with threadpool_limits(TRAINING_THREADS):
        model.fit(
            feature_matrix(train, vocabulary),
            labels_train,
            sample_weight=sample_weight,
            X_val=feature_matrix(validation, vocabulary),
            y_val=labels_validation,
        )
    return model


def export_fit_model(
    model: HistGradientBoostingClassifier,
    manifest_path: Path,
    vocabulary: dict[str, list[str]],
    class_prior: list[float],
    metadata: dict[str, Any],
) -> FitModel:
    """Write the trees as a versioned artifact and load it back (the served object)."""
    manifest = {
        **metadata,
        "model": MODEL_NAME,
        "boosting_rounds": int(model.n_iter_),
        "vocabulary": vocabulary,
        "class_prior": class_prior,
    }
    return save_fit_model(manifest_path, export_trees(model), manifest)
