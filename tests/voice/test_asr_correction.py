"""The post-ASR phonetic mapper on its own: (text, lexicon) -> text, no model involved."""

from __future__ import annotations

import pytest

from voice_server.asr_correction import (
    CorrectionLexicon,
    correct_transcript,
    phonetic_codes,
    split_glued,
)
from voice_server.asr_hints import catalog_product_words, correction_lexicon
from voice_server.dialogue.vocabulary import Vocabulary

# A tiny English word list standing in for Whisper's tokenizer vocabulary.
ENGLISH = frozenset(
    "show some for festival want rent leather back brown please agenda with golden order name "
    "captain holiday maxi dresses from large shirts have got tommy machines slim dark blue sister flip "
    "flop handbags".split()
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
