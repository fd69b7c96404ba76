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
`english_words`). Less common English words (`CorrectionLexicon.uncommon`: "bloke", "skint",
"wellies", from wordfreq, see `uncommon_english_words`) are replaced only by a term that sounds
exactly like them ("seri" -> "sari", never "bloke" -> "blouse"). `pick_hypothesis` rescores beam
hypotheses with the same lexicon.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from doublemetaphone import doublemetaphone
from rapidfuzz import fuzz, process
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
SLOT_LENGTH_RATIO = 1.5
SLOT_SPELLING_RATIO = 55.0
SLOT_FUZZY_CODE = 4
"""An English word in a slot that needs a catalog word (`_slot_replacement`) may differ a little more."""
UNCOMMON_MIN_ZIPF = 2.3
"""wordfreq's Zipf frequency (log10 per billion words) from which a word counts as English that a
shopper may well have said: about once in five million words ("skint" 2.4, "wellies" 2.5, "togs" 2.0 no)."""
FUNCTION_WORDS = frozenset(
    "a an the this that these those it its i me my you your he him his she her we us our they them "
    "their and or but so if though although because as of to in on at by for with from into than then "
    "is are was were be been am do does did have has had not no".split()
)
"""Closed-class words: a pair of heard words starting with one is not a misheard product word
("red though it" is no "red tote", "wool? i itch" no "watch")."""


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
    uncommon: frozenset[str] = frozenset()
    """Less common English words: replaced only by a term with the very same sound code, spelled
    as alike as a brand word (WEAK_SPELLING_RATIO)."""
    products: frozenset[str] = frozenset()
    """Single-word product terms that case 3 may produce (garments, plural forms included)."""
    weak: frozenset[str] = frozenset()
    """Terms written only for an exact sound match and a close spelling (brand words: there are
    hundreds, so a loose match would turn names and slips into brands)."""
    max_code_distance: int = 1
    brands: tuple[tuple[str, str], ...] = ()
    """(spoken form, catalog name) of each brand for the phrase pass (`brand_phrases`): lower-case
    words, e.g. ("van heusen", "Van Heusen"), ("hrx", "HRX by Hrithik Roshan")."""
    _codes: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _brand_index: BrandIndex | None = field(init=False, repr=False, compare=False, default=None)
    _strong: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self) -> None:
        codes = {t: phonetic_codes(t) for t in self.terms}
        object.__setattr__(self, "_codes", {t: c for t, c in codes.items() if c})
        object.__setattr__(self, "_strong", self.terms - self.weak)
        if self.brands:
            object.__setattr__(self, "_brand_index", BrandIndex(self.brands))

    @classmethod
    def build(
        cls,
        terms: Iterable[str],
        *,
        describers: Iterable[str] = (),
        products: Iterable[str] = (),
        weak: Iterable[str] = (),
        english: Iterable[str] = (),
        uncommon: Iterable[str] = (),
        max_code_distance: int = 1,
        brands: Iterable[str] = (),
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
            uncommon=frozenset(w.lower() for w in uncommon),
            products=frozenset(product_forms),
            max_code_distance=max_code_distance,
            brands=_brand_table(brands),
        )

    def is_known(self, word: str) -> bool:
        """A catalog term or an English word, also in a plural or possessive form ("soaks", "sister's")."""
        w = word.lower()
        if "'" in w:
            return True
        forms = {w, w.removesuffix("s"), w.removesuffix("es")}
        return any(f in self.terms or f in self.english for f in forms)

    def nearest(self, spoken: str) -> str | None:
        """The catalog term that sounds most like `spoken` (ties: closer spelling), or None; for a
        less common English word only a term that sounds exactly alike."""
        codes = phonetic_codes(spoken)
        exact_only = spoken.lower() in self.uncommon
        if not codes:
            return None
        best: tuple[int, float, str] | None = None
        for term, term_codes in self._codes.items():
            if not _alike_shape(spoken, term, codes, term_codes):
                continue
            distance = _code_distance(codes, term_codes)
            short = min(len(c) for c in codes + term_codes) < MIN_CODE_FOR_FUZZY
            if distance > (0 if term in self.weak or short or exact_only else self.max_code_distance):
                continue
            spelling = fuzz.ratio(spoken.lower().replace(" ", ""), term.replace(" ", ""))
            if spelling < (WEAK_SPELLING_RATIO if term in self.weak or exact_only else MIN_SPELLING_RATIO):
                continue
            key = (distance, -spelling, term)
            if best is None or key < best:
                best = key
        return best[2] if best else None


    def nearest_in_slot(self, heard: str, candidates: Iterable[str], max_distance: int, min_spelling: float) -> str | None:
        """The candidate that sounds like `heard` where the sentence needs one (`_slot_replacement`):
        codes within `max_distance` edits (exact for codes shorter than SLOT_FUZZY_CODE), the same
        onset, lengths within SLOT_LENGTH_RATIO, spelling ratio >= `min_spelling`; ties: closer spelling."""
        codes = phonetic_codes(heard)
        best: tuple[int, float, str] | None = None
        for term in candidates:
            term_codes = self._codes.get(term, ())
            if not codes or not term_codes or not any(x[:1] == y[:1] for x in codes for y in term_codes):
                continue
            distance = _code_distance(codes, term_codes)
            fuzzy = min(len(c) for c in codes + term_codes) >= SLOT_FUZZY_CODE
            spelling = fuzz.ratio(heard, term.replace(" ", ""))
            a, b = len(heard), len(term.replace(" ", ""))
            if (max(a, b) > SLOT_LENGTH_RATIO * min(a, b) or distance > (max_distance if fuzzy else 0)
                    or spelling < min_spelling):
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
    """'kurta' -> 'kurtas', 'dress' -> 'dresses', 'clutch' -> 'clutches', 'heels' -> 'heels',
    'scarf' -> 'scarves'."""
    if word.endswith("s") and not word.endswith("ss"):
        return word
    if word.endswith("rf"):
        return word[:-1] + "ves"
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
    if lexicon._brand_index is not None:
        text = lexicon._brand_index.correct(text, lexicon)
    spans = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    words = [w.lower() for _, _, w in spans]
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
                replacement = lexicon.nearest(word) or _slot_replacement(spans, words, i, text, lexicon)
        elif replacement is None and len(word) >= MIN_WORD_CHARS and word.lower() not in lexicon._strong:
            replacement = _slot_replacement(spans, words, i, text, lexicon)
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


