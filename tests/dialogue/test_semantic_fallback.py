"""The semantic fallback: the rules answer first; embeddings fill only what they leave empty."""

from __future__ import annotations

import pytest

from voice_server.conversation.dialogue.nlu import RuleBasedUnderstander
from voice_server.conversation.dialogue.semantic_fallback import SemanticFallbackUnderstander, concept_table
from voice_server.conversation.dialogue.state import DialogueState
from voice_server.conversation.dialogue.understanding import Intent
from voice_server.conversation.dialogue.vocabulary import Vocabulary


@pytest.fixture(scope="module")
def understander() -> SemanticFallbackUnderstander:
    return SemanticFallbackUnderstander(RuleBasedUnderstander())


VOCAB = Vocabulary.from_lists(["Puma", "Roadster"], ["black", "white", "blue"])


def state() -> DialogueState:
    return DialogueState(conversation_id="semantic-test", user_id=1)


def test_every_product_type_and_topic_has_phrases() -> None:
    table = concept_table()
    assert all(phrases for phrases in table.values())
    assert "type:hoodie" in table and "hoodie" in table["type:hoodie"]
    assert any(name.startswith("topic:") for name in table)


@pytest.mark.parametrize(("text", "category"), [
    ("something snug to sleep in at night", "nightwear"),
    ("clothes i can sweat in when i exercise", "activewear"),
    ("something to stop my neck getting cold", "accessories"),
])
async def test_free_descriptions_become_a_search_for_a_product_type(
        understander: SemanticFallbackUnderstander, text: str, category: str) -> None:
    u = await understander.understand(text, state(), VOCAB)
    assert u.intent == Intent.search
    assert u.slots.category == category


@pytest.mark.parametrize("text", ["could you suggest a charger for my phone", "where can i buy some shampoo"])
async def test_things_the_shop_does_not_sell_are_out_of_scope(
        understander: SemanticFallbackUnderstander, text: str) -> None:
    u = await understander.understand(text, state(), VOCAB)
    assert u.intent == Intent.out_of_scope


async def test_the_rules_answer_stands_when_they_found_a_product(understander: SemanticFallbackUnderstander) -> None:
    u = await understander.understand("black jeans for men under forty dollars", state(), VOCAB)
    assert u.intent == Intent.search
    assert (u.slots.category, u.slots.colour, u.slots.price_max) == ("jeans", "black", 4000)


async def test_gender_found_by_the_rules_is_kept(understander: SemanticFallbackUnderstander) -> None:
    u = await understander.understand("something cosy to sleep in for my wife", state(), VOCAB)
    assert u.intent == Intent.search
    assert (u.slots.category, u.slots.gender) == ("nightwear", "women")


async def test_below_the_threshold_the_rules_reading_stands(understander: SemanticFallbackUnderstander) -> None:
    strict = SemanticFallbackUnderstander(RuleBasedUnderstander(), understander.index, threshold=0.99)
    u = await strict.understand("something snug to sleep in at night", state(), VOCAB)
    assert u.intent != Intent.search or u.slots.category is None
