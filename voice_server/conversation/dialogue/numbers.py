"""Spoken-number normalisation: "forty nine ninety nine" -> "49 99", "a hundred" -> "100".

Pure string functions; the NLU reads amounts, sizes and measurements from the digit form.
"""

from __future__ import annotations

import re
import unicodedata

from voice_server.conversation.dialogue.lexicon import CODE_SWITCH_WORDS, COLOUR_SYNONYMS

UNITS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "grand": 1000}

_PUNCT = re.compile(r"[^\w\s.$%/]")
_SPACES = re.compile(r"\s+")
_DOLLAR = re.compile(r"\$\s?(\d+(?:\.\d{1,2})?)")
_MONEY_SIGNS = {"£": "pounds", "€": "euros", "₹": "rupees"}
_SIGNED = re.compile(r"([£€₹])\s?(\d+(?:\.\d{1,2})?)")
# A currency written before the amount ("RM80", "Rs. 500", "S$50", "AED 400", "R200"): its code word after it
_PREFIXED = re.compile(r"(?<![\w$])(rs|inr|rm|myr|aed|sgd|s\$|a\$|au\$|nz\$|c\$|ca\$|j\$|hk\$|us\$|ksh|kshs|php|ngn|"
                       r"zar|bdt|tk|gbp|eur|usd|cad|aud|nzd|jmd|ghs|ghc|pkr|lkr|hkd|r)\.?\s?(\d+(?:\.\d{1,2})?)\b")
_PREFIX_CODE = {"rs": "inr", "rm": "myr", "s$": "sgd", "a$": "aud", "au$": "aud", "nz$": "nzd", "c$": "cad",
                "ca$": "cad", "j$": "jmd", "hk$": "hkd", "us$": "usd", "ghc": "ghs", "r": "zar"}
_DECIMAL_PRICE = re.compile(r"\b(\d+)\.(\d{2})\b")
_TOO_COMMA_SIZE = re.compile(r"\btoo\s*[,.;!]\s*(?=(?:in\s)?(?:extra\s|x\s?|double\s)?(?:small|medium|large|xs|xl|xxl|size)\b)")
_BLACK_TIE = re.compile(r"\bblack tie\b(?= (?:dinner|event|do|gala|party|wedding|affair|dress code|thing|function|ball|"
                        r"optional|night|evening|reception|invite|invitation|celebration|ceremony|only))|"
                        r"\b(?:(?<=its )|(?<=is )|(?<=was )|(?<=says )|(?<=said ))black tie\b")  # "the gala is black tie", "the invite says black tie"
_NUMBER_WORD = rf"(?:\d+|{'|'.join([*UNITS, *TENS, *SCALES])})"
# "the red one. 8": a size; "he's a size nine, sixty quid tops": a size, then a budget
_NUMBER_ENDS_SENTENCE = re.compile(rf"\b(?!one\b)({_NUMBER_WORD})\s*[.!?;]\s+(?={_NUMBER_WORD}\b)|"
                                   rf"\b(?!one\b|hundred\b|thousand\b|lakhs?\b|million\b)({_NUMBER_WORD})\s*,\s+"
                                   rf"(?={_NUMBER_WORD}(?: \w+)? (?:quid|dollars?|bucks?|pounds?|euros?|rupees?|grand|tops|max)\b)")
_NO_ENDS_SENTENCE = re.compile(r"\b(no|nah|nope)\s*[.!?;]\s+(?=[a-z])(?!(?:just|thanks|thank|i|im|lets|let|check|pay|that|"
                               r"thats|its|not|sorry|ok|okay|nothing|please|cancel|leave|dont|never|forget)\b)")
# "no, navy. navys better", "hmm no, white ones": a no to what is shown, then the colour wanted (not "no white")
_NO_COMMA_COLOUR = re.compile(
    r"\b(no|nah|nope)(?: no)?\s*,\s+(?=(?:" + "|".join(sorted(COLOUR_SYNONYMS, key=len, reverse=True))
    + r")(?: ones?| only| instead| then| please| is better| s better| would be better)?\s*(?:[.,!?]|$))")
