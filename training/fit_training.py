"""The fit classifier: gradient-boosted trees (scikit-learn HistGradientBoosting) on fit features."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from training.fit_features import FitFeatures

MODEL_NAME = "HistGradientBoostingClassifier (measurements + sizes + out-of-fold shopper/item fit statistics)"


def train_fit_model(
    features: FitFeatures,
    labels_train: np.ndarray,
    labels_validation: np.ndarray,
    seed: int,
) -> HistGradientBoostingClassifier:
    """Boosted trees with early stopping on the validation split (patience 30 rounds)."""
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=2000,
        max_leaf_nodes=31,
        min_samples_leaf=50,
        l2_regularization=1.0,
        categorical_features=np.array(features.categorical),
        early_stopping=True,
        n_iter_no_change=30,
        random_state=seed,
    )
    model.fit(features.train, labels_train, X_val=features.validation, y_val=labels_validation)
    return model
