"""Sentence meaning for what the rules miss: free descriptions and things the shop does not sell.

The rule-based understander answers first. When it finds no intent, or a search with nothing to
search for ("some comfy stuff for lounging at home", "a phone case"), the utterance is embedded
once (``voice_server.conversation.semantic``) and matched against two concept tables: the catalog's product
types (their spoken forms from ``commerce.catalog.vocabulary`` plus a few descriptions each) and
topics outside the shop. A match above ``threshold`` and ahead of the runner-up by ``margin``
becomes a search for that type (keeping the slots the rules found, such as gender or budget) or
an out-of-scope answer; otherwise the rules' reading stands.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from commerce.catalog.vocabulary import PRODUCT_TYPES, TYPE_WORDS, UMBRELLA_TYPES
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.conversation.dialogue.understanding import Intent, Slots, Understander, Understanding
from voice_server.conversation.dialogue.vocabulary import Vocabulary
from voice_server.conversation.semantic import ConceptIndex
from voice_server.platform.logs import get_logger

log = get_logger(__name__)

# Descriptions of product types in everyday words (the spoken names come from the vocabulary).
TYPE_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "activewear": ("clothes for working out", "something to wear at the gym", "an outfit for yoga class",
                   "stuff to go running in"),
    "nightwear": ("something comfy to sleep in", "clothes for lounging at home", "pyjamas for bedtime"),
    "scarf": ("something to keep my neck warm", "a wrap for cold evenings"),
    "sunglasses": ("something to protect my eyes from the sun", "eyewear for the beach"),
    "cap": ("something to cover my head in the sun",),
    "jacket": ("something warm for winter", "an outer layer for cold weather", "something for the rain"),
    "sweater": ("a cosy knit for winter", "something warm to wear over a shirt"),
    "backpack": ("a bag for school", "something to carry my laptop and books"),
    "handbag": ("a bag to carry my things when I go out",),
    "wallet": ("something to keep my cards and cash in",),
    "watch": ("something to tell the time on my wrist",),
    "earrings": ("something pretty for my ears",),
    "necklace": ("something to wear around my neck",),
    "saree": ("a traditional drape for a wedding",),
    "kurta set": ("a traditional outfit for a festival",),
    "formal shoes": ("shoes for the office", "smart shoes to go with a suit"),
    "sandals": ("open shoes for summer", "something for my feet at the beach"),
    "shorts": ("something cool to wear on a hot day",),
    "dress": ("something to wear on a date", "an outfit for a party"),
    "suit": ("an outfit for a job interview",),
    "innerwear": ("underwear basics",),
}
# What the shop does not sell or do, so the answer is a polite no rather than a guess.
OUT_OF_SCOPE_TOPICS: dict[str, tuple[str, ...]] = {
    "electronics": ("a phone case", "a laptop", "headphones", "a phone charger", "a smartwatch band",
                    "a television"),
    "home": ("furniture", "bed sheets and pillows", "kitchen utensils", "home decor"),
    "beauty": ("perfume", "makeup", "shampoo", "skincare cream"),
    "groceries": ("food and groceries", "snacks and drinks"),
    "travel": ("book a flight", "a hotel room", "train tickets"),
    "weather": ("what is the weather going to be", "will it rain tomorrow"),
    "chit-chat": ("tell me a joke", "what is the meaning of life", "who won the match"),
}


def concept_table() -> dict[str, list[str]]:
    """``type:<name>`` and ``topic:<name>`` concepts with their phrases."""
    spoken: dict[str, list[str]] = defaultdict(list)
    for phrase, name in TYPE_WORDS.items():
        if not phrase.endswith("s") or phrase[:-1] not in TYPE_WORDS:  # singular forms suffice
            spoken[name].append(phrase)
    # umbrella words ("something warm") stay with the rules: as a guess they would replace the kind on screen
    table = {f"type:{name}": [*spoken[name], *TYPE_DESCRIPTIONS.get(name, ())] for name in PRODUCT_TYPES
             if name not in UMBRELLA_TYPES}
    table.update({f"topic:{name}": list(phrases) for name, phrases in OUT_OF_SCOPE_TOPICS.items()})
    return table


def _group(concept: str) -> str:
    """What a concept competes as: a product type's category, or the topic itself."""
    kind, name = concept.split(":", 1)
    return f"category:{PRODUCT_TYPES[name].category}" if kind == "type" else concept


def _needs_help(u: Understanding) -> bool:
    s = u.slots
    if u.intent == Intent.unknown:
        return True
    nothing_to_find = not (s.category or s.product_type or s.occasion or s.style or s.material or s.brand
                           or s.colours or s.reference or s.price_trend or s.exclude_words or s.shade
                           or s.formality or s.exclude_colours or s.exclude_brands  # "not the black ones": a refine
                           or s.price_max is not None or s.price_min is not None)  # "below 100 ringgit" names no kind
    return u.intent in (Intent.search, Intent.refine) and nothing_to_find


class SemanticFallbackUnderstander:
    """`Understander`: the rules, with sentence embeddings for the utterances they leave empty."""

    def __init__(self, rules: Understander, index: ConceptIndex | None = None, *,
                 threshold: float = 0.5, margin: float = 0.04) -> None:
        self.rules = rules
        self.index = index or ConceptIndex(concept_table())
        self.threshold = threshold
        self.margin = margin

    async def understand(self, text: str, state: DialogueState, vocab: Vocabulary) -> Understanding:
        ruled = await self.rules.understand(text, state, vocab)
        if not _needs_help(ruled) or not text.strip():
            return ruled
        vector = await asyncio.to_thread(self.index.encode, text)
        best = self.index.match_vector(vector, k=6)
        if not best:
            return ruled
        concept, score = best[0]
        group = _group(concept)
        rivals = [s for c, s in best[1:] if _group(c) != group]  # types of one category do not compete
        close_kin = [c for c, s in best[1:] if _group(c) == group and score - s < self.margin]
        if score < self.threshold or score - (rivals[0] if rivals else 0.0) < self.margin:
            return ruled
        log.info("understanding.semantic", concept=concept, score=round(score, 3), rules=ruled.intent.value)
        kind, name = concept.split(":", 1)
        if kind == "topic":
            return Understanding(intent=Intent.out_of_scope, confidence=round(score, 3))
        product = PRODUCT_TYPES[name]
        stems = list(product.stems) if not close_kin else []  # two types of a category as close: the category
        slots = ruled.slots.model_copy(update={
            "category": product.category, "product_type": product.name, "name_any": stems or None,
        })
        has_context = bool(state.shown) or state.filters.category is not None
        intent = Intent.refine if has_context and ruled.intent == Intent.refine else Intent.search
        return Understanding(intent=intent, slots=Slots(**slots.model_dump()), confidence=round(score, 3))


__all__ = ["OUT_OF_SCOPE_TOPICS", "TYPE_DESCRIPTIONS", "SemanticFallbackUnderstander", "concept_table"]