_DIGIT_LETTER = re.compile(r"\b(\d+)(k|kg|kgs|cm|cms|lbs|lb|in|ft|xl|xxl)\b")


# Scots and Singlish words that carry a number, a limit or a "no": read before the amounts and the exclusions are
_DIALECT_WORDS_AS = {"hunner": "hundred", "ower": "over", "cannae": "cant", "dinnae": "dont", "nae": "no", "naw": "no",
                     "dun": "dont"}
_DIALECT_WORDS = re.compile(rf"\b(?:{'|'.join(_DIALECT_WORDS_AS)})\b")
# Scots "ma" and "ah" before what only "my" and "I" come before: "ma wee boy", "ah need" (not "a gift for ma")
_SCOTS_MY = re.compile(r"\bma (?=(?:wee|little|own|eldest|youngest|son|sons|daughter|daughters|boy|boys|girl|girls|lassie|"
                       r"laddie|lad|niece|nephew|man|wife|husband|pal|mate|maw|da|dad|mum|mam|granny|gran|grandson|"
                       r"granddaughter|sister|brother|wean|weans|bairn|bairns|girlfriend|boyfriend|partner|missus|cousin|"
                       r"auntie|uncle|kids|size|feet|heid|pals|mates)\b)")
_SCOTS_I = re.compile(r"\bah (?=(?:need|want|wanted|think|like|fancy|was|wis|dont|cant|canna|cannae|reckon|will|would|"
                      r"could|might|have|had|got|just|usually|always|take|wear|am)\b)")
# Irish, Australian and northern English "me" for "my": "in me cart", "for me mam" (not "for me, a jacket")
_ME_AS_MY = re.compile(r"(?<!give )(?<!show )(?<!tell )(?<!send )(?<!get )(?<!find )(?<!bring )(?<!buy )(?<!let )"
                       r"\bme (?=(?:cart|basket|trolley|bag|size|sizes|mum|mam|mom|ma|dad|da|wife|missus|husband|fella|son|"
                       r"daughter|boy|boys|girl|girls|kids|mate|mates|sister|brother|nan|nana|gran|granny|old man|old lady|"
                       r"own|feet|order|total)\b)")
_YE_AS_YES = re.compile(r"^\s*ye\b(?=\s*(?:$|[,.!]|confirm|go|ok|okay|sure|please|pls|do it|place|thats|that|thanks|lets))")
_SCOTS_TOO = re.compile(r"\btae(?=\s*(?:[,.!?]|$))")  # "joggy bottoms for him tae": too; else "tae go wi it": to


