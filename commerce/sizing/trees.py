"""Gradient-boosted trees evaluated with numpy: the served form of the fit model.

A trained scikit-learn ``HistGradientBoostingClassifier`` is exported (``training.fit.export``)
to flat arrays — every node of every tree in one table, child indices already offset — and
stored with ``numpy.savez`` (no pickle).  `TreeEnsemble.raw_scores` walks all trees for all
rows at once, one tree level per step, so a handful of candidate sizes costs a few numpy calls
per level instead of a Python loop per tree.

Split semantics are scikit-learn's: numeric ``x <= threshold`` goes left, a missing value
follows ``missing_go_to_left``; a categorical value goes left when its bit is set in the
node's bitset (categories are integer codes < 256; unknown or missing codes are NaN and
follow ``missing_go_to_left``, as do codes not seen in training).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARRAY_NAMES: tuple[str, ...] = (
    "feature",
    "threshold",
    "missing_left",
    "left",
    "right",
    "is_leaf",
    "is_categorical",
    "bitset",
    "value",
    "roots",
    "tree_class",
    "baseline",
    "cat_bitsets",
    "known_categories",
)


def _in_bitsets(table: np.ndarray, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Whether each code (0..255) is set in its row of a table of 256-bit sets (8 uint32 words)."""
    words = table[rows, codes >> 5]
    return ((words >> (codes & 31).astype(np.uint32)) & 1).astype(bool)


@dataclass(frozen=True)
class TreeEnsemble:
    """All trees of a (multi-class) boosted model as flat node arrays."""

    feature: np.ndarray  # int64 per node
    threshold: np.ndarray  # float64 per node
    missing_left: np.ndarray  # bool per node
    left: np.ndarray  # int64 per node (global index)
    right: np.ndarray  # int64 per node (global index)
    is_leaf: np.ndarray  # bool per node
    is_categorical: np.ndarray  # bool per node
    bitset: np.ndarray  # int64 per node: row of cat_bitsets
    value: np.ndarray  # float64 per node (leaf output)
    roots: np.ndarray  # int64 per tree
    tree_class: np.ndarray  # int64 per tree: which class's raw score it adds to
    baseline: np.ndarray  # float64 per class
    cat_bitsets: np.ndarray  # uint32 (n_bitsets, 8): 256-bit sets of categories going left
    known_categories: np.ndarray  # uint32 (n_features, 8): categories seen in training, per feature

    def __post_init__(self) -> None:
        own = np.flatnonzero(self.is_leaf)
        self.left[own] = own  # leaves step onto themselves (see `leaves`)
        self.right[own] = own

    @property
    def n_classes(self) -> int:
        return int(self.baseline.shape[0])

    @property
    def n_trees(self) -> int:
        return int(self.roots.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in ARRAY_NAMES}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TreeEnsemble:
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        if missing:
            raise ValueError(f"tree arrays missing: {missing}")
        out = cls(
            feature=arrays["feature"].astype(np.int64),
            threshold=arrays["threshold"].astype(np.float64),
            missing_left=arrays["missing_left"].astype(bool),
            left=arrays["left"].astype(np.int64),
            right=arrays["right"].astype(np.int64),
            is_leaf=arrays["is_leaf"].astype(bool),
            is_categorical=arrays["is_categorical"].astype(bool),
            bitset=arrays["bitset"].astype(np.int64),
            value=arrays["value"].astype(np.float64),
            roots=arrays["roots"].astype(np.int64),
            tree_class=arrays["tree_class"].astype(np.int64),
            baseline=arrays["baseline"].astype(np.float64),
            cat_bitsets=arrays["cat_bitsets"].astype(np.uint32),
            known_categories=arrays["known_categories"].astype(np.uint32),
        )
        n_nodes = out.feature.shape[0]
        if out.cat_bitsets.ndim != 2 or out.cat_bitsets.shape[1] != 8:
            raise ValueError("cat_bitsets must have shape (n, 8)")
        if n_nodes == 0 or out.roots.max() >= n_nodes or out.tree_class.max() >= out.n_classes:
            raise ValueError("inconsistent tree arrays")
        return out

    def _goes_left(self, nodes: np.ndarray, x: np.ndarray) -> np.ndarray:
        missing = np.isnan(x)
        left = x <= self.threshold[nodes]
        categorical = self.is_categorical[nodes]
        if categorical.any():
            cat_nodes = nodes[categorical]
            codes = np.where(missing[categorical], 0, x[categorical]).astype(np.int64).clip(0, 255)
            left[categorical] = _in_bitsets(self.cat_bitsets, self.bitset[cat_nodes], codes)
            missing[categorical] |= ~_in_bitsets(self.known_categories, self.feature[cat_nodes], codes)
        return np.where(missing, self.missing_left[nodes], left)

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Leaf node index of every (row, tree): shape (n_rows, n_trees).

        One step per tree level, over the (row, tree) pairs that have not reached a leaf yet.
        """
        x = np.asarray(x, dtype=np.float64)
        n_rows = x.shape[0]
        nodes = np.tile(self.roots, n_rows)
        rows = np.repeat(np.arange(n_rows), self.n_trees)
        active = np.flatnonzero(~self.is_leaf[nodes])
        while active.size:
            current = nodes[active]
            values = x[rows[active], self.feature[current]]
            following = np.where(self._goes_left(current, values), self.left[current], self.right[current])
            nodes[active] = following
            active = active[~self.is_leaf[following]]
        return nodes.reshape(n_rows, self.n_trees)

    def raw_scores(self, x: np.ndarray) -> np.ndarray:
        """Sum of leaf values per class plus the baseline: shape (n_rows, n_classes)."""
        leaf_values = self.value[self.leaves(x)]
        out = np.tile(self.baseline, (leaf_values.shape[0], 1))
        for k in range(self.n_classes):
            out[:, k] += leaf_values[:, self.tree_class == k].sum(axis=1)
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (softmax of the raw scores; sigmoid for a single binary score)."""
        raw = self.raw_scores(x)
        if raw.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return np.column_stack([1 - p, p])
        raw = raw - raw.max(axis=1, keepdims=True)
        e = np.exp(raw)
        return np.asarray(e / e.sum(axis=1, keepdims=True))
