"""Export a fitted scikit-learn ``HistGradientBoostingClassifier`` to `TreeEnsemble` arrays.

scikit-learn encodes categorical columns first (an ``OrdinalEncoder`` over the sorted training
categories) and the numeric ones after; the export maps node features back to the original
column order and rewrites categorical bitsets in terms of the raw integer codes, so the served
evaluator reads the same feature matrix the model was trained on.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from commerce.sizing.trees import TreeEnsemble


def _bitset(codes: list[int]) -> np.ndarray:
    out = np.zeros(8, dtype=np.uint32)
    for code in codes:
        if not 0 <= code < 256:
            raise ValueError(f"categorical codes must be integers in 0..255, got {code}")
        out[code >> 5] |= np.uint32(1 << (code & 31))
    return out


def _column_order(model: HistGradientBoostingClassifier) -> tuple[np.ndarray, list[np.ndarray]]:
    """Original column of each preprocessed column, and the raw categories of each categorical one."""
    n = int(model.n_features_in_)
    is_cat = np.zeros(n, dtype=bool) if model.is_categorical_ is None else np.asarray(model.is_categorical_)
    order = np.concatenate([np.flatnonzero(is_cat), np.flatnonzero(~is_cat)])
    categories: list[np.ndarray] = []
    if is_cat.any():
        categories = list(model._preprocessor.named_transformers_["encoder"].categories_)
    return order, categories


def export_trees(model: HistGradientBoostingClassifier) -> TreeEnsemble:
    """Flat node arrays of every tree (child indices offset to the global table)."""
    order, categories = _column_order(model)
    raw_codes = [[int(v) for v in cats if not np.isnan(v)] for cats in categories]
    n_features = int(model.n_features_in_)
    known = np.zeros((n_features, 8), dtype=np.uint32)
    for j, codes in enumerate(raw_codes):
        known[order[j]] = _bitset(codes)
    columns: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "feature",
            "threshold",
            "missing_left",
            "left",
            "right",
            "is_leaf",
            "is_categorical",
            "bitset",
            "value",
        )
    }
    roots: list[int] = []
    tree_class: list[int] = []
    bitsets: list[np.ndarray] = [np.zeros((1, 8), dtype=np.uint32)]
    n_nodes = 0
    for iteration in model._predictors:
        for k, predictor in enumerate(iteration):
            nodes = predictor.nodes
            leaf = nodes["is_leaf"].astype(bool)
            categorical = nodes["is_categorical"].astype(bool) & ~leaf
            bitset_rows = np.zeros(len(nodes), dtype=np.int64)
            for i in np.flatnonzero(categorical):
                j = int(nodes["feature_idx"][i])
                encoded = predictor.raw_left_cat_bitsets[nodes["bitset_idx"][i]]
                left_codes = [
                    raw_codes[j][c] for c in range(len(raw_codes[j])) if (encoded[c >> 5] >> (c & 31)) & 1
                ]
                bitset_rows[i] = len(bitsets)
                bitsets.append(_bitset(left_codes)[None, :])
            roots.append(n_nodes)
            tree_class.append(k)
            columns["feature"].append(np.where(leaf, 0, order[nodes["feature_idx"]]).astype(np.int64))
            columns["threshold"].append(nodes["num_threshold"].astype(np.float64))
            columns["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
            columns["left"].append(np.where(leaf, 0, nodes["left"].astype(np.int64) + n_nodes))
            columns["right"].append(np.where(leaf, 0, nodes["right"].astype(np.int64) + n_nodes))
            columns["is_leaf"].append(leaf)
            columns["is_categorical"].append(categorical)
            columns["bitset"].append(bitset_rows)
            columns["value"].append(nodes["value"].astype(np.float64))
            n_nodes += len(nodes)
    arrays = {k: np.concatenate(v) for k, v in columns.items()}
    return TreeEnsemble(
        **arrays,
        roots=np.array(roots, dtype=np.int64),
        tree_class=np.array(tree_class, dtype=np.int64),
        baseline=np.asarray(model._baseline_prediction, dtype=np.float64).ravel(),
        cat_bitsets=np.concatenate(bitsets),
        known_categories=known,
    )
