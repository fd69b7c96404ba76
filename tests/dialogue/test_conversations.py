"""Scripted multi-turn conversations against the memory shop: the dialogue's quality bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.dialogue_eval import evaluate, load_conversations
from voice_server.conversation.dialogue import DialogueEngine, Intent

CONVERSATIONS = Path(__file__).parent / "conversations"


async def test_scripted_conversations_meet_the_bar(engine_factory: Callable[[], DialogueEngine]) -> None:
    conversations = load_conversations(CONVERSATIONS)
    assert len(conversations) >= 80
    report = await evaluate(conversations, engine_factory)
    print(report.summary())
    assert report.intent_accuracy >= 0.95, report.intent_errors
    assert report.slot_f1 >= 0.90, report.slot_errors
    assert report.constraint_violations == []
    assert report.outcome_failures == []
    assert report.ms_per_turn_p95 < 20


def test_conversations_cover_every_intent_and_reference_type() -> None:
    turns = [turn for c in load_conversations(CONVERSATIONS) for turn in c["turns"]]
    assert {t["intent"] for t in turns} == {i.value for i in Intent}
    references = {str((t.get("slots") or {}).get("reference", "")).split(":")[0] for t in turns}
    assert {"ordinal", "focus", "colour", "brand", "cheapest"} <= references
    ordinals = {(t.get("slots") or {}).get("reference") for t in turns}
    assert "ordinal:-1" in ordinals


async def test_evaluation_detects_wrong_expectations(engine_factory: Callable[[], DialogueEngine]) -> None:
    """The scorer can fail: a deliberately wrong script scores low."""
    wrong = [
        {
            "id": "wrong",
            "turns": [
                {"say": "red dresses", "intent": "checkout", "slots": {"category": "shoes"}},
            ],
        }
    ]
    report = await evaluate(wrong, engine_factory)
    assert report.intent_accuracy == 0
    assert report.slot_f1 < 0.5
