"""Which words to bias Whisper towards for the next utterance: pure, from the dialogue state.

A long prompt listing the whole catalog vocabulary *hurts* recognition (Whisper hears "show me"
as "Xiaomi" and WER rises); a handful of words the shopper is likely to say next does not. So the
prompt holds only the brands already in play in this conversation (the brand filter, the product
in focus, the products just shown), capped at `max_terms`, and nothing at the first turn.
"""

from __future__ import annotations

import re
from typing import Literal

from voice_server.conversation.asr_correction import (
    CorrectionLexicon,
    english_words_in,
    plural,
    uncommon_english_words,
)
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.conversation.dialogue.vocabulary import Vocabulary

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


def join_prompts(*parts: str | None) -> str | None:
    """Prompt parts in order, blank ones left out; None when nothing is left.

    The dialogue context goes last: Whisper weighs the end of its prompt most, and the prompt is
    capped at 223 tokens from the start (`audio.asr.MAX_PROMPT_TOKENS`), so keep the catalog part short.
    """
    kept = [p.strip() for p in parts if p and p.strip()]
    return " ".join(kept) if kept else None


def catalog_product_words() -> tuple[str, ...]:
    """Single-word garment and accessory names of the catalog taxonomy ("kurta", "heels", "clutch")."""
    from commerce.catalog.taxonomy import _NAME_RULES, CATEGORIES

    words: dict[str, None] = {}
    for category, patterns in _NAME_RULES:
        if category is None:
            continue
        for pattern in patterns:
            if pattern.isalpha() and len(pattern) >= 3:
                words[pattern] = None
    for category in CATEGORIES:
        if category.isalpha():
            words[category] = None
    return tuple(words)


def catalog_describing_words(vocab: Vocabulary) -> tuple[str, ...]:
    """Colours, materials and styles: words after which a product word usually follows."""
    from wordfreq import zipf_frequency

    from commerce.catalog.taxonomy import MATERIAL_WORDS, STYLE_WORDS

    words = [c for colour in vocab.colours for c in colour.split()]
    words += [w for table in (MATERIAL_WORDS, STYLE_WORDS) for forms in table.values() for w in forms]
    # whole words only: some taxonomy forms are stems that match inside names ("sparkl")
    return tuple(dict.fromkeys(w for w in words if w.isalpha() and zipf_frequency(w, "en") > 0))


def correction_lexicon(
    vocab: Vocabulary, english: frozenset[str] = frozenset(), uncommon: frozenset[str] = frozenset()
) -> CorrectionLexicon:
    """What `correct_transcript` may write: garments, colours, materials, styles and brand names."""
    brands = {alias for b in vocab.brands for alias in brand_words(b)}
    describers = catalog_describing_words(vocab)
    return CorrectionLexicon.build(
        describers, describers=describers, products=catalog_product_words(), weak=brands, english=english,
        uncommon=uncommon, brands=vocab.brands,
    )


def default_correction_lexicon(vocab: Vocabulary) -> CorrectionLexicon:
    """The server's lexicon: Whisper's own English words, wordfreq's less common ones (~0.3 s)."""
    from audio.models import bundled_tokenizer_path

    return correction_lexicon(vocab, english_words_in(bundled_tokenizer_path()), uncommon_english_words())


def brand_words(brand: str) -> tuple[str, ...]:
    """Words of a brand name worth recognising: 'Tommy Hilfiger' -> ('tommy', 'hilfiger')."""
    return tuple(w for w in re.findall(r"[a-z]+", brand.lower()) if len(w) >= 4)


def catalog_prompt(vocab: Vocabulary, per_category: int = 2, colours: int = 6) -> str:
    """A short Whisper prompt naming what the shop sells: a few garment words per taxonomy rule
    and the most common colours (~150 tokens; the whole brand list made things worse, see above)."""
    from commerce.catalog.taxonomy import _NAME_RULES

    garments: dict[str, None] = {}
    for category, patterns in _NAME_RULES:
        if category is None:
            continue
        for pattern in [p for p in patterns if p.replace("-", "").isalpha()][:per_category]:
            garments[plural(pattern)] = None
    return f"Fashion shopping: {', '.join(garments)}; in {', '.join(list(vocab.colours)[:colours])}."