def normalise_text(text: str) -> str:
    """Lower-case, unify punctuation and money symbols; keeps digits, '.', '$' semantics."""
    t = text.lower().replace("’", "'").replace("–", " ").replace("—", " ")
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))  # "sí" -> "si"
    t = re.sub(r"([a-wyz])\1{2,}", r"\1", t)  # typed or heard drawn out: "yesss", "sooo cute" (not "xxxl")
    t = re.sub(r"(\w)'s\b", r"\1s", t)  # levi's -> levis, men's -> mens
    t = _TOO_COMMA_SIZE.sub("also ", t)  # "that one too, large" is no "too large"
    t = re.sub(r"\b(\w{2,}in)'(?!\w)", r"\1g", t)  # nothin' -> nothing, lookin' -> looking
    t = t.replace("'", "")  # don't -> dont
    t = t.replace("&", " and ").replace("-", " ").replace("_", " ")
    t = re.sub(r"\bsee ?through\b", "sheer", t)  # "nothing see-through": one word for the exclusion
    t = _BLACK_TIE.sub("formal", t)  # "a black-tie dinner": a dress code, not a black tie
    t = _SPLIT_WORDS.sub(lambda m: m.group(0).replace(" ", ""), t)  # speech-to-text's "ear rings", "sweat shirt"
    t = re.sub(r"\btea shirt", "t shirt", t)  # heard as "tea shirt"
    t = re.sub(r"\b(an?|black|white|brown|tan|beige|red|blue|navy|green|grey|pink|canvas|leather|big|large) (?:to|toe) bag",
               r"\1 tote bag", t)  # "a black to bag to match" (not "add it to bag")
    t = re.sub(r"\b(add|get|take|buy|want|need|give me) to of\b", r"\1 two of", t)  # "add to of the first one"
    t = _DIALECT_WORDS.sub(lambda m: _DIALECT_WORDS_AS[m.group(0)], t)  # "cannae go ower a hunner quid", "dun want red"
    t = _SCOTS_I.sub("i ", _SCOTS_MY.sub("my ", _ME_AS_MY.sub("my ", _SCOTS_TOO.sub("too", t))))
    t = _YE_AS_YES.sub("yeah", t)  # texted "ye confirm": yes (a Scots "can ye" is "can you")
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = _PREFIXED.sub(lambda m: f" {m.group(2)} {_PREFIX_CODE.get(m.group(1), m.group(1))} ", t)
    t = _DOLLAR.sub(lambda m: f" {m.group(1)} dollars ", t)
    t = _SIGNED.sub(lambda m: f" {m.group(2)} {_MONEY_SIGNS[m.group(1)]} ", t)
    t = re.sub(r"(\d)\s*%", r"\1 percent", t)
    t = re.sub(r"^k\b(?=\s*[,.!]?\s*[a-z])", "ok", t)  # texted "k pay"
    t = re.sub(r"\bfirst off\s*[,:;.]", "firstly,", t)  # "first off, white t-shirts": not the first one, nor off-white
    t = _NO_COMMA_COLOUR.sub(r"\1 _ ", t)
    t = _NO_ENDS_SENTENCE.sub(r"\1 _ ", t)  # "actually no. flats": a no, then what is wanted (not "no flats")
    t = _NUMBER_ENDS_SENTENCE.sub(lambda m: f"{m.group(1) or m.group(2)} _ ", t)  # "he's nine. twenty bucks tops": an age, then a budget
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", t)
    t = _PUNCT.sub(" ", t)
    t = _DIGIT_LETTER.sub(lambda m: f"{m.group(1)} {m.group(2)}", t)
    t = re.sub(r"\b(\d+)(st|nd|rd|th)\b", r"\1\2", t)
    return _SPACES.sub(" ", t).strip()


_SPLIT_WORDS = re.compile(r"\b(?:ear rings?|sweat shirts?|sweat pants|sun glasses|wrist watch(?:es)?|back packs?|lap tops?|"
                          r"hand bags?|foot wear|track suits?|jump suits?|play suits?|night wear|under wear|cuff links)\b")
_MONEY_WORDS = frozenset({"rupees", "rs", "dollars", "bucks", "pounds", "quid", "euros", "rand", "dirhams", "ringgit",
                          "taka", "cedis", "naira", "shillings", "yen", "baht", "riyals", "pesos", "reais", "kronor",
                          "kroner", "zloty", "francs", "lira", "rupiah", "yuan", "won", "euro", "dollar", "rupee", "peso"})


def _is_number_word(tok: str) -> bool:
    return tok in UNITS or tok in TENS or tok in SCALES


_AFTER_PICK = re.compile(r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|last)$")