def _slot_replacement(
    spans: list[tuple[int, int, str]], words: list[str], i: int, text: str, lexicon: CorrectionLexicon
) -> str | None:
    """A word where the sentence needs a catalog word, replaced by one that sounds alike.

    Three slots, each with its own bar: after "<product> and a", a product word within one sound
    edit ("a swimsuit and a captain" -> kaftan); right after a describer, a word outside Whisper's
    common words (sound code of three or more) that sounds exactly like a product word ("a lavender
    nitrous" -> nightdress, never "black these" -> tees); and "in <word>" ending a request that names a
    product, a describer that sounds exactly alike ("a floral skirt in beach" -> peach). Elsewhere
    "captain" stays a captain. ``words`` are the lower-cased words of ``spans``, made once per transcript.
    """

    def joined(k: int) -> bool:  # words k-1 and k with no punctuation between them
        return k >= 1 and not text[spans[k - 1][1]:spans[k][0]].strip()

    word, products = words[i], lexicon.products - set(words[:i])
    if "'" in word or (i + 1 < len(words) and joined(i + 1) and words[i + 1] in lexicon.terms):
        return None  # "she's"; a word before a catalog word describes it ("a sports bra")
    if (i >= 3 and joined(i) and joined(i - 1) and words[i - 1] in ("a", "an") and words[i - 2] == "and"
            and any(words[i - 3].endswith(p) for p in lexicon.products)):
        return lexicon.nearest_in_slot(word, products, max_distance=1, min_spelling=SLOT_SPELLING_RATIO)
    if (joined(i) and words[i - 1] in lexicon.describers and word not in lexicon.english
            and min(map(len, phonetic_codes(word)), default=0) >= MIN_CODE_FOR_FUZZY):
        return lexicon.nearest_in_slot(word, products, max_distance=0, min_spelling=SLOT_SPELLING_RATIO)
    last = i + 1 == len(spans) or not joined(i + 1)
    if joined(i) and words[i - 1] == "in" and last and any(w in lexicon.products for w in words[:i]):
        return lexicon.nearest_in_slot(word, lexicon.describers, max_distance=0, min_spelling=MIN_SPELLING_RATIO)
    return None


