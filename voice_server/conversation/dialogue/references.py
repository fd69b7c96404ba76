"""Resolve spoken references ("the second one", "the blue one", "it") against shown products."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from voice_server.conversation.dialogue.state import DialogueState, ShownList, ShownProduct

T = TypeVar("T")
EARLIER_LISTS = 3  # lists kept behind the one on screen


def resolve_many(reference: str | None, state: DialogueState) -> list[ShownProduct]:
    """All products a reference points at, in order; [] when it points at nothing shown."""
    shown = state.shown
    if reference is None:
        return []
    if reference.startswith("ordinal:"):
        return [p for part in reference.removeprefix("ordinal:").split(",") if (p := at_ordinal(shown, int(part)))]
    if reference == "focus":
        focus = state.shown_by_id(state.focus_id)
        if focus is not None:
            return [focus]
        return shown[:1] if len(shown) == 1 else []
    if reference.startswith("colour:"):
        colour = reference.removeprefix("colour:")
        # "the navy one": filed under blue, navy blue by its name
        return filed_in_colour(colour, state) or [p for p in shown if re.search(rf"\b{re.escape(colour)}\b", p.name.lower())]
    if reference.startswith("brand:"):
        brand = reference.removeprefix("brand:").lower()
        return [p for p in shown if p.brand.lower() == brand or p.brand.lower().startswith(f"{brand} ")]  # Puma Motorsport
    if reference.startswith("name:"):  # "the puffer one": the shown products named that kind
        stems = reference.removeprefix("name:").split(",")
        return [p for p in shown if any(stem in p.name.lower() for stem in stems)]
    if reference.startswith(("cheapest:", "priciest:")):  # "the cheaper of the first two"
        which, _, among = reference.partition(":")
        some = resolve_many(f"ordinal:{among}", state)
        pick = min if which == "cheapest" else max
        return [pick(some, key=lambda p: p.price_cents)] if some else []
    if reference in ("cheapest", "priciest") and shown:
        compared = [p for p in shown if p.id in state.compared_ids] or shown  # "the cheaper one" of a pair
        pick = min if reference == "cheapest" else max
        return [pick(compared, key=lambda p: p.price_cents)]
    return []


def at_ordinal(items: Sequence[T], index: int) -> T | None:
    """The ``index``-th item counting from 1, or from the end when negative ("the last one": -1)."""
    position = index - 1 if index > 0 else len(items) + index
    return items[position] if 0 <= position < len(items) else None


def filed_in_colour(colour: str, state: DialogueState) -> list[ShownProduct]:
    """The products on screen the catalog files under ``colour``."""
    return [p for p in state.shown if p.colour and (p.colour == colour or colour in p.colour.split())]


def resolve_one(reference: str | None, state: DialogueState) -> ShownProduct | None:
    """The single product meant, falling back to the product in focus; None when ambiguous."""
    if reference is None:
        focus = state.shown_by_id(state.focus_id)
        if focus is not None:
            return focus
        return state.shown[0] if len(state.shown) == 1 else None
    matches = resolve_many(reference, state)
    return matches[0] if len(matches) >= 1 else None


def of_kind(products: list[ShownProduct], category: str | None, name_any: list[str] | None) -> bool:
    """Whether most of a list is the kind of product named ("the first suit": jackets named suit)."""
    if not products or not (category or name_any):
        return False
    hits = sum(1 for p in products if (category is None or p.category == category)
               and (not name_any or any(stem in p.name.lower() for stem in name_any)))
    return hits * 2 >= len(products)


def recalled_list(state: DialogueState, category: str | None, name_any: list[str] | None,
                  earlier: bool | None = None) -> int | None:
    """The index in ``state.earlier`` of the newest earlier list of the kind named, when the list on
    screen is of another kind ("add the second cufflinks, and the first suit" after suits, then
    cufflinks), or of the list just before when the shopper says so ("the one you showed me before")."""
    named = next((i for i, kept in enumerate(state.earlier) if of_kind(kept.products, category, name_any)), None)
    if earlier and state.earlier:
        return 0 if named is None else named
    return None if of_kind(state.shown, category, name_any) else named


def keep_shown(state: DialogueState) -> None:
    """Put the list on screen behind, before another replaces it; of lists of one kind for one
    person, only the newest is kept ("the first shirt" after three looks at shirts is the last look's)."""
    if state.shown:
        kept = ShownList(products=state.shown, filters=state.filters, offset=state.offset,
                         total_results=state.total_results)
        kind = (kept.filters.category, kept.filters.gender, kept.filters.name_any)
        older = [e for e in state.earlier if (e.filters.category, e.filters.gender, e.filters.name_any) != kind]
        state.earlier = [kept, *older][:EARLIER_LISTS]


def recall(state: DialogueState, index: int) -> None:
    """Bring ``state.earlier[index]`` back on screen; the list there goes behind."""
    back = state.earlier.pop(index)
    keep_shown(state)
    state.shown, state.filters = back.products, back.filters
    state.offset, state.total_results, state.focus_id = back.offset, back.total_results, None


def match_size(requested: str | None, available: list[str]) -> str | None:
    """The stocked label for a requested size ('m' -> 'M', '9' -> 'UK9', '32x34' -> '32'), or None."""
    if requested is None:
        return None

    def norm(label: str) -> str:
        label = label.strip().upper().replace(" ", "")
        for prefix in ("UK", "US", "EU", "IND"):
            if label.startswith(prefix) and label[len(prefix) :][:1].isdigit():
                return label[len(prefix) :]
        return label

    wanted = norm(requested)
    for label in available:
        if norm(label) == wanted:
            return label
    if "X" in wanted and wanted.split("X")[0].isdigit():
        waist = wanted.split("X")[0]
        for label in available:
            if norm(label) == waist:
                return label
    return None
