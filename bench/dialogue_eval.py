"""Scripted-conversation evaluation: intent accuracy, slot P/R/F1, constraint violations, outcomes."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from commerce.catalog.vocabulary import normalize_colour
from commerce.models import ProductCard, SearchFilters
from commerce.search import SHORT_STEM
from voice_server.conversation.dialogue.policy import DialogueEngine, TurnResult
from voice_server.conversation.dialogue.references import match_size
from voice_server.conversation.dialogue.state import DialogueState

EngineFactory = Callable[[], DialogueEngine]
MEASUREMENT_TOLERANCE = 1.5  # cm / kg
SEARCH_INTENTS = {"search", "refine", "more_results"}


@dataclass
class IntentScore:
    turns: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.turns if self.turns else 0.0


@dataclass
class EvalReport:
    conversations: int
    turns: int
    intent_accuracy: float
    slot_precision: float
    slot_recall: float
    slot_f1: float
    constraint_violations: list[str]
    outcome_failures: list[str]
    intent_errors: list[str]
    slot_errors: list[str]
    per_intent: dict[str, IntentScore]
    ms_per_turn_mean: float
    ms_per_turn_p95: float
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.conversations} conversations, {self.turns} turns: "
            f"intent accuracy {self.intent_accuracy:.3f}, "
            f"slot P {self.slot_precision:.3f} R {self.slot_recall:.3f} F1 {self.slot_f1:.3f}, "
            f"constraint violations {len(self.constraint_violations)}, outcome failures "
            f"{len(self.outcome_failures)}, {self.ms_per_turn_mean:.2f} ms/turn "
            f"(p95 {self.ms_per_turn_p95:.2f})"
        )


def load_conversations(folder: Path) -> list[dict[str, Any]]:
    """All conversations from every *.yaml file in `folder` (each file holds a list)."""
    conversations: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            conversation.setdefault("id", f"{path.stem}-{len(conversations)}")
            conversation["source"] = path.name
            conversations.append(conversation)
    return conversations


# Slots that restate another slot in finer form; scored only where a script names them.
DERIVED_SLOTS = frozenset({"product_type", "name_any", "colours"})


def _slot_equal(name: str, expected: Any, got: Any) -> bool:
    if name == "measurements" and isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(
            abs(float(expected[k]) - float(got[k])) <= MEASUREMENT_TOLERANCE for k in expected
        )
    if isinstance(expected, str) and isinstance(got, str):
        return expected.lower() == got.lower()
    return expected == got


def _has_word(text: str, word: str) -> bool:
    spellings = {word.lower(), normalize_colour(word)}
    return any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in spellings)


def _has_stem(text: str, stem: str, *, ruled_out: bool = False) -> bool:
    """As ``commerce.search.word_pattern``: at a word start; short stems as whole words; ``ruled_out``: not
    right after "non" ("non padded" is no padded bra)."""
    whole = r"(?:s|es)?(?![a-z])" if len(stem) <= SHORT_STEM else ""
    after = r"(?<!non)(?<!non )(?<!non-)" if ruled_out else ""
    return re.search(rf"{after}(?<![a-z]){re.escape(stem.lower())}{whole}", text) is not None


def product_violations(card: ProductCard, filters: SearchFilters) -> list[str]:
    """Constraints of `filters` that `card` breaks (category, colour, gender, brand, price, size)."""
    broken: list[str] = []
    if filters.category and card.category != filters.category:
        broken.append(f"category {card.category}!={filters.category}")
    colour_text = f"{card.colour or ''} {card.name}".lower()
    wanted = filters.colours or ([filters.colour] if filters.colour else [])
    if wanted and not any(_has_word(colour_text, c) for c in wanted):
        broken.append(f"colour {card.colour}/{card.name!r} not in {wanted}")
    if any(_has_word(colour_text, c) for c in filters.colour_none):
        broken.append(f"colour {card.colour}/{card.name!r} excluded {filters.colour_none}")
    name = card.name.lower()
    if filters.name_any and not any(_has_stem(name, s) for s in filters.name_any):
        broken.append(f"name {card.name!r} lacks {filters.name_any}")
    if any(_has_stem(name, s, ruled_out=True) for s in filters.name_none):
        broken.append(f"name {card.name!r} has one of {filters.name_none}")
    if any(card.brand.lower() == b.lower() or card.brand.lower().startswith(b.lower() + " ")
           for b in filters.brand_none):
        broken.append(f"brand {card.brand} excluded")
    if filters.gender and card.gender not in (filters.gender, "unisex"):
        broken.append(f"gender {card.gender}!={filters.gender}")
    if filters.brands and card.brand.lower() not in {b.lower() for b in filters.brands}:
        broken.append(f"brand {card.brand} not in {filters.brands}")
    elif filters.brand and not filters.brands and card.brand.lower() != filters.brand.lower():
        broken.append(f"brand {card.brand}!={filters.brand}")
    if filters.price_max_cents is not None and card.price_cents > filters.price_max_cents:
        broken.append(f"price {card.price_cents}>{filters.price_max_cents}")
    if filters.price_min_cents is not None and card.price_cents < filters.price_min_cents:
        broken.append(f"price {card.price_cents}<{filters.price_min_cents}")
    for size in (filters.size, *filters.also_sizes) if filters.size else ():
        if match_size(size, card.sizes_available) is None:
            broken.append(f"size {size} not in {card.sizes_available}")
    return broken


def _check_outcome(expect: dict[str, Any], result: TurnResult) -> list[str]:
    failures: list[str] = []
    reply = result.reply_text.lower()
    state = result.new_state
    for needle in expect.get("reply_contains", []):
        if str(needle).lower() not in reply:
            failures.append(f"reply lacks {needle!r}: {result.reply_text!r}")
    for needle in expect.get("reply_excludes", []):
        if str(needle).lower() in reply:
            failures.append(f"reply has {needle!r}: {result.reply_text!r}")
    if "products" in expect and bool(result.products) != bool(expect["products"]):
        failures.append(f"products shown={len(result.products)}, expected {expect['products']}")
    if len(result.products) > 3:
        failures.append(f"{len(result.products)} products returned (max 3)")
    if "pending" in expect:
        got = state.pending.kind if state.pending else None
        if got != expect["pending"]:
            failures.append(f"pending {got!r}, expected {expect['pending']!r}")
    if "order_placed" in expect and ("order" in result.payload) != bool(expect["order_placed"]):
        failures.append(f"order placed={'order' in result.payload}, expected {expect['order_placed']}")
    if "cart_items" in expect:
        count = result.cart.item_count if result.cart is not None else state.cart.item_count
        if count != expect["cart_items"]:
            failures.append(f"cart has {count} items, expected {expect['cart_items']}")
    if "end" in expect and result.end_conversation != bool(expect["end"]):
        failures.append(f"end_conversation={result.end_conversation}")
    if "filters" in expect:
        for key, value in expect["filters"].items():
            if getattr(state.filters, key) != value:
                failures.append(f"filter {key}={getattr(state.filters, key)!r}, expected {value!r}")
    if expect.get("focus") and state.focus_id is None:
        failures.append("no product in focus")
    return failures


async def evaluate(conversations: Iterable[dict[str, Any]], engine_factory: EngineFactory) -> EvalReport:
    """Run each conversation on a fresh engine and score every turn."""
    per_intent: dict[str, IntentScore] = defaultdict(IntentScore)
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tp = fp = fn = 0
    violations: list[str] = []
    outcomes: list[str] = []
    intent_errors: list[str] = []
    slot_errors: list[str] = []
    timings: list[float] = []
    n_conversations = n_turns = correct = 0
    for conversation in conversations:
        n_conversations += 1
        engine = engine_factory()
        state = DialogueState(conversation_id=str(conversation["id"]), user_id=conversation.get("user_id", 1))
        for index, turn in enumerate(conversation["turns"]):
            where = f"{conversation['id']}#{index} {turn['say']!r}"
            started = time.perf_counter()
            result = await engine.handle(state, turn["say"])
            timings.append((time.perf_counter() - started) * 1000)
            n_turns += 1
            expected_intent = turn["intent"]
            score = per_intent[expected_intent]
            score.turns += 1
            confusion[expected_intent][result.intent] += 1
            if result.intent == expected_intent:
                score.correct += 1
                correct += 1
            else:
                intent_errors.append(f"{where}: got {result.intent}, expected {expected_intent}")
            expected_slots: dict[str, Any] = turn.get("slots") or {}
            got_slots = result.slots
            for name, value in expected_slots.items():
                if name in got_slots and _slot_equal(name, value, got_slots[name]):
                    tp += 1
                else:
                    fn += 1
                    slot_errors.append(f"{where}: {name} got {got_slots.get(name)!r}, expected {value!r}")
            for name, value in got_slots.items():
                if name in DERIVED_SLOTS and name not in expected_slots:
                    continue  # restates a scored slot (product_type/name_any ~ category, colours ~ colour)
                if name not in expected_slots or not _slot_equal(name, expected_slots[name], value):
                    fp += 1
                    if name not in expected_slots:
                        slot_errors.append(f"{where}: unexpected {name}={value!r}")
            if result.intent in SEARCH_INTENTS:
                for card in result.products:
                    for broken in product_violations(card, result.new_state.filters):
                        violations.append(f"{where}: product {card.id} {broken}")
            outcomes.extend(f"{where}: {f}" for f in _check_outcome(turn.get("expect") or {}, result))
            state = result.new_state
            if "interrupt_after" in turn:
                heard = result.reply_text[: int(turn["interrupt_after"])]
                state = engine.note_interrupted(state, heard)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ordered = sorted(timings)
    return EvalReport(
        conversations=n_conversations,
        turns=n_turns,
        intent_accuracy=correct / n_turns if n_turns else 0.0,
        slot_precision=precision,
        slot_recall=recall,
        slot_f1=f1,
        constraint_violations=violations,
        outcome_failures=outcomes,
        intent_errors=intent_errors,
        slot_errors=slot_errors,
        per_intent=dict(per_intent),
        ms_per_turn_mean=sum(timings) / len(timings) if timings else 0.0,
        ms_per_turn_p95=ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0,
        confusion={k: dict(v) for k, v in confusion.items()},
    )