def _pair_replacement(
    spans: list[tuple[int, int, str]], i: int, text: str, lexicon: CorrectionLexicon
) -> str | None:
    """Two words after a describer that sound exactly like one product word ('back us' -> 'bags')."""
    if i + 1 >= len(spans):
        return None
    (_, end0, first), (start1, _, second) = spans[i], spans[i + 1]
    if (
        text[spans[i - 1][1]:spans[i][0]].strip()
        or text[end0:start1].strip(" -")
        or first.lower() in FUNCTION_WORDS
        or first.lower() in lexicon.terms
        or second.lower() in lexicon.terms
    ):
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


def uncommon_english_words(min_zipf: float = UNCOMMON_MIN_ZIPF) -> frozenset[str]:
    """Lower-case English words of at least 3 letters with wordfreq's Zipf frequency >= `min_zipf`
    (its "large" English list, shipped inside the wheel; ~64k words, 0.2 s)."""
    from wordfreq import get_frequency_dict

    floor = 10 ** (min_zipf - 9)
    return frozenset(
        w for w, f in get_frequency_dict("en", wordlist="large").items()
        if f >= floor and len(w) >= 3 and w.isalpha() and w.isascii()
    )


RESCORE_MARGIN = 0.15
"""Hypotheses within this many nats per token of the best one compete on catalog words."""


def catalog_fit(text: str, lexicon: CorrectionLexicon) -> int:
    """Catalog words in `text` minus words that are neither catalog nor English ("soakserian");
    a whole brand name counts as one catalog word (not a brand that is one English word, "Only")."""
    score = 0
    for word in WORD.findall(text):
        w = word.lower()
        if w in lexicon.terms and w not in lexicon.weak:
            score += 1
        elif len(w) >= MIN_WORD_CHARS and not lexicon.is_known(w):
            score -= 1
    if lexicon._brand_index is not None:
        score += lexicon._brand_index.mentions(text, lexicon)
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


# -- brand phrases ----------------------------------------------------------------------------------
MAX_BRAND_WORDS = 3
"""Longest run of heard words matched against one brand ("tommy till fidgett")."""
MIN_BRAND_CHARS = 4
"""Brand forms shorter than this (letters) are left to the NLU: "gap", "w" match too much."""
BRAND_PREFILTER_RATIO = 55.0
"""Spelling ratio (rapidfuzz, letters only) a brand needs to be looked at closely."""
BRAND_SPELLING_RATIO = 60.0
"""A brand heard as pieces with no word right ("poo-mas" -> Puma): the same sound and this spelling."""
SHARED_SPELLING_RATIO = 70.0
"""A brand with one word heard right ("Van Huesa", "Indian Drain"): the whole phrase spelled this alike."""
BRAND_MARGIN = 5.0
"""The best brand must beat the next one by a phonetic edit or this much spelling ratio."""


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _squash(text: str) -> str:
    """Letters with doubled letters and a plural 's' dropped: 'fast tracks' and 'Fastrack' -> 'fastrack'."""
    return re.sub(r"(.)\1+", r"\1", _letters(text)).removesuffix("s")


def brand_forms(name: str) -> tuple[str, ...]:
    """Spoken forms of a catalog brand: 'HRX by Hrithik Roshan' -> ('hrx by hrithik roshan', 'hrx')."""
    norm = " ".join(re.findall(r"[a-z0-9]+", name.lower()))
    forms = [norm]
    if " by " in f" {norm} ":
        forms.append(norm.split(" by ")[0].strip())
    return tuple(f for f in dict.fromkeys(forms) if len(_letters(f)) >= MIN_BRAND_CHARS)