def words_to_digits(text: str) -> str:
    """Replace runs of English number words with digits.

    "forty nine ninety nine" -> "49 99"; "a hundred and fifty" -> "150"; "one sixty five" -> "1 65".
    A lone "one" stays a word ("the blue one"); "a" counts as 1 only before hundred/thousand.
    """
    toks = text.split()
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < n else ""
        starts = _is_number_word(tok) and tok not in SCALES
        if tok == "one" and ((not _is_number_word(nxt) and nxt != "point") or (out and _AFTER_PICK.match(out[-1]))):
            starts = False  # "the blue one", "2nd one thirty six": the pick, then its size
        if tok == "a" and nxt in SCALES:
            starts = True
        if tok in SCALES and nxt in _MONEY_WORDS and not (out and _is_number_word(out[-1])):
            starts = True  # "within thousand rupees": a thousand
        if not starts:
            out.append(tok)
            i += 1
            continue
        total, current, last = 0, 0, ""
        last_scale, joined = 0, None  # "a thousand and two thousand" is two numbers, "two thousand and five" one
        while i < n:
            tok = toks[i]
            if tok == "a" and last == "" and i + 1 < n and toks[i + 1] in SCALES:
                current, last = 1, "unit"
            elif tok in UNITS:
                value = UNITS[tok]
                if last in ("", "scale", "and") or (last == "tens" and value < 10):
                    current += value
                    last = "unit" if value >= 10 or last != "tens" else "tensunit"
                    if value >= 10:
                        last = "teen"
                else:
                    break
            elif tok in TENS:
                if last in ("", "scale", "and"):
                    current += TENS[tok]
                    last = "tens"
                else:
                    break
            elif tok in SCALES:
                # "a thousand and two thousand", "fifteen hundred and three thousand": two numbers
                if joined is not None and (SCALES[tok] == last_scale or (
                        SCALES[tok] > last_scale and (last_scale >= 1000 or joined[2] >= 1000))):
                    i, total, current = joined
                    break
                if last == "scale" and last_scale == 100 and SCALES[tok] > 100:  # "three hundred thousand"
                    total, current, last_scale = total + current * SCALES[tok], 0, SCALES[tok]
                elif last in ("unit", "teen", "tens", "tensunit") or last == "":
                    scale = SCALES[tok]
                    last_scale = scale
                    if scale == 100:
                        current = max(current, 1) * 100
                    else:
                        total += max(current, 1) * scale
                        current = 0
                    last = "scale"
                else:
                    break
            elif (
                tok == "and"
                and last == "scale"
                and i + 1 < n
                and (toks[i + 1] in UNITS or toks[i + 1] in TENS)
            ):
                last, joined = "and", (i, total, current)
            else:
                break
            i += 1
        value = total + current
        if i + 1 < n and toks[i] == "point" and toks[i + 1] in UNITS:
            digits = []
            i += 1
            while i < n and toks[i] in UNITS and UNITS[toks[i]] < 10:
                digits.append(str(UNITS[toks[i]]))
                i += 1
            out.append(f"{value}.{''.join(digits)}")
        else:
            out.append(str(value))
    return " ".join(out)


_CODE_SWITCH_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, CODE_SWITCH_WORDS), key=len, reverse=True)) + r")\b")


# "one fifty dirhams", "two twenty five bucks": hundreds said as pairs, as prices are
_PAIRED_PRICE = re.compile(rf"\b({'|'.join(w for w, v in UNITS.items() if 0 < v < 10)}) "
                           rf"({'|'.join(TENS)})((?: (?:{'|'.join(w for w, v in UNITS.items() if 0 < v < 10)}))?)"
                           rf"(?= (?:{'|'.join(sorted(_MONEY_WORDS))})\b)")


# "between one fifty and two fifty": both ends said as pairs
_UNIT_ALT = "|".join(w for w, v in UNITS.items() if 0 < v < 10)
_PAIRED_RANGE = re.compile(rf"\b(between|from) ({_UNIT_ALT}) ({'|'.join(TENS)}) (and|to) ({_UNIT_ALT}) ({'|'.join(TENS)})\b")


def _paired_range(m: re.Match[str]) -> str:
    low = UNITS[m.group(2)] * 100 + TENS[m.group(3)]
    return f"{m.group(1)} {low} {m.group(4)} {UNITS[m.group(5)] * 100 + TENS[m.group(6)]}"


def _paired_price(m: re.Match[str]) -> str:
    ones = m.group(3).strip()
    return str(UNITS[m.group(1)] * 100 + TENS[m.group(2)] + (UNITS[ones] if ones else 0))


