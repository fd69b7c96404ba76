"""meaning.py on its own: exclusions, recipients, shade, formality, restarts, several requests."""

from __future__ import annotations

import pytest

from commerce.catalog.vocabulary import PRODUCT_TYPES, type_for
from commerce.models import SearchFilters
from voice_server.conversation.dialogue import meaning
from voice_server.conversation.dialogue.numbers import prepare
from voice_server.conversation.dialogue.vocabulary import Vocabulary

VOCAB = Vocabulary.from_lists(["Puma", "Nike", "Roadster", "Titan"], ["black", "white", "red", "brown", "pink"])


def said(text: str) -> str:
    return f" {prepare(text)} "


@pytest.mark.parametrize(("text", "colours", "brands", "stems"), [
    ("none in pink please", ["pink"], [], []),
    ("anything but red or brown", ["red", "brown"], [], []),
    ("avoid nike, they pinch my toes", [], ["Nike"], []),
    ("without checks or stripes", [], [], ["check", "stripe"]),
    ("no sweatshirts this time", [], [], ["hood", "sweatshirt"]),
    ("i'd rather not have leather", [], [], ["leather"]),
])
def test_exclusions_name_what_they_rule_out(text: str, colours: list[str], brands: list[str],
                                            stems: list[str]) -> None:
    found, _ = meaning.extract_exclusions(said(text), VOCAB)
    assert found.colours == colours
    assert found.brands == brands
    for stem in stems:
        assert stem in found.stems


@pytest.mark.parametrize("text", ["not that one", "no thanks", "not yet", "nothing else", "i dont mind",
                                  "no more than 30 dollars"])
def test_phrases_that_exclude_nothing(text: str) -> None:
    found, rest = meaning.extract_exclusions(said(text), VOCAB)
    assert not found
    assert rest == said(text)


def test_an_excluded_colour_is_blanked_so_it_is_not_also_wanted() -> None:
    found, rest = meaning.extract_exclusions(said("nothing brown, her old one is brown"), VOCAB)
    assert found.colours == ["brown"]
    assert rest.count("brown") == 1  # the second mention is left for the colour extractor to see


@pytest.mark.parametrize(("text", "gender"), [
    ("a scarf for my nan", "women"),
    ("something for my nephew he is 7", "boys"),
    ("shoes for my son hes 17", "men"),
    ("gift for my father in law", "men"),
    ("im a lad, need trainers", "men"),
    ("just a plain tee", None),
])
def test_recipients_choose_the_department(text: str, gender: str | None) -> None:
    assert meaning.extract_recipient(said(text))[0] == gender


@pytest.mark.parametrize(("text", "shade"), [
    ("a darker one", "darker"), ("something more colourful", "brighter"), ("more muted please", "muted"),
    ("dark green", None),
])
def test_shade(text: str, shade: str | None) -> None:
    assert meaning.extract_shade(said(text))[0] == shade


@pytest.mark.parametrize(("text", "level"), [
    ("a bit more formal", "more"), ("more casual", "less"), ("too formal", "less"), ("dressier", "more"),
    ("too casual for work", "more"),
])
def test_formality(text: str, level: str) -> None:
    assert meaning.extract_formality(said(text))[0] == level


def test_restart_keeps_what_follows_the_correction() -> None:
    assert meaning.restart("find me a yellow no sorry a purple skirt") == "find me a purple skirt"
    assert meaning.restart("a purple skirt") == "a purple skirt"


def test_several_requests_split_at_a_new_request() -> None:
    assert meaning.split_requests("add the second one in small and show me a belt") == [
        "add the second one in small", "show me a belt"]
    assert meaning.split_requests("the first in small and the third in large") == [
        "the first in small", "the third in large"]
    assert meaning.split_requests("black and white sneakers") == ["black and white sneakers"]


def test_types_of_one_category_combine_their_stems() -> None:
    types, _ = meaning.extract_types(said("leggings or track pants"))
    category, stems, name = meaning.combine_types(types)
    assert category == "activewear" and name == "leggings"
    assert {"legging", "track", "jogger"} <= set(stems)


def test_every_product_type_is_spoken_and_matches_its_own_stems() -> None:
    for product_type in PRODUCT_TYPES.values():
        # "outfit" stands for the question "what should I wear", never for a word said
        assert type_for(product_type.name) is not None or product_type.name in {"kurta set", "palazzo set", "outfit"}
        # a search carries at most 20 name stems (SearchFilters.name_any)
        assert len(product_type.stems) <= SearchFilters.model_fields["name_any"].metadata[0].max_length, product_type.name
    assert type_for("hoodies") == PRODUCT_TYPES["hoodie"]
    assert PRODUCT_TYPES["heels"].matches("Women Black Solid Stiletto Pumps")
    assert not PRODUCT_TYPES["polo"].matches("Men White Round Neck T-shirt")
