"""Post-ASR correction: map misheard words to catalog terms by sound. Pure: (text, lexicon) -> text.

Whisper writes catalog words it has rarely seen as look-alike spellings ("red curtus", "sary",
"dressbery") or glues two words ("Blackheels"). `correct_transcript` fixes three cases and leaves
everything else alone:

1. **Glued words**: a word that is not English but splits into a describing word (colour, material,
   style) and a product word ("blackheels" -> "black heels").
2. **Out-of-vocabulary words**: a word that is neither English nor a catalog term and sounds like one
   catalog term (Double Metaphone codes within `max_code_distance` edits, spelling similar enough)
   is replaced by that term ("curtus" -> "kurtas", "Sarri" -> "sari").
3. **Split product words after a describing word**: two English words right after a colour or
   material that together sound exactly like a product word ("leather back us" -> "leather bags").

Real English words are never replaced on their own: "captain" stays "captain" even though the shop
sells kaftans, because the sentence may well be about a captain. "English" is the word list in
`CorrectionLexicon.english` (built from Whisper's own tokenizer vocabulary, see
`english_words`). `pick_hypothesis` rescores beam hypotheses with the same lexicon.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from doublemetaphone import doublemetaphone
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

WORD = re.compile(r"[A-Za-z][A-Za-z'&.]*[A-Za-z]|[A-Za-z]")
MIN_WORD_CHARS = 4
"""Shorter unknown words ("uh", "ok") are left alone: their codes match too many terms."""
MIN_SPELLING_RATIO = 65.0
"""A replacement must also look somewhat alike (rapidfuzz ratio of the letters, 0-100)."""
WEAK_SPELLING_RATIO = 75.0
"""The same for brand words (`CorrectionLexicon.weak`)."""
PAIR_SPELLING_RATIO = 50.0
"""Two words after a describer must sound exactly like the product word, so spelling may differ more."""
MAX_LENGTH_RATIO = 1.34
"""A replacement is at most a third longer or shorter than the word heard ("trecks" is no "tracksuit")."""
MIN_CODE_FOR_FUZZY = 3
"""Codes shorter than this must match exactly (one edit in "PL" is half the word)."""


def phonetic_codes(text: str) -> tuple[str, ...]:
    """Double Metaphone primary (and secondary, when different) code of `text` without spaces."""
    compact = re.sub(r"[^a-z]", "", text.lower())
    if not compact:
        return ()
    primary, secondary = doublemetaphone(compact)
    return tuple(dict.fromkeys(c for c in (primary, secondary) if c))


def _code_distance(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    return min((Levenshtein.distance(x, y) for x in a for y in b), default=99)


@dataclass(frozen=True)
class CorrectionLexicon:
    """What the corrector may write (`terms`) and what it must leave alone (`english`).

    `terms` are lower-case catalog words and phrases (garments, colours, materials, brands);
    `describers` are the terms after which a product word is expected (colours, materials, styles).
    """

    terms: frozenset[str]
    describers: frozenset[str] = frozenset()
    english: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    """Single-word product terms that case 3 may produce (garments, plural forms included)."""
    weak: frozenset[str] = frozenset()
    """Terms written only for an exact sound match and a close spelling (brand words: there are
    hundreds, so a loose match would turn names and slips into brands)."""
    max_code_distance: int = 1
    _codes: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        codes = {t: phonetic_codes(t) for t in self.terms}
        object.__setattr__(self, "_codes", {t: c for t, c in codes.items() if c})

    @classmethod
    def build(
        cls,
        terms: Iterable[str],
        *,
        describers: Iterable[str] = (),
        products: Iterable[str] = (),
        weak: Iterable[str] = (),
        english: Iterable[str] = (),
        max_code_distance: int = 1,
    ) -> CorrectionLexicon:
        """Lower-case everything; products are terms too, and get their plural forms added."""
        product_forms = {p.lower() for p in products} | {plural(p.lower()) for p in products}
        strong = {t.lower().strip() for t in terms if t.strip()} | product_forms
        weak_terms = {w.lower().strip() for w in weak if w.strip()} - strong
        return cls(
            terms=frozenset(strong | weak_terms),
            weak=frozenset(weak_terms),
            describers=frozenset(d.lower() for d in describers),
            english=frozenset(w.lower() for w in english),
            products=frozenset(product_forms),
            max_code_distance=max_code_distance,
        )

    def is_known(self, word: str) -> bool:
        """A catalog term or an English word, also in a plural or possessive form ("soaks", "sister's")."""
        w = word.lower()
        if "'" in w:
            return True
        forms = {w, w.removesuffix("s"), w.removesuffix("es")}
        return any(f in self.terms or f in self.english for f in forms)

    def nearest(self, spoken: str) -> str | None:
        """The catalog term that sounds most like `spoken` (ties: closer spelling), or None."""
        codes = phonetic_codes(spoken)
        if not codes:
            return None
        best: tuple[int, float, str] | None = None
        for term, term_codes in self._codes.items():
            if not _alike_shape(spoken, term, codes, term_codes):
                continue
            distance = _code_distance(codes, term_codes)
            short = min(len(c) for c in codes + term_codes) < MIN_CODE_FOR_FUZZY
            if distance > (0 if term in self.weak or short else self.max_code_distance):
                continue
            spelling = fuzz.ratio(spoken.lower().replace(" ", ""), term.replace(" ", ""))
            if spelling < (WEAK_SPELLING_RATIO if term in self.weak else MIN_SPELLING_RATIO):
                continue
            key = (distance, -spelling, term)
            if best is None or key < best:
                best = key
        return best[2] if best else None


def _alike_shape(spoken: str, term: str, codes: tuple[str, ...], term_codes: tuple[str, ...]) -> bool:
    """Same first consonant sound and lengths within a factor of MAX_LENGTH_RATIO."""
    a, b = len(spoken.replace(" ", "")), len(term.replace(" ", ""))
    same_onset = any(x[:1] == y[:1] for x in codes for y in term_codes)
    return same_onset and max(a, b) <= MAX_LENGTH_RATIO * min(a, b)


def plural(word: str) -> str:
    """'kurta' -> 'kurtas', 'dress' -> 'dresses', 'clutch' -> 'clutches', 'heels' -> 'heels'."""
    if word.endswith("s") and not word.endswith("ss"):
        return word
    return word + ("es" if word.endswith(("ss", "sh", "ch", "x")) else "s")


def split_glued(word: str, lexicon: CorrectionLexicon) -> tuple[str, str] | None:
    """'blackheels' -> ('black', 'heels'): a describing word glued to a product word."""
    w = word.lower()
    for cut in range(len(w) - 3, 2, -1):
        left, right = w[:cut], w[cut:]
        if left in lexicon.describers and right in lexicon.products:
            return left, right
    return None


def correct_transcript(text: str, lexicon: CorrectionLexicon) -> str:
    """`text` with misheard catalog words replaced (see the module doc); unchanged when unsure."""
    spans = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    out: list[str] = []
    cursor = 0
    i = 0
    while i < len(spans):
        start, end, word = spans[i]
        replacement: str | None = None
        consumed = 1
        if i >= 1 and spans[i - 1][2].lower() in lexicon.describers:
            pair = _pair_replacement(spans, i, text, lexicon)
            if pair is not None:
                replacement, consumed = pair, 2
        if replacement is None and len(word) >= MIN_WORD_CHARS and not lexicon.is_known(word):
            glued = split_glued(word, lexicon)
            if glued is not None:
                replacement = " ".join(glued)
            else:
                replacement = lexicon.nearest(word)
        if replacement is None:
            i += 1
            continue
        end = spans[i + consumed - 1][1]
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
        i += consumed
    out.append(text[cursor:])
    return "".join(out)


def _pair_replacement(
    spans: list[tuple[int, int, str]], i: int, text: str, lexicon: CorrectionLexicon
) -> str | None:
    """Two words after a describer that sound exactly like one product word ('back us' -> 'bags')."""
    if i + 1 >= len(spans):
        return None
    (_, end0, first), (start1, _, second) = spans[i], spans[i + 1]
    if text[end0:start1].strip(" -") or first.lower() in lexicon.terms or second.lower() in lexicon.terms:
        return None
    codes = phonetic_codes(first + second)
    for term in sorted(lexicon.products):
        if _code_distance(codes, phonetic_codes(term)) == 0 and fuzz.ratio(
            (first + second).lower(), term
        ) >= PAIR_SPELLING_RATIO:
            return term
    return None


def english_words_in(tokenizer_json: Path) -> frozenset[str]:
    """`english_words` of a Hugging Face `tokenizer.json` (e.g. `audio.models.bundled_tokenizer_path()`)."""
    return english_words(json.loads(Path(tokenizer_json).read_text())["model"]["vocab"])


def english_words(tokens: Iterable[str], min_chars: int = 3) -> frozenset[str]:
    """Whole English words in a GPT-2 style BPE vocabulary (Whisper's tokenizer).

    A word that is a single token with a leading space ("Ġcurtains") is frequent in Whisper's
    training text; a misspelling such as "curtus" never is. About 23k lower-case words.
    """
    words = set()
    for token in tokens:
        if token.startswith("\u0120"):
            word = token[1:]
            if len(word) >= min_chars and word.isalpha() and word.isascii():
                words.add(word.lower())
    return frozenset(words)


RESCORE_MARGIN = 0.15
"""Hypotheses within this many nats per token of the best one compete on catalog words."""


def catalog_fit(text: str, lexicon: CorrectionLexicon) -> int:
    """Catalog words in `text` minus words that are neither catalog nor English ("soakserian")."""
    score = 0
    for word in WORD.findall(text):
        w = word.lower()
        if w in lexicon.terms and w not in lexicon.weak:
            score += 1
        elif len(w) >= MIN_WORD_CHARS and not lexicon.is_known(w):
            score -= 1
    return score


def pick_hypothesis(
    hypotheses: Sequence[tuple[str, float]], lexicon: CorrectionLexicon, margin: float = RESCORE_MARGIN
) -> str:
    """Rescore beam hypotheses (text, avg_logprob) against the catalog; returns the corrected best.

    Each is corrected first; among those within `margin` of the most likely one, the one with the
    best `catalog_fit` wins (ties: the more likely). "a captain for my holiday" loses to "a kaftan
    for my holiday" when the model found both about equally likely.
    """
    if not hypotheses:
        return ""
    best_logprob = max(lp for _, lp in hypotheses)
    ranked = [
        (catalog_fit(fixed, lexicon), lp, fixed)
        for fixed, lp in ((correct_transcript(t, lexicon), lp) for t, lp in hypotheses)
        if lp >= best_logprob - margin
    ]
    return max(ranked, key=lambda r: (r[0], r[1]))[2]
