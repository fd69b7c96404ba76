"""Pure decisions of speculative turns: is a transcript a complete request, when to end, which hotwords."""

from __future__ import annotations

import pytest

from commerce.models import SearchFilters
from voice_server.conversation.asr_hints import dialogue_hotwords
from voice_server.conversation.dialogue.state import DialogueState, ShownProduct
from voice_server.voice.speculation import (
    SpeculationConfig,
    Verdict,
    judge_request,
    required_silence_ms,
    reusable,
    should_end_early,
)

CFG = SpeculationConfig()
END = 700


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [
        ("Show me black dresses under fifty dollars.", "search", 0.9),
        ("Add the second one to my cart", "add_to_cart", 0.9),
        ("What size should I get?", "size_advice", 0.85),
        ("yes", "confirm", 0.95),
    ],
)
def test_complete_confident_requests_end_early(text: str, intent: str, confidence: float) -> None:
    assert judge_request(text, intent, confidence, CFG) == Verdict(True, "complete")


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "reason"),
    [
        ("", "search", 0.9, "empty"),
        ("I need a size, um", "size_advice", 0.85, "trailing_word"),
        ("Show me black dresses and", "search", 0.9, "trailing_word"),
        ("red sneakers with", "search", 0.9, "trailing_word"),
        ("I'd like a jacket in size", "search", 0.8, "trailing_word"),
        ("Show me jeans, uh...", "search", 0.9, "trailing_punctuation"),
        ("Show me jeans,", "search", 0.9, "trailing_punctuation"),
        ("the weather is nice", "unknown", 0.2, "no_intent"),
        ("nice blue one", "search", None, "low_confidence"),
        ("maybe the blue one then please", "product_details", 0.6, "low_confidence"),
    ],
)
def test_unfinished_or_unsure_requests_wait(text: str, intent: str, confidence: float | None, reason: str) -> None:
    verdict = judge_request(text, intent, confidence, CFG)
    assert verdict == Verdict(False, reason)


def test_silence_needed_follows_the_verdict() -> None:
    complete, unfinished = Verdict(True, "complete"), Verdict(False, "trailing_word")
    assert required_silence_ms(complete, CFG, END) == CFG.early_end_ms == 400
    assert required_silence_ms(unfinished, CFG, END) == END
    assert required_silence_ms(None, CFG, END) == END  # no verdict yet: the endpointer decides
    off = CFG.model_copy(update={"enabled": False})
    no_adaptive = CFG.model_copy(update={"early_end_ms": 0})
    assert required_silence_ms(complete, off, END) == END
    assert required_silence_ms(complete, no_adaptive, END) == END
    longer = CFG.model_copy(update={"early_end_ms": 900})
    assert required_silence_ms(complete, longer, END) == END  # never later than the endpointer


def test_end_early_only_past_the_early_silence() -> None:
    complete = Verdict(True, "complete")
    assert not should_end_early(270, complete, CFG, END)
    assert should_end_early(400, complete, CFG, END)
    assert should_end_early(690, complete, CFG, END)
    assert not should_end_early(690, Verdict(False, "trailing_word"), CFG, END)
    assert not should_end_early(690, None, CFG, END)
    assert not should_end_early(10_000, complete, CFG.model_copy(update={"early_end_ms": 0}), END)


def test_a_preview_is_reused_only_for_the_same_transcript() -> None:
    assert reusable("Show me jeans.", " Show me jeans. ")
    assert not reusable("Show me jeans.", "Show me jeans and a belt.")
    assert not reusable(None, "Show me jeans.")


def _state(**update: object) -> DialogueState:
    return DialogueState(conversation_id="c", user_id=1).model_copy(update=update)


def _shown(pid: int, brand: str) -> ShownProduct:
    return ShownProduct(id=pid, name=f"{brand} thing", brand=brand, price_cents=1000, category="jeans")


def test_hotwords_are_the_brands_in_play_capped() -> None:
    assert dialogue_hotwords(None) is None
    assert dialogue_hotwords(_state()) is None  # first turn: no prompt at all
    state = _state(
        filters=SearchFilters(brand="Puma"),
        shown=[_shown(1, "Roadster"), _shown(2, "puma"), _shown(3, "Nike"), _shown(4, "HRX"), _shown(5, "Levis")],
        focus_id=3,
    )
    # filter brand, then the focused product's, then the shown ones; case-insensitive duplicates dropped
    assert dialogue_hotwords(state) == "Puma, Nike, Roadster, HRX."
    assert dialogue_hotwords(state, max_terms=2) == "Puma, Nike."
    assert dialogue_hotwords(state, max_terms=0) is None


def test_the_end_of_turn_model_comes_before_the_text_rule() -> None:
    model = CFG.model_copy(update={"turn_model": True, "turn_model_end_ms": 300})
    complete, unfinished = Verdict(True, "complete"), Verdict(False, "trailing_word")
    # the model hears a finished turn: end after its short silence, whatever the transcript says (or not yet)
    assert required_silence_ms(None, model, END, p_complete=0.9) == 300
    assert required_silence_ms(unfinished, model, END, p_complete=0.5) == 300
    # it hears an unfinished one ("I want a blue shirt, um, ..."): a complete-looking transcript waits
    assert required_silence_ms(complete, model, END, p_complete=0.05) == END
    # unsure, or no probability yet: today's text rule
    assert required_silence_ms(complete, model, END, p_complete=0.3) == 400
    assert required_silence_ms(complete, model, END, p_complete=None) == 400
    assert required_silence_ms(unfinished, model, END, p_complete=0.3) == END
    no_veto = model.model_copy(update={"turn_model_veto": 0.0})
    assert required_silence_ms(complete, no_veto, END, p_complete=0.05) == 400
    # model off: its probability is ignored
    off = model.model_copy(update={"turn_model": False})
    assert required_silence_ms(None, off, END, p_complete=0.99) == END
    assert required_silence_ms(complete, off, END, p_complete=0.01) == 400
    assert required_silence_ms(None, model.model_copy(update={"turn_model_end_ms": 900}), END, 0.99) == END


def test_the_model_alone_may_end_a_turn_past_its_silence() -> None:
    model = CFG.model_copy(update={"turn_model": True, "turn_model_end_ms": 300})
    assert not should_end_early(270, None, model, END, p_complete=0.9)
    assert should_end_early(300, None, model, END, p_complete=0.9)
    assert not should_end_early(690, None, model, END, p_complete=0.2)
    assert not should_end_early(690, Verdict(True, "complete"), model, END, p_complete=0.01)
