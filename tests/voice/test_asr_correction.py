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
    default_correction_lexicon,
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
        "we met the captain on our holiday",  # an English word is never replaced alone
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


@pytest.fixture(scope="module")
def server_lexicon() -> CorrectionLexicon:
    """The server's lexicon (Whisper's words + wordfreq's less common ones) over a small catalog."""
    vocab = Vocabulary.from_lists(["Puma"], ["black", "red", "brown", "maroon", "peach"])
    return default_correction_lexicon(vocab)


@pytest.mark.parametrize(
    "text",
    [
        "just some trainers for me, i'm a bloke",  # bloke ~ blouse: one sound edit, a real word
        "i'm a bit skint this month so nothing dear",  # skint ~ skirt
        "we need wellies for the festival mud",  # wellies ~ wallets
        "a red scarf but red though it must be warm",  # "though it" after a colour is no "tote"
        "is it wool? i itch in wool",  # "i itch" after a material (and a "?") is no "watch"
        "something sparkly for new year",  # a taxonomy stem ("sparkl") is never written
    ],
)
def test_real_but_less_common_words_are_left_alone(server_lexicon: CorrectionLexicon, text: str) -> None:
    assert correct_transcript(text, server_lexicon) == text


def test_less_common_words_yield_only_to_the_very_same_sound(server_lexicon: CorrectionLexicon) -> None:
    assert "seri" in server_lexicon.uncommon
    assert correct_transcript("a magenta seri with a gold border", server_lexicon) == (
        "a magenta sari with a gold border"
    )
    assert correct_transcript("warm woolly scarves", server_lexicon) == "warm woolly scarves"


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        # after "<product> and a": a product word within one sound edit
        ("a linen shirt and a captain for the cruise", "a linen shirt and a kaftan for the cruise"),
        # right after a describer: a word outside Whisper's common words that sounds exactly alike
        ("do you have a red nitrous for my mum", "do you have a red nightdress for my mum"),
        # "in <word>" ending a request that names a product: a colour that sounds exactly alike
        ("a linen shirt, short sleeved, in beach", "a linen shirt, short sleeved, in peach"),
    ],
)
def test_english_words_in_a_catalog_slot_are_mapped(server_lexicon: CorrectionLexicon, heard: str, meant: str) -> None:
    assert correct_transcript(heard, server_lexicon) == meant


@pytest.mark.parametrize(
    "text",
    [
        "not pink she's gone off it",  # a contraction after a colour is no "shoes"
        "black these days, always black",  # a common word after a colour is no "tees"
        "leggings and a sports bra",  # a word before a catalog word describes it
        "a captain for the cruise",  # no product before "and a"
        "the party is in beach",  # "in <word>" with no product named
    ],
)
def test_catalog_slots_leave_other_words_alone(server_lexicon: CorrectionLexicon, text: str) -> None:
    assert correct_transcript(text, server_lexicon) == text


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


@pytest.fixture(scope="module")
def brand_lexicon() -> CorrectionLexicon:
    """Brands that are phrases or English-looking words, and the English a shopper says around them."""
    english = ENGLISH | frozenset(
        "need running that good flat feet what cart date friday nine lava stock cream blazers formal extra "
        "indian drain terrain tracks fast sell sunglasses polo sneakers white size suits louis".split()
    )
    vocab = Vocabulary.from_lists(
        ["Van Heusen", "Van Heusen Sport", "Indian Terrain", "Tommy Hilfiger", "Puma", "Fastrack", "Pepe Jeans",
         "Lavie", "Louis Philippe", "GODS", "INDYA", "One Friday", "Ishin", "Raymond"],
        ["black", "white", "navy blue"],
    )
    return correction_lexicon(vocab, english)


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        # one word of the brand heard right, the rest not English (or, all English, sounding exactly alike)
        ("Do you have formal shirts from Van Huesa in extra large?",
         "Do you have formal shirts from Van Heusen in extra large?"),
        ("Show me Indian Drain chinos", "Show me Indian Terrain chinos"),
        ("Have you got Tommy Tillfidgett polo shirts?", "Have you got Tommy Hilfiger polo shirts?"),
        ("a denim jacket from Pepe Geals", "a denim jacket from Pepe Jeans"),
        # the brand's own letters cut differently, or a brand cut into pieces that are no word
        ("Do you sell fast tracks sunglasses?", "Do you sell Fastrack sunglasses?"),
        ("handbags from La Vie", "handbags from Lavie"),
        ("Are there any poo-mas sneakers in white?", "Are there any Puma sneakers in white?"),
    ],
)
def test_misheard_brand_phrases_are_mapped(brand_lexicon: CorrectionLexicon, heard: str, meant: str) -> None:
    assert correct_transcript(heard, brand_lexicon) == meant


@pytest.mark.parametrize(
    "text",
    [
        "I need running shoes that are good for flat feet.",  # "good" is no GODS
        "what's in my cart",  # short words are not a brand in pieces (INDYA)
        "a date on friday",  # "on" is not "One" of One Friday
        "add it in a nine",  # Ishin
        "Show me handbags from Lava",  # an English word alone stays (the NLU may still fuzzy-match)
        "Do you stock cream blazers",  # English, nothing of Raymond heard right
        "Show me Louis Philippe suits",  # heard right: untouched
        "Show me Van Heusen Sport shirts",
        "Show me Louis suits",  # part of a brand heard right: the NLU decides
    ],
)
def test_brand_phrases_leave_other_words_alone(brand_lexicon: CorrectionLexicon, text: str) -> None:
    assert correct_transcript(text, brand_lexicon) == text


def test_rescoring_counts_whole_brand_names(brand_lexicon: CorrectionLexicon) -> None:
    close = [("Do you stock cream blazers", -0.30), ("Do you stock Raymond blazers", -0.34)]
    assert pick_hypothesis(close, brand_lexicon) == "Do you stock Raymond blazers"
    # a brand that is one English word earns nothing ("One Friday" is two words and would)
    assert catalog_fit("Do you stock cream blazers", brand_lexicon) == catalog_fit("Do you stock good blazers",
                                                                                   brand_lexicon)
