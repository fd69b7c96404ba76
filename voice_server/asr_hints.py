"""Which words to bias Whisper towards for the next utterance: pure, from the dialogue state.

A long prompt listing the whole catalog vocabulary *hurts* recognition (Whisper hears "show me"
as "Xiaomi" and WER rises); a handful of words the shopper is likely to say next does not. So the
prompt holds only the brands already in play in this conversation (the brand filter, the product
in focus, the products just shown), capped at `max_terms`, and nothing at the first turn.
"""

from __future__ import annotations

from typing import Literal

from voice_server.dialogue.state import DialogueState

HotwordsMode = Literal["context", "catalog", "none"]

DEFAULT_MAX_TERMS = 4


def dialogue_hotwords(state: DialogueState | None, max_terms: int = DEFAULT_MAX_TERMS) -> str | None:
    """Brands in the current dialogue context as a short comma list, or None when there are none."""
    if state is None or max_terms <= 0:
        return None
    candidates: list[str | None] = [state.filters.brand]
    focus = state.shown_by_id(state.focus_id)
    candidates.append(focus.brand if focus is not None else None)
    candidates.extend(p.brand for p in state.shown)
    terms: list[str] = []
    seen: set[str] = set()
    for raw in candidates:
        term = " ".join((raw or "").split())
        if not term or term.lower() in seen:
            continue
        seen.add(term.lower())
        terms.append(term)
        if len(terms) == max_terms:
            break
    return ", ".join(terms) + "." if terms else None
