"""What a language model is asked for one turn: the JSON schema of `Understanding` and the messages.

The schema is `Understanding.model_json_schema()`, so a field added to `Slots` or `Understanding`
reaches the model without touching this module; the only change made to it is an `enum` on the
slots whose values the catalog fixes (category, colour), so a constraining server cannot answer
outside the catalog. The messages put everything that stays the same for a process first (the
task, the fields, the catalog words, a few made-up examples) and the turn's context last, so an
OpenAI-compatible server with prompt caching (llama.cpp, vLLM) only evaluates the short tail.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from commerce.catalog.vocabulary import PRODUCT_TYPES
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.conversation.dialogue.understanding import Understanding
from voice_server.conversation.dialogue.vocabulary import Vocabulary

MAX_BRANDS = 30
MAX_SHOWN = 6
MAX_REPLY_CHARS = 160

# Written for this prompt (not taken from any evaluation set): one per kind of answer the model
# most often gets wrong without an example.
EXAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("I'd like a green linen shirt for men, less than forty dollars",
     {"intent": "search", "slots": {"category": "shirts", "colour": "green", "material": "linen",
                                    "gender": "men", "price_max": 4000}, "confidence": 0.9}),
    ("put the second one in my basket in small",
     {"intent": "add_to_cart", "slots": {"reference": "ordinal:2", "size": "S"}, "confidence": 0.9}),
    ("anything cheaper?", {"intent": "refine", "slots": {"price_trend": "cheaper"}, "confidence": 0.8}),
    ("yes please", {"intent": "confirm", "slots": {}, "confidence": 0.9}),
)


def catalog_enums(vocab: Vocabulary) -> dict[str, list[str]]:
    """Slot name -> the values the catalog allows (only for slots the catalog fixes)."""
    enums: dict[str, list[str]] = {}
    for slot, attr in (("category", "categories"), ("colour", "colours")):
        values = [str(v) for v in getattr(vocab, attr, ()) or ()]
        if values:
            enums[slot] = values
    enums["product_type"] = list(PRODUCT_TYPES)  # the shop's own vocabulary of product types
    return enums


DERIVED_SLOTS = ("name_any",)
MAX_LIST_ITEMS = 4


def understanding_schema(vocab: Vocabulary) -> dict[str, Any]:
    """`Understanding`'s JSON schema with the catalog's values as enums on category and colour."""
    full = copy.deepcopy(Understanding.model_json_schema())
    defs = full.get("$defs", {})
    # `Understanding.then` (several requests in one utterance) makes the model recursive; the model is
    # asked for one request, so the root is the Understanding definition without `then`.
    schema = defs.pop("Understanding", None) or full
    schema.get("properties", {}).pop("then", None)
    schema["$defs"] = defs
    slots = schema.get("$defs", {}).get("Slots", {}).get("properties", {})
    for derived in DERIVED_SLOTS:  # the rules' restatements of other slots; the policy derives them itself
        slots.pop(derived, None)
    for prop in slots.values():  # bounded lists: a constrained small model otherwise repeats items until cut
        for option in prop.get("anyOf", [prop]):
            if option.get("type") == "array":
                option["maxItems"] = MAX_LIST_ITEMS
    for slot, values in catalog_enums(vocab).items():
        if slot in slots:
            slots[slot] = {"anyOf": [{"type": "string", "enum": values}, {"type": "null"}], "default": None}
    return schema


def _type_of(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    """A short human reading of one schema property ('men|women|...', 'integer', 'string')."""
    options = prop.get("anyOf", [prop])
    kinds: list[str] = []
    for option in options:
        if "$ref" in option:
            option = defs.get(option["$ref"].rsplit("/", 1)[-1], {})
        if option.get("type") == "null":
            continue
        if "enum" in option and len(option["enum"]) <= 25:
            kinds.append("|".join(str(v) for v in option["enum"]))
        else:
            kinds.append(str(option.get("type", "object")))
    return " or ".join(kinds) or "any"


def describe_schema(schema: Mapping[str, Any]) -> str:
    """Field list of the schema for the model to read (constraining servers also enforce it)."""
    defs = schema.get("$defs", {})
    slots = defs.get("Slots", {})
    lines = [f"intent: {_type_of(schema['properties']['intent'], defs)}"]
    lines.append("confidence: number 0..1")
    lines.append("slots (omit what was not said): " + str(slots.get("description", "")).strip())
    for name, prop in slots.get("properties", {}).items():
        lines.append(f"  {name}: {_type_of(prop, defs)}")
    return "\n".join(lines)


def system_prompt(schema: Mapping[str, Any], vocab: Vocabulary) -> str:
    """The part of the prompt that is the same for every turn of this process."""
    brands = ", ".join(list(getattr(vocab, "brands", ()) or ())[:MAX_BRANDS])
    shots = "\n".join(f"Shopper: {said}\nJSON: {json.dumps(out)}" for said, out in EXAMPLES)
    return (
        "You read what a shopper says to a voice fashion shop and answer with one JSON object, "
        "nothing else.\n"
        f"Fields:\n{describe_schema(schema)}\n"
        "Prices are in cents (50 dollars = 5000). Sizes are labels such as XS, S, M, L, XL or waist "
        "numbers. A reference points at the products listed under Shown.\n"
        f"Popular brands: {brands}\n"
        f"Examples:\n{shots}"
    )


def _money(cents: int | None) -> str:
    return "-" if cents is None else f"${cents / 100:.2f}"


def context_lines(state: DialogueState, *, max_shown: int = MAX_SHOWN) -> list[str]:
    """The dialogue so far, compactly: products shown, filters, pending question, cart, last reply."""
    lines: list[str] = []
    if state.shown:
        items = [
            f"{n}. {p.brand} {p.name} ({p.colour or '-'}, {_money(p.price_cents)})"
            for n, p in enumerate(state.shown[:max_shown], 1)
        ]
        lines.append("Shown: " + "; ".join(items))
    filters = state.filters.model_dump(exclude_none=True, exclude_defaults=True)
    if filters:
        lines.append("Filters: " + ", ".join(f"{k}={v}" for k, v in filters.items()))
    if state.pending is not None:
        pending = state.pending
        options = f" options {','.join(pending.options)}" if pending.options else ""
        lines.append(f"Waiting for: {pending.kind}{options}")
    if state.cart.item_count:
        lines.append(f"Cart: {state.cart.item_count} item(s), {_money(state.cart.total_cents)}")
    if state.last_reply:
        lines.append("Assistant said: " + state.last_reply[:MAX_REPLY_CHARS])
    return lines


def build_messages(system: str, text: str, state: DialogueState) -> list[dict[str, str]]:
    """Chat messages for one turn: the fixed system prompt, then context and the shopper's words."""
    context = "\n".join(context_lines(state))
    user = f"{context}\nShopper: {text}\nJSON:" if context else f"Shopper: {text}\nJSON:"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]

