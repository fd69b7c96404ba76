"""Size-advice replay on RTR: does the served model advise the size the shopper kept and said fits?

For test rentals reported "fit" whose item was rented in training in at least two sizes, every
size of that item is scored with the served `FitModel` (as the server scores a product's
sizes) and ranked by `commerce.sizing.size_choice.advice_scores` (log P(fit) + log size prior),
as the server ranks them.  Top-1 accuracy = share of rentals
where that is the rented size.  Baselines: the item's most rented size; the item size nearest
the shopper's mean "fit" size in training (the item's most rented size when unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from commerce.sizing.fit_inputs import FitColumns
from commerce.sizing.fit_model import FitModel
from commerce.sizing.fit_stats import STAT_NAMES, full_train_stats
from commerce.sizing.size_choice import RTR_SIZE_STEP, SIGMA_ESTIMATE, advice_scores, prior_from
from training.fit_data import group_keys
from training.rtr import RtrTable, Split

MAX_REPLAYED = 3000
FIT = 1


def _take(columns: FitColumns, rows: np.ndarray) -> FitColumns:
    def pick(v: np.ndarray | None) -> np.ndarray | None:
        return None if v is None else v[rows]

    return FitColumns(
        size=columns.size[rows],
        stats={g: s[rows] for g, s in columns.stats.items()},
        weight_lbs=pick(columns.weight_lbs),
        height_in=pick(columns.height_in),
        age=pick(columns.age),
        bust_size_num=pick(columns.bust_size_num),
        bust_letter=pick(columns.bust_letter),
        bust_cm=pick(columns.bust_cm),
        chart_size=pick(columns.chart_size),
        text={k: v[rows] for k, v in columns.text.items()},
    )


@dataclass(frozen=True)
class AdvisedRentals:
    """For chosen test rentals: the advised size and the served P(fit) at the advised and the rented size."""

    rows: np.ndarray  # indices into the test split
    rented: np.ndarray
    advised: np.ndarray  # highest log P(fit) + log prior (what the server advises)
    advised_trees_only: np.ndarray  # highest P(fit)
    p_fit_advised: np.ndarray
    p_fit_rented: np.ndarray
    sizes_of: dict[str, dict[float, int]]  # item -> size -> rentals in training
    mean_sizes_per_item: float


def _sizes_in_training(table: RtrTable, split: Split) -> dict[str, dict[float, int]]:
    items = table.text["item_id"][split.train].astype(str)
    out: dict[str, dict[float, int]] = {}
    for item, size in zip(items, table.numeric["size"][split.train], strict=True):
        if size == size:
            counts = out.setdefault(item, {})
            counts[float(size)] = counts.get(float(size), 0) + 1
    return out


def eligible_rentals(table: RtrTable, split: Split, only_fit: bool) -> np.ndarray:
    """Test rentals (indices into the test split) whose item was rented in >= 2 sizes in training."""
    sizes_of = _sizes_in_training(table, split)
    items = table.text["item_id"][split.test].astype(str)
    sizes = table.numeric["size"][split.test]
    keep = [
        i
        for i in range(len(split.test))
        if len(sizes_of.get(items[i], {})) >= 2
        and sizes[i] == sizes[i]
        and (not only_fit or table.fit[split.test][i] == FIT)
    ]
    return np.array(keep, dtype=np.int64)


def advise_rentals(
    model: FitModel, table: RtrTable, split: Split, test: FitColumns, rows: np.ndarray
) -> AdvisedRentals:
    """Score every training size of each rental's item with the served model; advise the highest P(fit)."""
    keys = group_keys(table)
    sizes_of = _sizes_in_training(table, split)
    test_items = keys["item"][split.test]
    rented = table.numeric["size"][split.test][rows]
    owner: list[int] = []
    candidates: list[float] = []
    for j, i in enumerate(rows):
        sizes = sorted(set(sizes_of[test_items[i]]) | {float(rented[j])})
        owner += [j] * len(sizes)
        candidates += sizes
    owner_arr = np.array(owner, dtype=np.int64)
    size_arr = np.array(candidates)
    expanded = _take(test, rows[owner_arr])
    item_size_keys = np.char.add(
        np.char.add(test_items[rows[owner_arr]].astype(str), "|"), np.char.mod("%g", size_arr)
    )
    stats = dict(expanded.stats)
    stats["item_size"] = full_train_stats(
        keys["item_size"][split.train],
        table.fit[split.train].astype(np.int64),
        table.numeric["size"][split.train],
        item_size_keys,
    )
    candidates_columns = replace(expanded, size=size_arr, stats=stats)
    p_fit = model.predict(candidates_columns)[:, FIT]
    ranking = advice_scores(p_fit, size_arr, prior_from(candidates_columns, SIGMA_ESTIMATE, RTR_SIZE_STEP))
    advised = np.empty(len(rows))
    trees_only = np.empty(len(rows))
    p_advised = np.empty(len(rows))
    p_rented = np.empty(len(rows))
    starts = np.flatnonzero(np.r_[True, owner_arr[1:] != owner_arr[:-1]])
    ends = np.r_[starts[1:], len(owner_arr)]
    for j, (a, b) in enumerate(zip(starts, ends, strict=True)):
        best = a + int(np.argmax(ranking[a:b]))
        trees_only[j] = size_arr[a + int(np.argmax(p_fit[a:b]))]
        advised[j] = size_arr[best]
        p_advised[j] = p_fit[best]
        p_rented[j] = p_fit[a:b][size_arr[a:b] == rented[j]][0]
    return AdvisedRentals(
        rows=rows,
        rented=rented,
        advised=advised,
        advised_trees_only=trees_only,
        p_fit_advised=p_advised,
        p_fit_rented=p_rented,
        sizes_of=sizes_of,
        mean_sizes_per_item=round(len(size_arr) / max(len(rows), 1), 2),
    )


def replay_size_advice(
    model: FitModel, table: RtrTable, split: Split, test: FitColumns, seed: int
) -> dict[str, Any]:
    """Top-1 accuracy of the advised size (highest P(fit)) against the size kept as "fit"."""
    eligible = eligible_rentals(table, split, only_fit=True)
    chosen = np.sort(np.random.default_rng(seed).permutation(eligible)[:MAX_REPLAYED])
    advice = advise_rentals(model, table, split, test, chosen)
    items = table.text["item_id"][split.test].astype(str)[chosen]
    user_fit_size = test.stats["user"][chosen, STAT_NAMES.index("fit_size")]
    most_rented = np.empty(len(chosen))
    nearest_usual = np.empty(len(chosen))
    for j, item in enumerate(items):
        counts = advice.sizes_of[item]
        most_rented[j] = max(counts, key=counts.__getitem__)
        usual = user_fit_size[j]
        nearest_usual[j] = (
            most_rented[j] if usual != usual else min(counts, key=lambda s: (abs(s - usual), -counts[s]))
        )
    rented = advice.rented
    return {
        "what": "test rentals reported 'fit' whose item has >= 2 sizes in training: "
        "advised size (highest log P(fit) + log size prior, as served) == rented size",
        "n": len(chosen),
        "mean_sizes_per_item": advice.mean_sizes_per_item,
        "top1_accuracy": round(float(np.mean(advice.advised == rented)), 4),
        "top1_accuracy_trees_only": round(float(np.mean(advice.advised_trees_only == rented)), 4),
        "baselines": {
            "item_most_rented_size": round(float(np.mean(most_rented == rented)), 4),
            "nearest_to_shopper_fit_size": round(float(np.mean(nearest_usual == rented)), 4),
        },
    }