# "two's plenty", "three's enough": a count said to be enough, "two is"
_COUNT_IS_RE = re.compile(rf"\b({'|'.join(w for w, v in UNITS.items() if 0 < v <= 10)})s (?=(?:plenty|enough|fine|good|"
                          r"loads|heaps|too many|more than enough)\b)")


# "black'd be good" (written "blackd" once the apostrophe goes): the colour, then "would"
_COLOUR_WOULD = re.compile(r"\b(" + "|".join(sorted((c for c in COLOUR_SYNONYMS if " " not in c), key=len, reverse=True)) + r")d\b")
# "mummy ke liye", "bhai ke liye": "for my mummy" (the Hindi postposition after whom it is for)
_FOR_WHOM_HINDI = re.compile(r"\b(?:(?:meri|mere|apni|apne) )?(?!mere\b)([a-z]+) (?:ke|ki|k) liye\b")


# "got cheaper one or not, below fifty": a question tag, not a "not" for what follows
_OR_NOT_TAG = re.compile(r"\s+or not\b(?=\s*(?:[,.?!;]|$))", re.IGNORECASE)


def prepare(text: str) -> str:
    """Full normalisation used by the NLU: `normalise_text`, other languages' shopping words in English, then
    `words_to_digits`."""
    english = _CODE_SWITCH_RE.sub(lambda m: CODE_SWITCH_WORDS[m.group(0)], normalise_text(_OR_NOT_TAG.sub("", text)))
    english = _COLOUR_WOULD.sub(r"\1 would", _FOR_WHOM_HINDI.sub(r"for my \1", english))
    digits = words_to_digits(_COUNT_IS_RE.sub(r"\1 is ", _PAIRED_PRICE.sub(_paired_price, _PAIRED_RANGE.sub(_paired_range, english))))
    digits = _TO_PAIRS.sub(r"\1 two ", digits)
    # "budget rm fifty only", "below rs five hundred": a currency said before a number said in words
    digits = _PREFIXED.sub(lambda m: f"{m.group(2)} {_PREFIX_CODE.get(m.group(1), m.group(1))}" if m.group(1) != "r" else m.group(0),
                           digits)
    digits = _AND_A_HALF.sub(r"\1.5", digits)
    return _ISH.sub(r"around \1", _A_TON.sub("100", digits))


# "got about a ton to spend", "a ton max": a hundred (not "a ton of pockets")
_A_TON = re.compile(r"(?:(?<=about )|(?<=round )|(?<=under )|(?<=below )|(?<=spend )|(?<=budget )|(?<=got )|(?<=have )|"
                    r"(?<=only )|(?<=up to )|(?<=around ))a ton\b(?! of)|\ba ton(?= (?:max|tops|to spend|or so|or less|budget)\b)")


# "fifty-ish is my budget": about fifty; not a size, nor an age ("he's a guy, forty-ish", "she's 60ish")
_ISH = re.compile(r"(?<!size )(?<!hes )(?<!shes )(?<!im )(?<!is )(?<!guy )(?<!man )(?<!aged )(?<!age )\b(\d+) ?ish\b"
                  r"(?! (?:years?|yrs?)\b)")
_AND_A_HALF = re.compile(r"\b(\d|1[0-5]) and (?:a )?half\b")  # "a nine and a half": shoe size 9.5
_TO_PAIRS = re.compile(r"\b(get|buy|want|need|take|add|order|grab) to (?=pairs?\b|of (?:them|those|these|the)\b)")
"""Speech-to-text's "to" for "two" where only a count fits: "can i get to pairs"."""


def parse_amount_cents(whole: str, fraction: str | None = None) -> int:
    """'49', '99' -> 4999; '49.99' -> 4999; '80' -> 8000."""
    if "." in whole:
        dollars, _, cents = whole.partition(".")
        return int(dollars or 0) * 100 + int((cents + "00")[:2])
    cents_part = int(fraction) if fraction else 0
    return int(whole) * 100 + cents_part
