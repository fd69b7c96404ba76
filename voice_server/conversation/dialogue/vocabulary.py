"""Catalog vocabulary (brands, colours, categories) and fuzzy brand matching for ASR variants."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from doublemetaphone import doublemetaphone
from rapidfuzz import fuzz, process

from voice_server.conversation.dialogue.lexicon import COLOUR_SYNONYMS, COMMON_WORDS, SIZE_WORDS
from voice_server.conversation.dialogue.numbers import normalise_text

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "tops",
    "tshirts",
    "shirts",
    "sweaters",
    "jackets",
    "dresses",
    "kurtas",
    "sarees",
    "jeans",
    "trousers",
    "shorts",
    "skirts",
    "ethnic_sets",
    "nightwear",
    "innerwear",
    "activewear",
    "shoes",
    "sandals",
    "bags",
    "watches",
    "jewellery",
    "accessories",
)
_BRAND_CUE = re.compile(r"\b(?:from|by|brand|make|made by)\s*$")
FUZZY_CUTOFF = 85.0
MIN_FUZZY_CHARS = 5
SOUND_ALIKE_RATIO = 78.0
"""A brand heard or typed by ear ("kelvin klein") sounds exactly like it and is spelled this alike;"""
SOUND_ALIKE_WORD_RATIO = 85.0
"""one word ("nikey") more alike still: "maong" (denim in Tagalog) is no Mango."""
MIN_SOUND_CHARS = 4


def _squash(text: str) -> str:
    """Letters, doubled letters and a plural 's' dropped: 'fast tracks', 'Fastrack' -> 'fastrack'."""
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[^a-z]", "", text)).removesuffix("s")


def _sounds(text: str) -> frozenset[str]:
    """Double Metaphone codes (primary and secondary) of the squashed letters."""
    return frozenset(c for c in doublemetaphone(_squash(text)) if c)


_SPELLINGS_OF_A_SOUND = (("oo", "u"), ("ee", "i"), ("ph", "f"), ("ck", "k"), ("ey", "i"), ("y", "i"), ("z", "s"))


def _spelled_as_said(letters: str) -> str:
    """One spelling for each sound the shopper may write it with ("pooma" and "puma" → "puma")."""
    letters = letters.replace(" ", "")
    for written, sound in _SPELLINGS_OF_A_SOUND:
        letters = letters.replace(written, sound)
    return letters.removesuffix("h")


def _brand_aliases(brand: str) -> set[str]:
    """Spoken forms of a catalog brand: 'HRX by Hrithik Roshan' -> {'hrx by hrithik roshan', 'hrx'}."""
    norm = normalise_text(brand)
    aliases = {norm}
    if " by " in f" {norm} ":
        head = norm.split(" by ")[0].strip()
        if head:
            aliases.add(head)
    compact = norm.replace(" ", "")
    if len(compact) >= 3:
        aliases.add(compact)
    aliases.add(norm.replace(" and ", " "))
    if norm.startswith("u s "):
        aliases.add("us " + norm[4:])
    return {a for a in aliases if a}


def _is_ambiguous(alias: str) -> bool:
    """An alias made only of everyday words (or very short) needs a cue such as 'from' or 'by'."""
    tokens = alias.split()
    return len(alias) <= 2 or all(t in COMMON_WORDS or t in COLOUR_SYNONYMS for t in tokens)


# words that are also brands but, in "the ___ one", are the words: "the only one", "the even one"
_NOT_ONE_NAMED = frozenset({"only", "her", "and", "with", "even", "w", "id", "simply", "unknown", "people", "selected", "rare"})


@dataclass(frozen=True)
class BrandMatch:
    brand: str
    start: int
    end: int
    score: float


@dataclass
class Vocabulary:
    """Catalog words the NLU matches against. `brands` most popular first."""

    brands: Sequence[str]
    colours: Sequence[str]
    categories: Sequence[str] = DEFAULT_CATEGORIES
    _alias_to_brand: dict[str, str] = field(init=False, repr=False)
    _ambiguous: frozenset[str] = field(init=False, repr=False)
    _fuzzy_choices: list[str] = field(init=False, repr=False)
    _by_sound: dict[str, list[str]] = field(init=False, repr=False)
    _by_letters: dict[str, list[str]] = field(init=False, repr=False)
    _prefixes: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.colours = tuple(dict.fromkeys(c.strip().lower() for c in self.colours if c and c.strip()))
        alias_to_brand: dict[str, str] = {}
        for brand in self.brands:  # first (most popular) brand wins an alias
            for alias in _brand_aliases(brand):
                alias_to_brand.setdefault(alias, brand)
        self._alias_to_brand = alias_to_brand
        self._ambiguous = frozenset(a for a in alias_to_brand if _is_ambiguous(a))
        # "the tommy ones", "just the us polo ones": the start of a longer name, only with such a cue
        self._prefixes = {}
        for brand in self.brands:
            for words in {tuple(alias.split()) for alias in _brand_aliases(brand)}:
                for n in range(1, len(words)):
                    prefix = " ".join(words[:n])
                    if len(prefix.replace(" ", "")) >= MIN_SOUND_CHARS and prefix not in alias_to_brand and not (
                            any(w in COLOUR_SYNONYMS for w in words[:n]) or all(w in COMMON_WORDS for w in words[:n])):
                        self._prefixes.setdefault(prefix, brand)
        self._fuzzy_choices = [
            a for a in alias_to_brand if a not in self._ambiguous and len(a) >= MIN_FUZZY_CHARS
        ]
        self._by_sound, self._by_letters = {}, {}
        for alias in alias_to_brand:
            if alias in self._ambiguous or len(_squash(alias)) < MIN_SOUND_CHARS:
                continue
            if not _everyday(re.sub(r"[^a-z]", "", alias)):  # not "20dresses", "forever 21": a word anyone says
                self._by_letters.setdefault(_squash(alias), []).append(alias)
            if not all(w in COMMON_WORDS or not w.isalpha() or _everyday(w) for w in alias.split()):
                for code in _sounds(alias):  # not names made of everyday words ("marks and spencer") either
                    self._by_sound.setdefault(code, []).append(alias)

    @classmethod
    def from_lists(
        cls, brands: Iterable[str], colours: Iterable[str], categories: Iterable[str] | None = None
    ) -> Vocabulary:
        return cls(
            brands=tuple(brands),
            colours=tuple(colours),
            categories=tuple(categories) if categories is not None else DEFAULT_CATEGORIES,
        )

    def canonical_colour(self, spoken: str) -> str | None:
        """Map a spoken colour to a catalog colour ('navy blue' -> 'navy' when the catalog says Navy)."""
        candidates = COLOUR_SYNONYMS.get(spoken, (spoken,))
        for candidate in candidates:
            if candidate in self.colours:
                return candidate
        return candidates[0] if spoken in COLOUR_SYNONYMS else None

    def find_brand(self, text: str, known_words: frozenset[str] = frozenset(),
                   ruled_out_at: int | None = None) -> BrandMatch | None:
        """Best brand mentioned in normalised `text` (exact alias, spelled letters, or fuzzy).

        Fuzzy matching only looks at windows free of `known_words` (domain words like 'shoes'); a name
        that is also a word counts at token `ruled_out_at`, the first after a negation ("not campus").
        """
        tokens = text.split()
        spans: list[tuple[str, int, int]] = []
        for size in (4, 3, 2, 1):
            for i in range(len(tokens) - size + 1):
                window = tokens[i : i + size]
                spans.append((" ".join(window), i, i + size))
                if size > 1 and all(len(t) == 1 and t.isalpha() for t in window):
                    spans.append(("".join(window), i, i + size))  # "h r x" -> "hrx"
        for phrase, start, end in spans:
            brand = self._alias_to_brand.get(phrase) or self._prefixes.get(phrase)
            if brand is None:
                continue
            if (phrase in self._ambiguous or phrase in known_words or phrase in self._prefixes) and start != ruled_out_at and not _BRAND_CUE.search(
                    " ".join(tokens[:start])):  # "kurtis" are kurtis unless "from kurtis"
                after = tokens[end] if end < len(tokens) else ""
                # "the urban dog ones": a name between "the" and "ones" names a make
                named = (after in {"ones", "stuff"} or (after in {"one", "pair"} and phrase not in _NOT_ONE_NAMED)) and (
                    start > 0 and tokens[start - 1] in {"the", "those", "that"})  # "the gap one", not "the only one"
                named = named or (end == len(tokens) and start > 0 and tokens[start - 1] in {"only", "just"})  # "only gap"
                if not (after in {"brand", "brands"} or named):
                    continue
            return BrandMatch(brand, start, end, 100.0)
        best: BrandMatch | None = None
        spans = [(phrase, start, end) for phrase, start, end in spans  # "a ski trip to whistler": a place, no misheard make
                 if not (start > 0 and tokens[start - 1] in _PLACE_BEFORE)]
        for phrase, start, end in spans:
            words = phrase.split()
            if len(phrase) < MIN_FUZZY_CHARS or any(w in COMMON_WORDS or w in known_words for w in words) or all(
                    _everyday(w) for w in words):  # "he's forever saying": a word, not FOREVER 21 misheard
                continue
            hit = process.extractOne(
                phrase, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            if hit and (best is None or hit[1] > best.score):
                best = BrandMatch(self._alias_to_brand[hit[0]], start, end, float(hit[1]))
        return best or self._sounds_like(spans, known_words)

    def _sounds_like(self, spans: list[tuple[str, int, int]], known_words: frozenset[str]) -> BrandMatch | None:
        """A brand written as it sounds ("kelvin klein", "tommy hill figure", "nikey", "fast tracks"):
        the same letters once doubled letters and a plural are dropped, or (for names not made of
        everyday words) the same Double Metaphone code and a spelling at least `SOUND_ALIKE_RATIO`
        alike. Function words are never part of it; everyday or domain words alone are no brand ("a
        hill figure") unless they spell it ("fast track"), and beside a word of the brand they may be."""
        best: BrandMatch | None = None
        for phrase, start, end in spans:
            letters, words = _squash(phrase), phrase.split()
            if len(letters) < MIN_SOUND_CHARS or len(words) > 3 or not all(w.isalpha() for w in words):
                continue  # not "_" (a part already read), nor "100 pounds" (Ponds)
            cutoff = SOUND_ALIKE_RATIO if len(words) > 1 else SOUND_ALIKE_WORD_RATIO
            aliases = {*self._by_letters.get(letters, ()), *(a for code in _sounds(phrase) for a in self._by_sound.get(code, ()))}
            for alias in aliases:
                said = [w for w in words if w not in alias.split()]
                # "fast track": Fastrack, said as two words; "pooma": Puma, spelled as it sounds
                same_letters = letters == _squash(alias) or (
                    _squash(_spelled_as_said(phrase)) == _squash(_spelled_as_said(alias)) and not all(_everyday(w) for w in words))
                if not said or len(words) < len(alias.split()) or any(w in COMMON_WORDS for w in said) or (
                        len(said) == len(words) and all(w in known_words or (_everyday(w) and not same_letters)
                                                        for w in said)):
                    continue  # "just" is not Just Wow; "a hill figure", "and hes" no brand
                score = 100.0 if same_letters else fuzz.ratio(letters, _squash(alias))
                if score >= cutoff and (best is None or score > best.score):
                    best = BrandMatch(self._alias_to_brand[alias], start, end, score)
        return best


_PLACE_BEFORE = frozenset({"to", "in", "at", "near", "visiting"})  # words before a place name, not before a make heard wrong

EVERYDAY_ZIPF = 4.0
"""wordfreq's Zipf frequency from which a word is too common to be a misheard brand ("forever", "guess")."""


@lru_cache(maxsize=4096)
def _everyday(word: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= EVERYDAY_ZIPF


def hotwords(vocab: Vocabulary, max_brands: int = 40) -> str:
    """Short Whisper prompt biasing towards catalog words (well under ~200 tokens)."""
    brands = ", ".join(list(vocab.brands)[:max_brands])
    colours = ", ".join(list(vocab.colours)[:16])
    sizes = ", ".join(SIZE_WORDS[label] for label in ("XS", "S", "M", "L", "XL", "XXL"))
    return (
        f"Fashion shopping. Brands: {brands}. Colours: {colours}. Sizes: {sizes}. "
        "Kurta, saree, t-shirt, jeans, chinos, sneakers, hoodie, dollars."
    )
