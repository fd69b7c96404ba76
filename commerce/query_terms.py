"""Structured terms inside a free-text search query (pure): category, colour, gender, price bounds.

"blue dresses under $80" is a category (dresses), a colour (blue) and a price bound (8000 cents),
not three words to match in descriptions: full-text matching alone ranked blue jeans first,
because "80" matched nothing and the query fell back to any word. ``parse_query`` pulls these
terms out; ``commerce.search`` applies them as filters and matches only the remaining words.

Rules: the LAST category phrase is the garment ("shirt dress" → dresses, "dress shoes" → shoes;
the other category words stay in the text); activity words ("running", "gym") are not garments;
colour phrases are whole words ("navy blue", "off white"; "gray" → grey); gender words
("women's", "for men", "ladies"); prices with a bound word ("under", "below", "less than", "up
to", "over", "above", "from", "at least", "between … and …", "20-50"), in dollars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from commerce.catalog.vocabulary import PRODUCT_TYPES, TYPE_WORDS


def _names_its_own_category(phrase: str, category: str) -> bool:
    """"kurta set" (ethnic sets) is not a kurta (kurtas): the whole phrase names the category."""
    return any(PRODUCT_TYPES[TYPE_WORDS[word]].category not in (None, category)
               for word in phrase.split() if word in TYPE_WORDS)


# Garment nouns → demo category: the shop's one vocabulary (commerce.catalog.vocabulary), plus the
# singular stems of plural-only words that ``_singular`` produces. Several-word names of narrower types
# are left out, so their descriptive word is still matched as text, unless a word in them belongs to
# another category ("kurta set" is an ethnic set, not a kurta).
CATEGORY_WORDS: dict[str, str] = {
    **{phrase: category for phrase, name in TYPE_WORDS.items()  # "running shoes" keeps "running" as a word
       if (category := PRODUCT_TYPES[name].category) is not None
       and (" " not in phrase or not PRODUCT_TYPES[name].stems or _names_its_own_category(phrase, category))},
    "jegging": "jeans", "culotte": "trousers", "short": "shorts", "salwar": "ethnic_sets",
    "pyjama": "nightwear", "pajama": "nightwear", "brief": "innerwear", "boxer": "innerwear",
    "trunk": "innerwear", "tight": "activewear", "flip-flop": "sandals", "slipper": "sandals",
    "slider": "sandals", "flat": "sandals", "wedge": "sandals", "sunglass": "accessories",
}
# Catalog colour words (docs/catalog.md: Primary_Color, lower case); synonyms map to them.
COLOUR_WORDS: dict[str, str] = {
    c: c for c in (
        "black", "white", "blue", "navy blue", "red", "green", "grey", "pink", "beige", "maroon",
        "yellow", "brown", "purple", "orange", "gold", "silver", "olive", "cream", "teal", "khaki",
        "peach", "mustard", "lavender", "magenta", "rust", "tan", "burgundy", "turquoise", "charcoal",
        "off white", "copper", "coral", "fuchsia", "violet", "bronze", "taupe", "nude",
    )
}
COLOUR_WORDS.update({"gray": "grey", "navy": "navy blue", "golden": "gold", "offwhite": "off white"})
GENDER_WORDS: dict[str, str] = {
    "men": "men", "mens": "men", "man": "men", "male": "men", "gents": "men",
    "women": "women", "womens": "women", "woman": "women", "ladies": "women", "lady": "women",
    "female": "women",
    "boys": "boys", "boy": "boys", "girls": "girls", "girl": "girls", "unisex": "unisex",
}
_MAX_WORDS = max(len(k.split()) for k in (*CATEGORY_WORDS, *COLOUR_WORDS))
_NUM = r"\$?\s*(\d+(?:\.\d{1,2})?)\s*(?:dollars?|bucks|usd|\$)?"
_PRICE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("between", re.compile(rf"\b(?:between|from)\s+{_NUM}\s*(?:and|to|-)\s*{_NUM}")),
    ("between", re.compile(rf"(?<![\w.]){_NUM}\s*(?:-|to)\s*{_NUM}(?![\w.])")),
    ("max", re.compile(rf"\b(?:under|below|less\s+than|cheaper\s+than|up\s+to|upto|max(?:imum)?|"
                       rf"at\s+most|within|no\s+more\s+than)\s+{_NUM}")),
    ("min", re.compile(rf"\b(?:over|above|more\s+than|at\s+least|min(?:imum)?|from|starting\s+at)\s+{_NUM}")),
)
_STRIP_WORDS = frozenset({"for", "in", "a", "an", "the", "some", "with", "of", "and", "colour", "color",
                          "coloured", "colored", "size"})


@dataclass(frozen=True)
class QueryTerms:
    """What ``parse_query`` found; ``text`` is the rest to match as words (None when nothing is left)."""

    text: str | None
    category: str | None = None
    colour: str | None = None
    gender: str | None = None
    price_min_cents: int | None = None
    price_max_cents: int | None = None

    @property
    def found(self) -> bool:
        return any(v is not None for v in (self.category, self.colour, self.gender,
                                           self.price_min_cents, self.price_max_cents))


def _cents(raw: str) -> int | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return int(value * 100) if 0 < value < 1_000_000 else None


def _singular(word: str) -> list[str]:
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    return forms


def _lookup(words: list[str], table: dict[str, str]) -> str | None:
    phrase = " ".join(words)
    if phrase in table:
        return table[phrase]
    head, last = words[:-1], words[-1]
    for form in _singular(last)[1:]:
        candidate = " ".join([*head, form])
        if candidate in table:
            return table[candidate]
    return None


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("'s", "s").replace("'", "")
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text)


def _find(tokens: list[str], table: dict[str, str], *, last: bool) -> tuple[str, int, int] | None:
    """(value, start, end) of the first (or last) phrase of ``table`` in ``tokens``, longest first."""
    hits: list[tuple[str, int, int]] = []
    i = 0
    while i < len(tokens):
        for n in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
            value = _lookup(tokens[i : i + n], table)
            if value is not None:
                hits.append((value, i, i + n))
                i += n - 1
                break
        i += 1
    if not hits:
        return None
    return hits[-1] if last else hits[0]


def _prices(text: str) -> tuple[str, int | None, int | None]:
    """Text without its price phrases, and the bounds they set (cents)."""
    low = high = None
    for kind, pattern in _PRICE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        if kind == "between":
            a, b = _cents(match.group(1)), _cents(match.group(2))
            if a is None or b is None:
                continue
            low, high = min(a, b), max(a, b)
        elif kind == "max" and high is None:
            high = _cents(match.group(1))
        elif kind == "min" and low is None:
            low = _cents(match.group(1))
        text = text[: match.start()] + " " + text[match.end() :]
    return text, low, high


def parse_query(query: str) -> QueryTerms:
    """Split ``query`` into structured terms and the words left to match (pure, no I/O)."""
    text, low, high = _prices(query.lower())
    tokens = _tokens(text)
    found: dict[str, str] = {}
    for name, table, last in (("category", CATEGORY_WORDS, True), ("colour", COLOUR_WORDS, False)):
        hit = _find(tokens, table, last=last)
        if hit is not None:
            found[name] = hit[0]
            tokens = tokens[: hit[1]] + tokens[hit[2] :]
    for i, token in enumerate(tokens):
        if token in GENDER_WORDS:
            found["gender"] = GENDER_WORDS[token]
            tokens = tokens[:i] + tokens[i + 1 :]
            break
    rest = [t for t in tokens if t not in _STRIP_WORDS]
    return QueryTerms(
        text=" ".join(rest) or None, category=found.get("category"), colour=found.get("colour"),
        gender=found.get("gender"), price_min_cents=low, price_max_cents=high,
    )
