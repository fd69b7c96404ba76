"""Latent-size baseline in the style of Sembium et al., RecSys 2017.

Every shopper u has a true size ``s_u`` and every item i a size offset ``t_i`` (an item that
"runs small" has a negative offset: the garment labelled z is really ``z + t_i``).  Fit depends
only on the difference ``d = s_u - (z + t_i)`` through an ordinal logistic link:

    P(large) = σ(b1 - w·d),  P(large or fit) = σ(b2 - w·d),  b1 < b2.

Sizes, offsets, scale and thresholds are learned jointly by full-batch gradient descent
(Adam) on the ordinal log-loss with L2 shrinkage of ``s_u`` toward the shopper's mean rented
size and of ``t_i`` toward 0.  Unseen shoppers get ``s_u = z`` (they rented their usual size),
unseen items ``t_i = 0``.  The shrinkage strength and the number of steps are tuned on the
validation split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SMALL, FIT, LARGE = 0, 1, 2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass
class LatentSizeModel:
    """Per-shopper true size and per-item offset with an ordinal logistic fit link."""

    l2: float = 0.1
    learning_rate: float = 0.05
    user_keys: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    user_size: np.ndarray = field(default_factory=lambda: np.array([]))
    item_keys: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    item_offset: np.ndarray = field(default_factory=lambda: np.array([]))
    scale: float = 0.3
    thresholds: tuple[float, float] = (-2.0, 2.0)

    def _differences(self, users: np.ndarray, items: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        s = _lookup(self.user_keys, self.user_size, users.astype(str), sizes)
        t = _lookup(self.item_keys, self.item_offset, items.astype(str), np.zeros(len(items)))
        return s - sizes - t

    def predict_proba(self, users: np.ndarray, items: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Columns: P(small), P(fit), P(large)."""
        g = self.scale * self._differences(users, items, np.nan_to_num(sizes, nan=np.nanmedian(sizes)))
        return _ordinal_proba(g, *self.thresholds)

    def fit(
        self,
        users: np.ndarray,
        items: np.ndarray,
        sizes: np.ndarray,
        labels: np.ndarray,
        n_steps: int,
        on_step: Callable[[int], bool] | None = None,
    ) -> LatentSizeModel:
        """Gradient descent for `n_steps`; `on_step(step)` may return True to stop early."""
        sizes = np.nan_to_num(sizes, nan=float(np.nanmedian(sizes)))
        user_keys, u = np.unique(users.astype(str), return_inverse=True)
        item_keys, i = np.unique(items.astype(str), return_inverse=True)
        n = len(labels)
        user_mean = np.bincount(u, weights=sizes) / np.bincount(u)
        params = {
            "s": user_mean.copy(),
            "t": np.zeros(len(item_keys)),
            "w": np.array([self.scale]),
            "b": np.array(self.thresholds, dtype=np.float64),
        }
        adam = _Adam(params, self.learning_rate)
        for step in range(n_steps):
            d = params["s"][u] - sizes - params["t"][i]
            g = params["w"][0] * d
            grad_g, grad_b = _ordinal_gradients(g, labels, params["b"])
            grads = {
                "s": params["w"][0] * np.bincount(u, weights=grad_g, minlength=len(user_keys)) / n
                + self.l2 * (params["s"] - user_mean) / n,
                "t": -params["w"][0] * np.bincount(i, weights=grad_g, minlength=len(item_keys)) / n
                + self.l2 * params["t"] / n,
                "w": np.array([np.dot(grad_g, d) / n]),
                "b": grad_b / n,
            }
            adam.step(params, grads)
            params["b"] = np.sort(params["b"])
            self._store(params, user_keys, item_keys)
            if on_step is not None and on_step(step):
                break
        return self

    def _store(self, params: dict[str, np.ndarray], user_keys: np.ndarray, item_keys: np.ndarray) -> None:
        self.user_keys, self.user_size = user_keys, params["s"].copy()
        self.item_keys, self.item_offset = item_keys, params["t"].copy()
        self.scale = float(params["w"][0])
        self.thresholds = (float(params["b"][0]), float(params["b"][1]))


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray, default: np.ndarray) -> np.ndarray:
    """values[key] for each query key (keys sorted), `default` where the key is unknown."""
    if len(keys) == 0:
        return default.astype(np.float64)
    pos = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
    found = keys[pos] == query
    return np.where(found, values[pos], default)


