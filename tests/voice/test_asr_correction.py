"""The post-ASR phonetic mapper on its own: (text, lexicon) -> text, no model involved."""

from __future__ import annotations

import pytest

from voice_server.conversation.asr_correction import (
    CorrectionLexicon,
    catalog_fit,
    correct_transcript,
    phonetic_codes,
    pick_hypothesis,
    split_glued,
)
from voice_server.conversation.asr_hints import (
    catalog_product_words,
    catalog_prompt,
    correction_lexicon,
    join_prompts,
)
from voice_server.conversation.dialogue.vocabulary import Vocabulary

# A tiny English word list standing in for Whisper's tokenizer vocabulary.
ENGLISH = frozenset(
    "show some for festival want rent leather back brown please agenda with golden order name "
    "captain holiday maxi dresses from large shirts have got tommy machines slim dark blue sister flip "
    "flop handbags room".split()
)


@pytest.fixture(scope="module")
def lexicon() -> CorrectionLexicon:
    vocab = Vocabulary.from_lists(
        ["DressBerry", "Tommy Hilfiger", "Lavie", "Fastrack", "Puma"],
        ["black", "red", "grey", "brown", "maroon", "navy blue"],
    )
    return correction_lexicon(vocab, ENGLISH)


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("Can you show me some red curtus for a festival?", "Can you show me some red kurtas for a festival?"),
        ("Show me Blackheels please", "Show me black heels please"),
        ("Show me leather back us in brown.", "Show me leather bags in brown."),
        ("I want a Sarri with a golden border", "I want a sari with a golden border"),
        ("handbags from Lavi", "handbags from lavie"),
        ("fasttrack watches", "fastrack watches"),
    ],
)
def test_misheard_catalog_words_are_mapped(lexicon: CorrectionLexicon, heard: str, meant: str) -> None:
    assert correct_transcript(heard, lexicon) == meant


@pytest.mark.parametrize(
    "text",
    [
        "I need a swimsuit and a captain for my holiday.",  # an English word is never replaced alone
        "I want to go back us now",  # no colour or material before it: not a product slot
        "Hi, my name is Priyanka",  # sounds a bit like "pink" but the shape differs
        "Have you got Tommy Hilfiger shirts in navy blue?",  # already right
        "Show me the machines, slim fit dark blue.",
        "for my sister's wedding",  # possessive of an English word
        "please show me flip-flops",  # plural of an English word ("flop")
        "handbags from Lavin",  # sounds near "linen" but spelled too differently
        "",
    ],
)
def test_leaves_other_words_alone(lexicon: CorrectionLexicon, text: str) -> None:
    assert correct_transcript(text, lexicon) == text


def test_brand_words_need_an_exact_sound_and_close_spelling(lexicon: CorrectionLexicon) -> None:
    assert "dressberry" in lexicon.weak
    assert correct_transcript("Dressbery dresses", lexicon) == "dressberry dresses"
    assert correct_transcript("Pooja dresses", lexicon) == "Pooja dresses"  # PJ != PM


def test_split_glued_needs_a_describer_and_a_product(lexicon: CorrectionLexicon) -> None:
    assert split_glued("greyblazer", lexicon) == ("grey", "blazer")
    assert split_glued("blackhole", lexicon) is None
    assert split_glued("brablazer", lexicon) is None  # two products: not a describing word first


def test_phonetic_codes_ignore_spaces_and_case() -> None:
    assert phonetic_codes("Back us") == phonetic_codes("bags")
    assert phonetic_codes("") == ()


def test_product_words_come_from_the_catalog_taxonomy() -> None:
    words = catalog_product_words()
    assert {"kurta", "saree", "heels", "blazer", "bag", "kaftan"} <= set(words)
    assert "curtain" not in words  # the taxonomy's non-fashion rule is skipped


def test_rescoring_prefers_catalog_words_among_likely_hypotheses(lexicon: CorrectionLexicon) -> None:
    close = [("a red captain for my holiday", -0.30), ("a red kaftan for my holiday", -0.35)]
    assert pick_hypothesis(close, lexicon) == "a red kaftan for my holiday"
    far = [("a red captain for my holiday", -0.30), ("a red kaftan for my holiday", -0.90)]
    assert pick_hypothesis(far, lexicon) == "a red captain for my holiday"  # much less likely: ignored
    assert pick_hypothesis([("red curtus", -0.2)], lexicon) == "red kurtas"  # corrected too
    assert pick_hypothesis([], lexicon) == ""


def test_catalog_fit_counts_catalog_words_and_penalises_non_words(lexicon: CorrectionLexicon) -> None:
    assert catalog_fit("red kurtas", lexicon) == 2
    assert catalog_fit("a soakserian room", lexicon) == -1


def test_prompt_parts_are_joined_context_last() -> None:
    assert join_prompts("Fashion shopping: kurtas.", "Puma, Nike.") == "Fashion shopping: kurtas. Puma, Nike."
    assert join_prompts("Fashion shopping: kurtas.", None) == "Fashion shopping: kurtas."
    assert join_prompts(None, " ") is None


def test_catalog_prompt_names_garments_and_colours_briefly() -> None:
    vocab = Vocabulary.from_lists(["Puma"], ["black", "grey", "maroon"])
    prompt = catalog_prompt(vocab)
    assert prompt.startswith("Fashion shopping:") and "kurtas" in prompt and "grey" in prompt
    assert "Puma" not in prompt  # brands come from the conversation, not the whole catalog
    assert len(prompt.split()) < 80


def test_conversation_service_corrects_with_whispers_own_word_list() -> None:
    from voice_server.conversation.service import ConversationService

    vocab = Vocabulary.from_lists(["Puma"], ["red"])
    service = ConversationService(None, None, None, vocab, None, None)  # type: ignore[arg-type]
    assert service.correct_transcript([("show me red curtus", -0.2)]) == "show me red kurtas"
    assert service.correct_transcript([("a red captain", -0.3), ("a red kaftan", -0.32)]) == "a red kaftan"
    assert service.correct_transcript([("the captain of the team", -0.2)]) == "the captain of the team"