def _brand_table(brands: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(spoken form, catalog name) pairs; the first (most popular) brand keeps a shared form."""
    table: dict[str, str] = {}
    for name in brands:
        for form in brand_forms(name):
            table.setdefault(form, name)
    return tuple(table.items())


@dataclass(frozen=True)
class _BrandForm:
    form: str
    name: str
    words: frozenset[str]
    letters: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    letters: str
    parts: tuple[str, ...]


class BrandIndex:
    """Multi-word brand names matched by sound over runs of 1-3 heard words (`correct`)."""

    def __init__(self, table: Sequence[tuple[str, str]]) -> None:
        self.forms = [
            _BrandForm(form, name, frozenset(w for w in form.split() if len(w) >= 3), _letters(form),
                       tuple(dict.fromkeys(phonetic_codes(form) + phonetic_codes(form + "s" if " " not in form else form))))
            for form, name in table
        ]
        self._choices = [f.letters for f in self.forms]
        self._by_words = {tuple(f.form.split()): f for f in self.forms}
        self._longest = max((len(words) for words in self._by_words), default=0)

    def mentions(self, text: str, lexicon: CorrectionLexicon) -> int:
        """Whole brand names in `text` ("Van Heusen", "Raymond"), brands that are one English word left out."""
        words = [m.group().lower() for m in WORD.finditer(text)]
        count = 0
        for n in range(1, self._longest + 1):
            for i in range(len(words) - n + 1):
                gram = tuple(words[i : i + n])
                if gram in self._by_words and not (n == 1 and gram[0] in lexicon.english):
                    count += 1
        return count

    def correct(self, text: str, lexicon: CorrectionLexicon) -> str:
        """`text` with phrases that sound like a catalog brand replaced by its name; unchanged when unsure.

        A run of heard words becomes a brand when (1) its letters are the brand's ("fast tracks"), or
        (2) one of its words is a word of the brand and the rest are not English ("Van Huesa",
        "Tommy Tillfidgett") or sound exactly alike ("Indian Drain"), or (3) it is the brand cut into
        pieces: it starts with a non-word, holds no other English word of four letters or more, sounds
        exactly like the brand and is spelled alike ("poo-mas" -> Puma). One plain word is left to
        `CorrectionLexicon.nearest` (brand words need an exact sound and a close spelling there).
        Catalog words (colours, garments) are never swallowed, and the best brand needs a margin
        over the next one (`BRAND_MARGIN`).
        """
        tokens = _tokens(text)
        strong = lexicon._strong
        found: list[tuple[tuple[int, float, int], int, int, str | None]] = []
        for i in range(len(tokens)):
            for n in range(1, MAX_BRAND_WORDS + 1):
                gram = tokens[i : i + n]
                if len(gram) < n or any(text[a.end : b.start].strip() for a, b in pairwise(gram)):
                    break
                hit = self._match(gram, lexicon, strong)
                if hit is not None:
                    found.append((hit[0], i, i + n, hit[1]))
        taken: set[int] = set()
        chosen: list[tuple[int, int, str | None]] = []
        for _, start, end, name in sorted(found):
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                chosen.append((start, end, name))
        out, cursor = [], 0
        for start, end, name in sorted(chosen):
            if name is None:  # the brand was heard right: keep it
                continue
            out += [text[cursor : tokens[start].start], name]
            cursor = tokens[end - 1].end
        return "".join(out) + text[cursor:]

    def _match(
        self, gram: Sequence[_Token], lexicon: CorrectionLexicon, strong: frozenset[str]
    ) -> tuple[tuple[int, float, int], str | None] | None:
        heard = "".join(t.letters for t in gram)
        words = [t.letters for t in gram]
        if len(heard) < MIN_BRAND_CHARS:
            return None
        codes = phonetic_codes(heard)
        ranked: list[tuple[int, float, _BrandForm]] = []
        for _, _, index in process.extract(
            heard, self._choices, scorer=fuzz.ratio, score_cutoff=BRAND_PREFILTER_RATIO, limit=8
        ):
            brand = self.forms[index]
            if words == brand.form.split():
                return (-1, 0.0, -len(gram)), None  # said right: claim the span, change nothing
            accepted = self._accept(gram, heard, codes, brand, lexicon, strong)
            if accepted is not None:
                ranked.append((*accepted, brand))
        if not ranked:
            return None
        ranked.sort(key=lambda r: (r[0], -r[1]))
        distance, spelling, best = ranked[0]
        rival = next((r for r in ranked[1:] if r[2].name != best.name), None)
        if rival is not None and rival[0] == distance and spelling - rival[1] < BRAND_MARGIN:
            return None
        return (distance, -spelling, -len(gram)), best.name

    @staticmethod
    def _accept(
        gram: Sequence[_Token],
        heard: str,
        codes: tuple[str, ...],
        brand: _BrandForm,
        lexicon: CorrectionLexicon,
        strong: frozenset[str],
    ) -> tuple[int, float] | None:
        """(phonetic distance, spelling ratio) when `gram` may be a mishearing of `brand`, else None."""
        plural = brand.letters + "s" if " " not in brand.form else brand.letters
        if not codes or not brand.codes or not any(
            max(len(heard), len(b)) <= MAX_LENGTH_RATIO * min(len(heard), len(b)) for b in (brand.letters, plural)
        ):
            return None
        shared = [t for t in gram if t.letters in brand.words]
        others = [t for t in gram if t.letters not in brand.words]
        if any(t.letters in strong for t in others):
            return None  # never swallow a colour or a garment
        if not others:
            return None  # part of a brand heard right ("Louis"): the NLU decides what it means
        split = len(gram) > 1 or len(gram[0].parts) > 1
        distance = _code_distance(codes, brand.codes)
        spelling = max(fuzz.ratio(heard, brand.letters), fuzz.ratio(heard, plural))
        if split and _squash(heard) == _squash(brand.letters):
            return 0, 100.0  # the brand's own letters, cut differently ("fast tracks", "La Vie")
        if not any(x[:1] == y[:1] for x in codes for y in brand.codes):
            return None
        unknown = [t for t in others if not _known_token(t, lexicon)]
        shortest = min(len(c) for c in codes + brand.codes)
        if shared:  # the other words: non-words, or (all) words that sound exactly alike, never "in"
            fits = len(unknown) == len(others) or (
                distance == 0 and all(len(t.letters) >= MIN_WORD_CHARS for t in others))
            if fits and distance <= (2 if shortest >= 5 else 1) and spelling >= SHARED_SPELLING_RATIO:
                return distance, spelling
            return None
        # Nothing heard right: the run must be a brand cut into pieces ("poo-mas") that starts with a
        # non-word, holds no other English word, and sounds exactly like the brand (one edit let
        # "rame in" become RAISIN rather than Raymond).
        if not split or not unknown or gram[0] is not unknown[0]:
            return None
        if any(t not in unknown and len(t.letters) >= MIN_WORD_CHARS for t in others):
            return None
        if distance == 0 and spelling >= BRAND_SPELLING_RATIO:
            return distance, spelling
        return None


def _known_token(token: _Token, lexicon: CorrectionLexicon) -> bool:
    """Short words, English and catalog words; a hyphenated word ("poo-mas") when its joined form is one."""
    return len(token.letters) < MIN_WORD_CHARS or lexicon.is_known(token.letters)


def _tokens(text: str) -> list[_Token]:
    """Words of `text`; hyphenated pieces ("band-hueson") are one token."""
    tokens: list[_Token] = []
    for m in WORD.finditer(text):
        if tokens and text[tokens[-1].end : m.start()] == "-":
            prev = tokens[-1]
            tokens[-1] = _Token(prev.start, m.end(), prev.letters + _letters(m.group()), (*prev.parts, m.group()))
        else:
            tokens.append(_Token(m.start(), m.end(), _letters(m.group()), (m.group(),)))
    return tokens