def _ordinal_proba(g: np.ndarray, b1: float, b2: float) -> np.ndarray:
    f1 = _sigmoid(b1 - g)
    f2 = _sigmoid(b2 - g)
    proba = np.column_stack([1.0 - f2, f2 - f1, f1])
    proba = np.clip(proba, 1e-9, 1.0)
    return proba / proba.sum(axis=1, keepdims=True)


def _ordinal_gradients(g: np.ndarray, labels: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d(-log P(label))/dg per row and the summed gradient for the two thresholds."""
    f1 = _sigmoid(b[0] - g)
    f2 = _sigmoid(b[1] - g)
    mid = np.maximum(f2 - f1, 1e-9)
    d1 = f1 * (1 - f1)
    d2 = f2 * (1 - f2)
    is_small, is_fit, is_large = labels == SMALL, labels == FIT, labels == LARGE
    grad_g = (
        np.where(is_large, 1 - f1, 0.0)
        + np.where(is_small, -f2, 0.0)
        + np.where(is_fit, (d2 - d1) / mid, 0.0)
    )
    grad_b1 = np.sum(np.where(is_large, -(1 - f1), 0.0) + np.where(is_fit, d1 / mid, 0.0))
    grad_b2 = np.sum(np.where(is_small, f2, 0.0) + np.where(is_fit, -d2 / mid, 0.0))
    return grad_g, np.array([grad_b1, grad_b2])


class _Adam:
    """Minimal Adam optimiser over a dict of numpy arrays."""

    def __init__(self, params: dict[str, np.ndarray], lr: float) -> None:
        self.lr = lr
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        for key, grad in grads.items():
            self.m[key] = 0.9 * self.m[key] + 0.1 * grad
            self.v[key] = 0.999 * self.v[key] + 0.001 * grad * grad
            m_hat = self.m[key] / (1 - 0.9**self.t)
            v_hat = self.v[key] / (1 - 0.999**self.t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


LATENT_L2_GRID: tuple[float, ...] = (0.03, 0.3, 3.0)


@dataclass(frozen=True)
class RentalColumns:
    """The columns the latent-size model reads: shopper id, item id, size code, fit label."""

    users: np.ndarray
    items: np.ndarray
    sizes: np.ndarray
    labels: np.ndarray


def tune_latent_size(
    train: RentalColumns,
    validation: RentalColumns,
    score: Callable[[np.ndarray, np.ndarray], float],
    l2_grid: tuple[float, ...] = LATENT_L2_GRID,
    max_steps: int = 300,
    eval_every: int = 25,
) -> tuple[LatentSizeModel, dict[str, float]]:
    """Grid over `l2`, early stopping every `eval_every` steps on the validation `score` (higher = better)."""
    best: tuple[float, LatentSizeModel | None, dict[str, float]] = (-np.inf, None, {})
    for l2 in l2_grid:
        model = LatentSizeModel(l2=l2)
        history: list[float] = []

        def on_step(step: int, model: LatentSizeModel = model, history: list[float] = history) -> bool:
            if (step + 1) % eval_every:
                return False
            proba = model.predict_proba(validation.users, validation.items, validation.sizes)
            history.append(score(validation.labels, proba))
            return len(history) >= 2 and history[-1] < history[-2] + 1e-4

        model.fit(train.users, train.items, train.sizes, train.labels, max_steps, on_step)
        if history and history[-1] > best[0]:
            best = (
                history[-1],
                model,
                {"l2": l2, "steps": len(history) * eval_every, "val_score": history[-1]},
            )
    assert best[1] is not None
    return best[1], best[2]
