from __future__ import annotations

import pytest

from voice_server.conversation.dialogue.numbers import (
    normalise_text,
    parse_amount_cents,
    prepare,
    words_to_digits,
)


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("forty nine ninety nine", "49 99"),
        ("a hundred", "100"),
        ("a hundred and fifty", "150"),
        ("one hundred twenty", "120"),
        ("between fifty and a hundred", "between 50 and 100"),
        ("one sixty five", "1 65"),
        ("two thousand and five", "2005"),
        ("eighty", "80"),
        ("seventy five point five", "75.5"),
        ("the blue one", "the blue one"),
        ("that one please", "that one please"),
        ("size eight", "size 8"),
        ("below thousand rupees", "below 1000 rupees"),  # Indian English: no "a"
        ("three thousand rupees", "3000 rupees"),
        ("thousands of styles", "thousands of styles"),
        ("between twelve hundred and two thousand", "between 1200 and 2000"),  # two amounts, not 1,202,000
        ("two hundred and five thousand", "205000"),
        ("nineteen hundred and ninety", "1990"),
    ],
)
def test_words_to_digits(spoken: str, digits: str) -> None:
    assert words_to_digits(spoken) == digits


def test_normalise_money_and_apostrophes() -> None:
    assert normalise_text("Levi's T-Shirt under $80!") == "levis t shirt under 80 dollars"
    assert prepare("$49.99") == "49.99 dollars"
    assert normalise_text("it's 1,299") == "its 1299"
    assert normalise_text("Yesss, sooo cute") == "yes so cute"  # drawn out, as typed or heard
    assert normalise_text("an XXXL and a 1000") == "an xxxl and a 1000"


def test_parse_amount_cents() -> None:
    assert parse_amount_cents("49", "99") == 4999
    assert parse_amount_cents("49.9") == 4990
    assert parse_amount_cents("80") == 8000
