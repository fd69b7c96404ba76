"""Slot extractors over normalised text. Each takes the text, returns (value, text with span blanked)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import ValidationError

from commerce.catalog.vocabulary import TYPE_WORDS
from commerce.models import BodyMeasurements
from voice_server.conversation.dialogue.lexicon import (
    CATEGORY_SYNONYMS,
    FIT_FEEDBACK,
    GENDER_PHRASES,
    LETTER_SIZES,
    MATERIALS,
    OCCASIONS,
    ORDINALS,
    RETURN_REASONS,
    STYLES,
)
from voice_server.conversation.dialogue.numbers import normalise_text, parse_amount_cents

BLANK = " _ "
CM_PER_INCH = 2.54
KG_PER_LB = 0.45359237
CHEAP_MAX_CENTS = 1500  # "cheap" = under 15 dollars (Myntra prices / 83 cluster around 10-40)
# "around 40": a budget, so mostly below it: 30..42 (shoppers who say "about" rarely mean well over it)
AROUND_BELOW, AROUND_ABOVE = 0.25, 0.05


def _norm_table(table: Mapping[str, str]) -> dict[str, str]:
    return {normalise_text(k): v for k, v in table.items()}


def _alternation(keys: list[str]) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


def _blank(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + BLANK + text[m.end() :]


_CATEGORY = _norm_table(CATEGORY_SYNONYMS)
_CATEGORY_RE = re.compile(rf"\b({_alternation(list(_CATEGORY))})\b")
_OCCASION = _norm_table(OCCASIONS)
_NEEDS_CUE = {"work", "business", "running", "training", "sports", "holiday", "meeting", "interview"}
_OCCASION_RE = re.compile(rf"\b({_alternation(list(_OCCASION))})\b")
_STYLE = _norm_table(STYLES)
_STYLE_RE = re.compile(rf"\b({_alternation(list(_STYLE))})\b")
_MATERIAL = _norm_table(MATERIALS)
_MATERIAL_RE = re.compile(rf"\b({_alternation(list(_MATERIAL))})\b")
_GENDER = _norm_table(GENDER_PHRASES)
_GENDER_RE = re.compile(rf"\b({_alternation(list(_GENDER))})\b")
_REASON = _norm_table(RETURN_REASONS)
_REASON_RE = re.compile(rf"\b({_alternation(list(_REASON))})\b")
_FIT = _norm_table(FIT_FEEDBACK)
_LETTER = _norm_table(LETTER_SIZES)
_LETTER_ALT = _alternation(list(_LETTER))
LETTER_SIZE_ALT = _LETTER_ALT

# ---------- price ----------
_CUR = r"(?:\s(?:dollars?|bucks?|usd|dollar))"
_AMOUNT = (
    rf"(\d+(?:\.\d+)?)(?!\d|s\b)(?:\s(\d\d)(?=\s|$)(?!\s(?:cm|kg|inch|inches)))?{_CUR}?(?:\s(?:and\s)?(\d\d?)\scents?)?"
)
_MAX_CUE = (
    r"(?:dont|do not|wont|will not|cant|cannot|shouldnt|should not|mustnt|not) (?:really )?(?:want to |wanna |going to |gonna |afford to )?"
    r"(?:spend|spending|pay|paying|go|going|be|cost|come to) "
    r"(?:more than|over|above)|nothing over|nothing above|nowt over|nowt above|nothing more than|not over|not above|nothing pricier than|under|below|less than|no more than|not more than|up to|upto|max|maximum|at most|"
    r"cheaper than|within|budget of|budget is|budgets|budget|lower than|beneath|tops|"
    r"stretch to|stretch up to|push (?:it |that )?to|go as high as|as much as"  # "i can stretch to four thousand"
)
_MIN_CUE = r"over|above|more than|at least|starting at|minimum|min|higher than|upwards of"
_AROUND_CUE = r"around|about|roughly|approximately|close to|near|round about|somewhere around"
_RANGE_RE = re.compile(rf"\b(?:between|from)\s{_AMOUNT}\s(?:and|to)\s{_AMOUNT}")
_RANGE2_RE = re.compile(rf"\b(\d+){_CUR}?\s(?:to)\s(\d+){_CUR}")
# "something nicer, like fifty to seventy five": a range said loosely, no currency word
_LOOSE_RANGE_RE = re.compile(r"(?<!wears )(?<!wear )(?<!takes )(?<!take )(?<!size )(?<!sizes )(?<!shes )(?<!hes )(?<!im )(?<!is )"
                             r"(?<!aged )(?<!age )(?<!ages )\b(?:like|around|about|maybe|say|roughly|somewhere|anywhere from|budget(?: is)?|spend)\s(\d{2,})\s(?:to|or)\s(\d{2,})\b"
                             r"(?!\s(?:years?|months?|weeks?|days?|pieces?|items?|pairs?|people|of))")
_MAX_RE = re.compile(rf"\b(?:{_MAX_CUE})\s(?:a\s|about\s|around\s)?{_AMOUNT}")
# "ten dollars tops", "30 max", "fifteen tops each": the cue after the amount (without a currency word only
# at the end of the request, so "show me 3 tops" stays a request for tops).
_MAX_AFTER_RE = re.compile(
    rf"\b{_AMOUNT}\s(?:each\s)?(?:tops|max|maximum|at most|at the most|or less|or under|or below)\b"
)
_MIN_RE = re.compile(rf"\b(?:{_MIN_CUE})\s{_AMOUNT}")
# before the upper bounds' cues: "nothing under 30" (at least 30), "thirty dollars at the very least", "50 or more"
_MIN_FIRST_RE = re.compile(rf"\b(?:nothing|not|none) (?:under|below|less than|cheaper than)\s{_AMOUNT}|"
                           rf"\b{_AMOUNT}\s(?:at the (?:very )?least|at least|minimum|or more|or over|and up|"
                           r"and upwards|and above|plus)\b")
_AROUND_RE = re.compile(rf"\b(?:{_AROUND_CUE})\s{_AMOUNT}")
_AGE_BEFORE_RE = re.compile(r"\b(?:hes|shes|theyre|aged|age|turning|sons|daughters|kids|boys|girls|nephews|nieces|"
                            r"grandsons|granddaughters|childs|babys|toddlers)\s$")  # "my son's about eight": an age
_BARE_RE = re.compile(rf"\b(\d+(?:\.\d+)?)(?:\s(\d\d))?{_CUR}(?:\s(?:and\s)?(\d\d?)\scents?)?")
_BARE_CENTS_RE = re.compile(r"\b(\d+)\s(?:dollars?|bucks)\s(\d\d)\b")
# "these look kinda cheap": a complaint about quality, not a budget
_LOOKS_CHEAP_RE = re.compile(r"\b(?:looks?|looking|feels?|seems?|are|is|so|too|bit|kinda|kind of) (?:\w+ )?cheap\b")
_CHEAP_RE = re.compile(r"\b(cheap|inexpensive|affordable|budget friendly|low cost|on a budget)\b")
_CHEAPER_RE = re.compile(
    r"\b(more cheap|cheaper(?! (?:one|pair|of))|(?<!the )cheaper ones|(?<!the )(?<!that )(?<!this )(?<!which )cheaper (?:one|pair)(?! of)|less expensive|lower price|lower priced|more affordable|not so expensive|not so pricey|less pricey|"
    r"too expensive|too pricey|too much(?! (?:with|for (?:my|the|a)|against|on (?:me|her|him)|going on|(?:\w+ )?(?:stuff|things|clothes|of)\b))(?<!(?:got|has|own|ave) too much)(?<!(?:got|has|own|ave) (?:far|way) too much)|too dear|too costly|less costly)\b"
)  # not "nothing gold, too much with my earrings": too much to wear; nor "i've got far too much grey": owned
_PRICIER_RE = re.compile(  # not "they were nicer", "the first lot looked nicer": praise of what was shown
    r"(?<!were )(?<!was )(?<!looked )(?<!seemed )(?<!were much )(?<!were way )(?<!were a lot )"
    r"\b(more expensive|pricier|higher end|more premium|fancier|better quality|nicer|bit nicer|classier|"
    r"(?:dont|do not) mind (?:spending|paying) (?:a bit |a little )?more|spend (?:a bit |a little )?more|"
    r"more upmarket|higher quality|luxury|luxurious)\b(?! looking| to look at)"  # "the nicer looking kind": looks
)


def _cents(m: re.Match[str], base: int) -> int:
    whole, fraction, cents = m.group(base), m.group(base + 1), m.group(base + 2)
    value = parse_amount_cents(whole, fraction)
    if cents and not fraction:
        value += int(cents)
    return value


CURRENCY_WORDS: dict[str, str] = {
    "rupees": "INR", "rupee": "INR", "rs": "INR", "inr": "INR", "quid": "GBP", "gbp": "GBP", "pounds sterling": "GBP", "pounds": "GBP", "pound": "GBP",
    "sterling": "GBP", "euros": "EUR", "euro": "EUR", "eur": "EUR", "dollars": "USD", "dollar": "USD", "bucks": "USD",
    "usd": "USD", "bucks canadian": "CAD", "dollars canadian": "CAD", "canadian dollars": "CAD", "canadian": "CAD", "cad": "CAD", "aussie dollars": "AUD",
    "australian dollars": "AUD", "aud": "AUD", "nz dollars": "NZD", "kiwi dollars": "NZD", "sing dollars": "SGD",
    "singapore dollars": "SGD", "sgd": "SGD", "dirhams": "AED", "dirham": "AED", "aed": "AED", "rand": "ZAR",
    "rands": "ZAR", "zar": "ZAR", "shillings": "KES", "shilling": "KES", "bob": "KES", "ksh": "KES", "pesos": "PHP",
    "peso": "PHP", "php": "PHP", "naira": "NGN", "ngn": "NGN", "new zealand dollars": "NZD", "nzd": "NZD",
    "singaporean dollars": "SGD", "kenyan shillings": "KES", "kes": "KES", "kshs": "KES",
    "ringgit": "MYR", "rm": "MYR", "myr": "MYR", "pakistani rupees": "PKR", "pkr": "PKR", "taka": "BDT",
    "tk": "BDT", "bdt": "BDT", "sri lankan rupees": "LKR", "lkr": "LKR", "nepali rupees": "NPR", "npr": "NPR",
    "cedis": "GHS", "cedi": "GHS", "ghana cedis": "GHS", "ghs": "GHS", "jamaican dollars": "JMD", "jmd": "JMD",
    "jamaican": "JMD", "hong kong dollars": "HKD", "hkd": "HKD", "yen": "JPY", "jpy": "JPY", "yuan": "CNY",
    "rmb": "CNY", "renminbi": "CNY", "cny": "CNY", "riyals": "SAR", "riyal": "SAR", "saudi riyals": "SAR",
    "sar": "SAR", "qatari riyals": "QAR", "qar": "QAR", "baht": "THB", "thb": "THB", "egyptian pounds": "EGP",
    "egp": "EGP", "ugandan shillings": "UGX", "ugx": "UGX", "tanzanian shillings": "TZS", "tzs": "TZS",
    "tt dollars": "TTD", "trinidad dollars": "TTD", "ttd": "TTD", "egyptian pound": "EGP", "kenya shillings": "KES",
    "kenyan shilling": "KES", "rupiah": "IDR", "idr": "IDR", "rp": "IDR", "reais": "BRL", "brl": "BRL",
    "brazilian reais": "BRL", "zloty": "PLN", "złoty": "PLN", "zlotys": "PLN", "pln": "PLN", "kronor": "SEK",
    "krona": "SEK", "swedish kronor": "SEK", "swedish krona": "SEK", "sek": "SEK", "norwegian kroner": "NOK",
    "kroner": "NOK", "nok": "NOK", "danish kroner": "DKK", "dkk": "DKK", "francs": "CHF", "swiss francs": "CHF",
    "franc": "CHF", "chf": "CHF", "mexican pesos": "MXN", "mexican peso": "MXN", "mxn": "MXN",
    "philippine pesos": "PHP", "philippine peso": "PHP", "filipino pesos": "PHP", "won": "KRW", "korean won": "KRW",
    "krw": "KRW", "lira": "TRY", "turkish lira": "TRY",
}
# "singapore dollar" said apart from the amount, not "in singapore dollars" (a price to be said so)
_DOLLARS_NAMED_RE = re.compile(r"(?<!\bin )\b(sing|singapore|singaporean|canadian|aussie|australian|nz|new zealand|kiwi|"
                               r"hong kong|jamaican|tt|trinidad) dollars?\b")
for _word, _code in list(CURRENCY_WORDS.items()):  # "below fifty sing dollar", "thirty canadian dollar"
    if _word.endswith((" dollars", " shillings", " rupees", " pesos", " riyals")):
        CURRENCY_WORDS.setdefault(_word[:-1], _code)
# "how much is that in pounds", "the total in naira": a price to be said in that currency too
IN_CURRENCY_RE = re.compile(rf"\bin ({_alternation([w for w, code in CURRENCY_WORDS.items() if code != 'USD'])})\b")
_THOUSANDS_RE = re.compile(r"\b(\d+(?:\.\d+)?)\s(?:k|grand)\b")
_CURRENCY_RE = re.compile(rf"\b(\d+(?:\.\d+)?)\s({_alternation(list(CURRENCY_WORDS))})\b")


# "thirty bucks, australian", "25 bucks, that's aussie dollars": whose dollars, said after the amount
_DOLLARS_OF_RE = re.compile(r"\b(\d+(?:\.\d+)?) (?:bucks|dollars)(?: (?:thats|that is|i mean|in|as in))? "
                            r"(aussie|australian|canadian|kiwi|nz|singapore|singaporean|hong kong|jamaican)"
                            r"(?: dollars| bucks| ones)?\b")


# Where the shopper is, said in passing ("hola", "here in lahore"): whose pesos or rupees a bare
# "pesos" or "rupees" is (Philippine pesos and Indian rupees when nothing says otherwise).
_HOME_CURRENCY_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("MXN", re.compile(r"\b(?:hola|gracias|por favor|mexico|mexican|cdmx|guadalajara|monterrey|cancun|oaxaca|tijuana|"
                       r"puebla|merida)\b")),
    ("PHP", re.compile(r"\b(?:manila|cebu|davao|quezon|philippines|filipino|filipina|pinoy|pinay)\b")),
    ("PKR", re.compile(r"\b(?:pakistan|lahore|karachi|islamabad|rawalpindi|peshawar|faisalabad)\b")),
    ("LKR", re.compile(r"\b(?:sri lanka|colombo|kandy)\b")),
    ("NPR", re.compile(r"\b(?:nepal|kathmandu|pokhara)\b")),
)
_SHARED_NAMES = {"PHP": frozenset({"PHP", "MXN"}), "INR": frozenset({"INR", "PKR", "LKR", "NPR"})}


def home_currency(text: str) -> str | None:
    """The currency of the country a turn says the shopper is in or from, if it says."""
    return next((code for code, said in _HOME_CURRENCY_RES if said.search(text)), None)


def extract_currency(text: str, home: str | None = None) -> tuple[str | None, str]:
    """"3k", "2 grand" → thousands; an amount in another currency ("3000 rupees", "50 quid", "a
    tenner") is rewritten in dollars' words and its currency returned, for the policy to convert and say.
    A bare "pesos" or "rupees" is in the ``home`` currency when that is one of the kind."""
    text = _THOUSANDS_RE.sub(lambda m: str(round(float(m.group(1)) * 1000)), text)
    text = re.sub(r"\b(?:a |one )?(tenner|fiver)\b", lambda m: "10 quid" if m.group(1) == "tenner" else "5 quid", text)
    # Indonesian "lima ratus ribu", "500 ribu": thousands of rupiah
    text = re.sub(r"\b(\d+) ribu(?: rupiah)?\b", lambda m: f"{int(m.group(1)) * 1000} rupiah", text)
    text = _DOLLARS_OF_RE.sub(lambda m: f"{m.group(1)} {m.group(2)} dollars", text)  # "30 bucks, australian"
    currency = None
    said = list(_CURRENCY_RE.finditer(text))
    for m in said:
        code = CURRENCY_WORDS[m.group(2)]
        if home is not None and home in _SHARED_NAMES.get(code, ()) and m.group(2) in {"pesos", "peso", "rupees", "rupee", "rs"}:
            code = home
        if code != "USD":
            currency = code
    if currency is None and said and (kind := _DOLLARS_NAMED_RE.search(text)):
        return CURRENCY_WORDS[f"{kind.group(1)} dollars"], text  # "under thirty dollar can? singapore dollar ah"
    if currency is None:
        return None, text
    if any(CURRENCY_WORDS[m.group(2)] == "USD" for m in said):
        # "twenty five thousand naira, which is about sixteen dollars": the shopper converted it already
        for m in reversed(said):
            if CURRENCY_WORDS[m.group(2)] != "USD":
                text = _blank(text, m)
        return None, text
    return currency, _CURRENCY_RE.sub(lambda m: f"{m.group(1)} dollars", text)


def _budget_after(text: str, m: re.Match[str]) -> bool:
    """Whether "N tops" is a budget: with a currency word always; without one only at the end of the
    request and from 5 dollars up ("show me 3 tops" and "i need 10 tops" ask for tops)."""
    said = m.group(0)
    if not said.endswith("tops") or re.search(r"\b(?:dollars?|bucks?|usd)\b", said):
        return True
    at_end = re.fullmatch(r"(?:[\s_]|each|please|then|really|though)*", text[m.end():]) is not None
    before = text[: m.start()].split()
    asked_for = bool(before) and before[-1] in {"me", "want", "need", "buy", "get", "see", "the", "those", "some"}
    return at_end and _cents(m, 1) >= 500 and not asked_for


def extract_price(text: str) -> tuple[int | None, int | None, str | None, str]:
    """Returns (price_min, price_max, trend, text)."""
    m = _RANGE_RE.search(text)
    if m:
        low, high = _cents(m, 1), _cents(m, 4)
        if high >= 100_000 and low < 10_000 and low * 1000 <= high:
            low *= 1000  # "between five and ten thousand": five thousand
        return min(low, high), max(low, high), None, _blank(text, m)
    m = _RANGE2_RE.search(text) or _LOOSE_RANGE_RE.search(text)
    if m and int(m.group(2)) > int(m.group(1)):
        low, high = int(m.group(1)) * 100, int(m.group(2)) * 100
        return min(low, high), max(low, high), None, _blank(text, m)
    m = _AROUND_RE.search(text)
    if m and _AGE_BEFORE_RE.search(text[: m.start()]) and not re.search(_CUR, m.group(0)):
        m = None
    if m and not re.search(_CUR, m.group(0)) and re.match(r"\s(?:\w+\s)?(?:ones|of (?:them|those|these)|pairs|already)\b",
                                                          text[m.end():]):
        m = None  # "he's got about a hundred blue ones": a count, not a budget
    if m and (cap := re.match(r"\s(?:each\s)?(?:tops|max|maximum|at most|at the most)\b|"
                              r"\s(?:left|to spend|remaining|spare|in the kitty)\b|"  # "we've got about fifty dollars left"
                              r"\s(?:\w+\s)?(?:no|not|nothing) (?:more|over|above|higher)(?:\s(?:than\s)?(?:that|it))?(?!\s(?:than|expensive))\b",
                              text[m.end():])):  # "about 40, no more than that", "around eighty, not more"
        return None, _cents(m, 1), None, text[: m.start()] + BLANK + text[m.end() + cap.end():]  # "about 30 tops"
    if m and re.search(r"\bbudget(?:s| is| of| s)?\s$", text[: m.start()]):
        return None, _cents(m, 1), None, _blank(text, m)  # "my budget is about one fifty dirhams": at most that
    if m and not re.match(r"\s(?:cm|kg|kilos|inch|inches|foot|feet|pounds|lbs|months?|weeks?|years?|days?|hours?|minutes?)\b",
                          text[m.end() :]):  # not "about five months along"
        centre = _cents(m, 1)
        return (
            round(centre * (1 - AROUND_BELOW)),
            round(centre * (1 + AROUND_ABOVE)),
            None,
            _blank(text, m),
        )
    price_min = price_max = None
    m = _MIN_FIRST_RE.search(text)
    if m and not re.match(r"\s(?:cm|kg|kilos|inch|inches|foot|feet|pounds|lbs)\b", text[m.end() :]):
        price_min = _cents(m, 1 if m.group(1) is not None else 4)
        text = _blank(text, m)
    m = _MAX_RE.search(text)
    if m and not re.match(r"\s(?:cm|kg|kilos|inch|inches|foot|feet|pounds|lbs)\b", text[m.end() :]):
        price_max = _cents(m, 1)
        text = _blank(text, m)
    if price_max is None and (m := _MAX_AFTER_RE.search(text)) and _budget_after(text, m):
        price_max = _cents(m, 1)
        text = _blank(text, m)
    m = _MIN_RE.search(text) if price_min is None else None
    if m and not re.match(r"\s(?:cm|kg|kilos|inch|inches|foot|feet|pounds|lbs)\b", text[m.end() :]):
        price_min = _cents(m, 1)
        text = _blank(text, m)
    if price_min is None and price_max is None:
        m = _BARE_CENTS_RE.search(text) or None
        if m:
            price_max = int(m.group(1)) * 100 + int(m.group(2))
            text = _blank(text, m)
        else:
            m = _BARE_RE.search(text)
            if m:
                price_max = _cents(m, 1)
                text = _blank(text, m)
    trend = None
    if _PRICIER_RE.search(text):
        trend = "pricier"
        text = _PRICIER_RE.sub(BLANK, text)
    elif _CHEAPER_RE.search(text):
        trend = "cheaper"
        text = _CHEAPER_RE.sub(BLANK, text)
    elif price_max is None and price_min is None and _CHEAP_RE.search(text) and not _LOOKS_CHEAP_RE.search(text):
        price_max = CHEAP_MAX_CENTS
        text = _CHEAP_RE.sub(BLANK, text)
    return price_min, price_max, trend, text


# ---------- measurements ----------
_UNIT_AFTER = r"(?=\s|$)"
_HEIGHT_CM_RE = re.compile(
    r"\b(?:(\d)\s(\d\d)|(\d{3})|(\d)\.(\d\d))\s(?:cm|cms|centimetres|centimeters|centimeter|centimetre)\b"
)
_HEIGHT_M_RE = re.compile(r"\b(\d)\.(\d\d?)\s(?:m|metres|meters|meter|metre)\b")
_HEIGHT_FT_RE = re.compile(
    r"\b(\d)\s(?:foot|feet|ft)(?:\s(?:and\s)?(\d\d?)(?:\s(?:inches|inch|in))?)?(?:\stall)?"
)
_HEIGHT_TALL_RE = re.compile(r"\b(\d)\s(\d\d?)\s(?:tall)\b|"
                             r"\b(?:im|i am|hes|he is|shes|she is)\s([4-6])\s(\d|1[01])\s(?=and\s(?:about\s|around\s)?\d{2,3}\s(?:pounds|lbs|kg|kilos))")
# with a height said, "and about 130 pounds" is a weight, not a budget
_WEIGHT_AFTER_HEIGHT_RE = re.compile(r"\band\s(?:about\s|around\s|like\s)?(\d{2,3})\s(?:pounds|lbs)\b")
_WEIGHT_RE = re.compile(  # "pounds" is money ("no more than fifteen pounds") unless a weight is said
    r"\b(?:weigh|weight\sis|weight|about|around)?\s?(\d+(?:\.\d+)?)\s(kg|kgs|kilos|kilograms|kilo|lbs|lb)\b|"
    r"\b(?:weighs?|weight\sis|weight|im|i\sam|hes|he\sis|shes|she\sis)\s(?:about\s|around\s)?(\d+(?:\.\d+)?)\s(pounds)\b"
)
_WEIGHT_CHANGE_RE = re.compile(r"\b(?:lost|gained|put on|dropped|shed|lose|gain)\s(?:like\s|about\s|around\s)?$")
_WEIGH_BARE_RE = re.compile(r"\bweigh(?:t is)?\s(?:about\s|around\s)?(\d+(?:\.\d+)?)\b")
_BODY_RE = re.compile(
    r"\b(chest|bust|waist|hips|hip)\s(?:is\s|size\s|of\s|measurement\sis\s|measures\s)?(\d+(?:\.\d+)?)"
    r"(?:\s(inches|inch|in|cm|cms|centimetres|centimeters))?"
)
_BODY_AFTER_RE = re.compile(
    r"\b(\d+(?:\.\d+)?)\s(?:inch|inches|in|cm|centimetre|centimetres|centimeters)\s(chest|bust|waist|hips|hip)\b"
)


def _body_cm(value: float, unit: str | None) -> float:
    if unit in ("cm", "cms", "centimetres", "centimeters"):
        return value
    if unit in ("inches", "inch", "in"):
        return round(value * CM_PER_INCH, 1)
    return value if value >= 60 else round(value * CM_PER_INCH, 1)


def extract_measurements(text: str) -> tuple[dict[str, float] | None, str]:
    found: dict[str, float] = {}
    m = _HEIGHT_CM_RE.search(text)
    if m:
        if m.group(1):
            found["height_cm"] = float(int(m.group(1)) * 100 + int(m.group(2)))
        elif m.group(3):
            found["height_cm"] = float(m.group(3))
        else:
            found["height_cm"] = float(int(m.group(4)) * 100 + int(m.group(5)))
        text = _blank(text, m)
    elif m := _HEIGHT_M_RE.search(text):
        found["height_cm"] = float(int(m.group(1)) * 100 + int((m.group(2) + "0")[:2]))
        text = _blank(text, m)
    elif m := _HEIGHT_FT_RE.search(text):
        inches = int(m.group(1)) * 12 + int(m.group(2) or 0)
        found["height_cm"] = round(inches * CM_PER_INCH, 1)
        text = _blank(text, m)
    elif m := _HEIGHT_TALL_RE.search(text):
        feet, rest = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        found["height_cm"] = round((int(feet) * 12 + int(rest)) * CM_PER_INCH, 1)
        text = _blank(text, m)
    if "height_cm" in found and (m := _WEIGHT_AFTER_HEIGHT_RE.search(text)) and 70 <= int(m.group(1)) <= 400:
        found["weight_kg"] = round(int(m.group(1)) * KG_PER_LB, 1)
        text = _blank(text, m)
    m = None if "weight_kg" in found else next(  # "I lost eight kilos" is not what they weigh
        (w for w in _WEIGHT_RE.finditer(text) if not _WEIGHT_CHANGE_RE.search(text[:w.start()].rstrip() + " ")), None)
    if m:
        value, unit = float(m.group(1) or m.group(3)), m.group(2) or m.group(4)
        found["weight_kg"] = round(value * KG_PER_LB, 1) if unit in ("lbs", "lb", "pounds") else value
        text = _blank(text, m)
    elif "weight_kg" not in found and (m := _WEIGH_BARE_RE.search(text)):
        value = float(m.group(1))
        found["weight_kg"] = round(value * KG_PER_LB, 1) if value > 130 else value
        text = _blank(text, m)
    for regex, part_group, value_group, unit_group in ((_BODY_RE, 1, 2, 3), (_BODY_AFTER_RE, 2, 1, None)):
        while m := regex.search(text):
            part = {"bust": "chest", "hip": "hips"}.get(m.group(part_group), m.group(part_group))
            unit = m.group(unit_group) if unit_group else m.group(0).split()[1]
            found[f"{part}_cm"] = _body_cm(float(m.group(value_group)), unit)
            text = _blank(text, m)
    found = {part: value for part, value in found.items() if _plausible(part, value)}
    return (found or None), text


def _plausible(part: str, value: float) -> bool:
    """A body measurement within what ``BodyMeasurements`` stores (a waist of 12 cm is a misreading)."""
    try:
        BodyMeasurements.model_validate({part: value})
    except ValidationError:
        return False
    return True


# ---------- size ----------
_SIZE_HOMOPHONES = {
    "ate": "8",
    "eight": "8",
    "for": "4",
    "fore": "4",
    "to": "2",
    "too": "2",
    "tree": "3",
    "free": "3",
    "sex": "6",
    "sicks": "6",
    "nein": "9",
    "won": "1",
}
_WAIST_LENGTH_RE = re.compile(
    r"\b(\d\d)\s(?:by|x|across|waist\s(?:and\s)?)\s?(\d\d)(?:\s(?:length|inseam|long))?\b"
)
_SIZE_NUMBER_RE = re.compile(r"\b(?:size\s(?:to\s(?:a\s)?|uk\s|us\s|eu\s)?|uk\s|"
                             r"(?<!took\s)(?<!cost\s)(?<!gave\s)(?<!give\s)(?<!told\s)(?<!let\s)(?<!got\s)us\s|eu\s)(\d{1,2}(?:\.5)?)\b")  # not "it took us six shops"
_SIZE_HOMOPHONE_RE = re.compile(rf"\bsize\s({'|'.join(_SIZE_HOMOPHONES)})\b(?!\s(?:an?\s)?(?:{_LETTER_ALT}|size|\d+)\b)"
                                r"(?!\s(?:her|him|me|my|his|them|us|the|our|your)\b)")  # not "size to large", "to 34", "l size for her"
# "size m", "in m", "he wears l", "small size": a lone letter only after a size cue
_SIZE_LETTER_RE = re.compile(rf"\b(?:size|in|wears|takes|hes an?|shes an?|im an?|hes|shes|size is|sizes|i take|i wear|"
                             rf"(?:change|switch|swap|move|bump)(?: it| that| them| those)?(?: up| down)? to|go (?:up|down) to|"
                             rf"make (?:it|that|them|those))\s"  # "the third one change to m can"
                             rf"({_LETTER_ALT}|s|m|l)\b(?!\ssize)|"
                             rf"\b({_LETTER_ALT}|s|m|l)\s(?:size|again|too|as well)\b|"
                             rf"(?<=\bboth\s)(s|m|l)\b|"  # "the first and second, both L": "both" stays a reference
                             rf"(?<=\balso\s)(s|m|l)(?=\s*$)")  # "a white shirt to go with it, also L"
_LETTER_RE = re.compile(rf"(?<!something\s)(?<!anything\s)(?<!not\s)(?<!too\s)\b(?:in\s(?:a\s)?|a\s|an\s)?({_LETTER_ALT})\b(?!\s(?:bag|trolley|size bag|party|gathering|wedding|do|"
                        r"function|ceremony|get together|celebration|dinner|budget|gift|present|thing|town|family|group|"
                        r"boy|boys|girl|girls|kid|kids|child|children|man|woman|lady|guy|person|people)\b)")  # "not a small boy anymore"
_WAIST_RE = re.compile(r"\b(?:(\d\d)\swaist|waist\s(?:size\s)?(\d\d))\b(?!\s(?:inches|inch|cm))")
_WEAR_RE = re.compile(  # "she's a seven" is a size, "she's seven" an age; "i'm seven" a size, "i'm forty one" an age
    r"\b(?:(?:wear|wears|am|im|take|takes|in)\s(?:a\s|an\s|size\s)?|(?:hes|shes|he is|she is)\s(?:a|an)\s(?:size\s)?|"
    r"(?:(?<=to\s)|(?<=that\s)|(?<=it\s))(?:a|an)\s)"  # "change one of them to a 34", "make that a 9.5"
    r"(\d{1,2}(?:\.5)?)\b(?!\s(?:dollars?|bucks?|quid|pounds?|euros?|rupees?|cm|kg|of|year|weeks?|days?|months?|hours?|minutes?|mins|am|pm|oclock|"
    r"pieces?|pcs|pairs?|units?|items?))"
)


MAX_BARE_SIZE = 12  # "i'm seven" (UK shoe) is a size; "i'm forty one" is an age, whatever the garment


_PLURAL_SIZES = ("fours", "fives", "sixes", "sevens", "eights", "nines", "tens", "elevens", "twelves")
_SIZES_PLURAL_RE = re.compile(rf"\b(?:the|any|in) ({'|'.join(_PLURAL_SIZES)})\b")


def extract_size(text: str) -> tuple[str | None, str]:
    for regex in (_WAIST_LENGTH_RE,):
        m = regex.search(text)
        if m:
            return f"{m.group(1)}x{m.group(2)}", _blank(text, m)
    m = _SIZE_LETTER_RE.search(text)
    if m:
        word = m.group(1) or m.group(2) or m.group(3) or m.group(4)
        return _LETTER.get(word, word.upper()), _blank(text, m)
    m = _SIZE_NUMBER_RE.search(text)
    if m:
        return m.group(1), _blank(text, m)
    m = _SIZES_PLURAL_RE.search(text)  # "show me the tens then": the pairs in size 10
    if m:
        return str(_PLURAL_SIZES.index(m.group(1)) + 4), _blank(text, m)
    m = _SIZE_HOMOPHONE_RE.search(text)
    if m:
        return _SIZE_HOMOPHONES[m.group(1)], _blank(text, m)
    m = _WAIST_RE.search(text)
    if m:
        return (m.group(1) or m.group(2)), _blank(text, m)
    m = _LETTER_RE.search(text)
    if m:
        return _LETTER[m.group(1)], _blank(text, m)
    m = _WEAR_RE.search(text)
    if m and not (re.match(r"(?:am|im)\s\d", m.group(0)) and float(m.group(1)) > MAX_BARE_SIZE):
        return m.group(1), _blank(text, m)
    m = _ALSO_SIZE_RE.search(text)
    if m:
        return m.group(1), _blank(text, m)
    return None, text


_ALSO_SIZE_RE = re.compile(r"\b(?:also|same)\s(?:in\s)?(?:a\s|an\s|size\s)?(\d{1,2}(?:\.5)?)\s*$")  # "the gap one as well, also 34"


_BARE_SIZE_RE = re.compile(r"^\s*(?:_\s)?(?:in\s|a\s|size\s)?(\d{1,2}(?:\.5)?|\d\dx\d\d|[sml])(?:\splease)?\s*$")


def extract_bare_size(text: str) -> tuple[str | None, str]:
    """A lone number or size letter answers "which size?" ('thirty two' -> '32', typed 'm' -> 'M')."""
    m = _BARE_SIZE_RE.search(text)
    if m:
        size = m.group(1)
        return (size.upper() if size.isalpha() else size), _blank(text, m)
    return None, text


# ---------- quantity ----------
_QTY_WORDS = {"one": 1, "a": 1, "an": 1, "single": 1, "both": 2, "a couple": 2, "couple": 2}
_QTY_RE = re.compile(
    r"(?<!not\s)\b(\d{1,2}|one|a|an|both)\s(?:more\s(?=of\s))?(?:of\s(?:them|these|those|it|that|each)|pairs?|pieces?|items?|units?|ones|sets\sof|"
    r"packs?|"
    r"of\sthe\s\w+|of\s+_)(?=\s|$)"
)
_QTY_COUPLE_RE = re.compile(r"\ba\scouple(?:\sof\s(?:them|these|those))?\b")
_QTY_VERB_RE = re.compile(
    r"\b(?:add|get|buy|take|want|order|need|give\sme|make\sit|make\sthat|quantity)\s(\d{1,2})\b"
    r"(?!\s(?:dollars|bucks|cm|kg|inch|waist|by|x|percent|\d))"
)
_QTY_TIMES_RE = re.compile(r"\b(?:x\s?|times\s)(\d)\b")
_QTY_TERSE_RE = re.compile(rf"(?:\b(?:one|1|pair)|(?<!\S)_)\s+(\d)\s+(?:in\s)?(?:an?\s)?(?=(?:{_LETTER_ALT}|_)(?:\s|$))")  # "second one. two. medium" (the size may be blanked)


def extract_quantity(text: str) -> tuple[int | None, str]:
    m = _QTY_COUPLE_RE.search(text)
    if m:
        return 2, _blank(text, m)
    m = _QTY_RE.search(text)
    if m:
        word = m.group(1)
        return (int(word) if word.isdigit() else _QTY_WORDS[word]), _blank(text, m)
    m = _QTY_VERB_RE.search(text)
    if m and 0 < int(m.group(1)) <= 10:
        return int(m.group(1)), _blank(text, m)
    m = _QTY_TIMES_RE.search(text)
    if m:
        return int(m.group(1)), _blank(text, m)
    m = _QTY_TERSE_RE.search(text)
    if m and int(m.group(1)) > 1:
        return int(m.group(1)), text[: m.start(1)] + BLANK + text[m.end(1):]
    return None, text


# ---------- references ----------
_ORDINAL_ALT = "|".join(ORDINALS)
_ORDINAL_PAIR_RE = re.compile(
    rf"\b(?:the\s)?({_ORDINAL_ALT})\s(?:one\s)?(?:and|or|with|vs|versus|to)\s(?:the\s)?({_ORDINAL_ALT})\b"
)
_ORDINAL_THREE_RE = re.compile(rf"\b(?:the\s)?({_ORDINAL_ALT}),?\s(?:the\s)?({_ORDINAL_ALT}),?\s(?:and|n)\s(?:the\s)?({_ORDINAL_ALT})\b")
_FIRST_TWO_RE = re.compile(r"(?<!\bmy\s)(?<!\bher\s)(?<!\bhis\s)\b(?:the\s)?(?:first|top)\s(2|two|3|three)\b")  # not "make my top two"
_ORDINAL_RE = re.compile(rf"(?<!\bher\s)(?<!\bhim\s)(?<!\bhis\s)(?<!\bthem\s)(?<!\bmy\s)(?<!\bour\s)(?<!\ba\s)(?<!\bun\s)\b(?:the\s|that\s|this\s)?({_ORDINAL_ALT})\b"
                         r"(?!\s(?:time|order|of\smy|week|month|year|night|weekend|eid|christmas|diwali|summer|"
                         r"winter|season|visit|trip|date|day|job|communion|birthday|anniversary|baby|half|marathon|holiday|"
                         r"dance|interview|thought|thoughts))")  # not "her first, pink or yellow", "last month", "a first date"
_NUMBERED_RE = re.compile(r"\b(?:number|option|item|no|result|choice|#)\s?(\d)\b|\b(?:number|option|choice) (one)\b")
_THE_WORD_ONE = r"(?:one|ones|pair|option|style|version|item)"
_FOCUS_RE = re.compile(
    r"\b(?:that|this|those|these)\s(?:one|ones|pair|item|dress|product|style)\b|"
    # "it" is the product in focus, but not in "a print on it", "grey if you've got it", "to wear with it"
    r"(?<!\bon )(?<!\bplace )(?<!\bif youve got )(?<!\bif you have )(?<!\bif you got )(?<!\bwith )(?<!\bto match )\bit\b"
    # nor the subject of a complaint about a material or a thing in general ("it makes me sweat")
    r"(?!\s(?:makes|made|gives|gave|itches|clashes|drives|washes me out|always|never|just gets|gets|rains|snows|"
    r"goes down|drops|"
    # the weather: "with a hood if possible, it is cold in warsaw"
    r"(?:is|was|will be|can be|can get|gets) (?:very |so |really |quite |super |pretty |too |a bit |bloody )?"
    r"(?:cold|hot|freezing|chilly|warm|raining|snowing|sunny|humid|windy|boiling|wet|minus)\b))|"
    r"\b(?:add|buy|take|get|want|(?<!anything )(?<!something )(?<!stuff )(?<!things )(?<!or )like|love|about|choose|pick)"
    r"\s(?:that|this)\b|(?<!anything like )(?<!something like )(?<!stuff like )(?<!things like )(?<!or like )"
    r"(?<!or something )(?<!or anything )\b(?:that|this)$"
)
_ALL_OF_RE = re.compile(r"\bboth(?:\sof\s(?:them|those|these))?\b(?!\s(?:kids|children|boys|girls|twins|of us|of my|"
                        r"sorted|done|are|have|were|sizes|wear|take|need|like|love|want|fit|got))|(?<!they )(?<!we )\ball\s(?:3|three)(?:\sof\s(?:them|those|these))?\b|"
                        r"\ball\sof\s(?:them|those|these)\b")
# "two of those, both in small": both units of the one product, not two products
_UNITS_BEFORE_RE = re.compile(r"\b(?:\d{1,2}|two) (?:of (?:those|them|these|that|it)|pairs?)\W*$")
_CHEAPEST_RE = re.compile(
    r"\b(?:the\s)?(cheapest|least expensive|lowest priced|(?<=the )cheaper (?:one|ones|pair)|less expensive (?:one|pair))\b"
)
_PRICIEST_RE = re.compile(
    r"\b(?:the\s)?(most expensive|priciest|dearest|pricier (?:one|pair)|more expensive (?:one|pair))\b"
)


_LOW_FIRST = r"cheapest|lowest price[sd]?|least expensive|lowest"
_HIGH_FIRST = r"priciest|most expensive|dearest|highest price[sd]?|highest"
_SORT_RES = (
    # "sort them by price", "can you order those by price, lowest first"
    re.compile(r"\b(?:sort|order|arrange|rank|list)(?:ed)?\b(?: \w+){0,4}? by (?:the )?price\b(?:,? (?:the )?"
               rf"(?:{_LOW_FIRST}|{_HIGH_FIRST}|low(?:est)? to high(?:est)?|high(?:est)? to low(?:est)?)"
               r"(?: ones?| pairs?)?(?: first| on top| at the top)?)?"),
    # "cheapest first", "show me the most expensive ones first", "prices low to high"
    re.compile(rf"\b(?:the )?(?:{_LOW_FIRST}|{_HIGH_FIRST}) (?:ones? |pairs? |stuff )?(?:first|on top|at the top)\b"),
    re.compile(r"\b(?:(?:the )?prices? )?(?:from )?(?:low(?:est)? to high(?:est)?|high(?:est)? to low(?:est)?)\b"),
    # the catalog's extremes, not a pick from the screen: "the cheapest you've got", "your priciest jackets"
    re.compile(rf"\byour (?:very )?(?:{_LOW_FIRST}|{_HIGH_FIRST})\b|\b(?:the )?(?:very )?(?:{_LOW_FIRST}|{_HIGH_FIRST})\b"
               r"(?=(?: \w+){0,4}? (?:you(?:ve| have)? (?:got|have|sell|stock|carry|do)|you got|in the shop|in stock)\b)"),
    # "ok now the cheapest ones": a list in that order, not one of those shown
    re.compile(rf"\b(?:show|see|now|what about|how about|give)\b(?: \w+){{0,3}}? the (?:{_LOW_FIRST}|{_HIGH_FIRST}) ones\b"),
)
_HIGH_FIRST_RE = re.compile(rf"\b(?:{_HIGH_FIRST}|high(?:est)? to low)\b")


def extract_sort(text: str) -> tuple[str | None, str]:
    """A price order asked for: "price_asc" (cheapest first) or "price_desc", and the text without it."""
    for pattern in _SORT_RES:
        m = pattern.search(text)
        if m:
            return ("price_desc" if _HIGH_FIRST_RE.search(m.group(0)) else "price_asc"), _blank(text, m)
    return None, text


def _top_of_list(text: str, m: re.Match[str]) -> bool:
    """"the top one", "the top backpack" point at the list; "a crop top", "top quality" do not."""
    if not m.group(0).startswith(("the ", "that ")):
        return False
    after = text[m.end():].split()
    return bool(after) and (after[0] in {"one", "ones", "pair", "result", "option", "pick"} or after[0] in TYPE_WORDS)


_CHEAPER_OF_RE = re.compile(r"\bthe (cheaper|cheapest|pricier|priciest|dearer|more expensive) (?:one |pair )?of "
                            r"(?:the (?:first )?|those |these )?(two|three|2|3)\b")  # "the cheaper of the first two"


def extract_ordinal_reference(text: str) -> tuple[str | None, str]:
    m = _ORDINAL_THREE_RE.search(text)
    if m:  # "the first, second and third"
        return "ordinal:" + ",".join(str(ORDINALS[g]) for g in m.groups()), _blank(text, m)
    m = _CHEAPER_OF_RE.search(text)
    if m:
        which = "cheapest" if m.group(1).startswith("cheap") else "priciest"
        count = 2 if m.group(2) in ("two", "2") else 3
        return f"{which}:" + ",".join(str(i) for i in range(1, count + 1)), _blank(text, m)
    m = _ORDINAL_PAIR_RE.search(text)
    if m:
        return f"ordinal:{ORDINALS[m.group(1)]},{ORDINALS[m.group(2)]}", _blank(text, m)
    m = _FIRST_TWO_RE.search(text)
    if m:
        count = 2 if m.group(1) in ("2", "two") else 3
        return "ordinal:" + ",".join(str(i) for i in range(1, count + 1)), _blank(text, m)
    for m in _ORDINAL_RE.finditer(text):  # "add the top, the second one": "top" is the garment there
        if m.group(1) != "top" or _top_of_list(text, m):
            return f"ordinal:{ORDINALS[m.group(1)]}", _blank(text, m)
    m = _NUMBERED_RE.search(text)
    if m:
        return f"ordinal:{m.group(1) or 1}", _blank(text, m)  # "number one, size five"
    m = _ALL_OF_RE.search(text)
    if m and _UNITS_BEFORE_RE.search(text, 0, m.start()):
        return "focus", _blank(text, m)  # "two of those, both in small": two of the one in focus
    if m:  # "both of them", "all three"
        count = 2 if m.group(0).startswith("both") else 3
        return "ordinal:" + ",".join(str(i) for i in range(1, count + 1)), _blank(text, m)
    m = _CHEAPEST_RE.search(text)
    if m:
        return "cheapest", _blank(text, m)
    m = _PRICIEST_RE.search(text)
    if m:
        return "priciest", _blank(text, m)
    return None, text


def extract_focus_reference(text: str) -> tuple[str | None, str]:
    m = _FOCUS_RE.search(text)
    if m:
        return "focus", _blank(text, m)
    return None, text


def attribute_reference_re(words: str) -> re.Pattern[str]:
    """'the blue one' / 'the puma ones' / 'the red pair' / 'the first yellow one' pattern for a colour
    or brand alternation."""
    return re.compile(rf"\b(?:the|that|those|this)\s(?:first\s)?({words})\s(?:[a-z]+\s)?{_THE_WORD_ONE}\b")  # "the grey checked one"


# ---------- simple lexicon slots ----------
def _lexicon_slot(pattern: re.Pattern[str], table: dict[str, str], text: str) -> tuple[str | None, str]:
    """The first phrase of `table` that `pattern` finds: its value, and the text with it blanked."""
    m = pattern.search(text)
    if m:
        return table[m.group(1)], _blank(text, m)
    return None, text


def extract_category(text: str) -> tuple[str | None, str]:
    return _lexicon_slot(_CATEGORY_RE, _CATEGORY, text)


_WORK_PARTY_RE = re.compile(r"\s(?:christmas |xmas |holiday |year end |end of year |leaving |summer )?(?:party|do|bash|dinner)\b")


def extract_occasion(text: str) -> tuple[str | None, str]:
    matches = sorted(_OCCASION_RE.finditer(text), key=lambda m: "friday" not in m.group(1))  # casual fridays first
    for m in matches:
        word = m.group(1)
        if _OCCASION.get(word) == "office" and _WORK_PARTY_RE.match(text, m.end()):
            continue  # "the office christmas party": a party, held by the office
        if (
            word in _NEEDS_CUE
            and not re.search(r"\b(?:for|to|at|a)\s$", text[: m.start()])
            and not re.match(r"\s+(?:_(?!\w)|wear|outfit|clothes|look|wardrobe|trousers|pants|shoes|shirts?|bags?|blazers?|dress|dresses|"
                             r"skirts?|tops?|suits?|blouses?|kurtas?|kurtis?|sarees?|heels|flats|loafers|jackets?)\b",
                             text[m.end() :])  # "a pair of work trousers"
        ):
            continue
        return _OCCASION[word], _blank(text, m)
    return None, text


def extract_style(text: str) -> tuple[str | None, str]:
    return _lexicon_slot(_STYLE_RE, _STYLE, text)


def extract_material(text: str) -> tuple[str | None, str]:
    return _lexicon_slot(_MATERIAL_RE, _MATERIAL, text)


# "not for him, for me, a ladies kurta": the department taken back is none asked for
_NOT_FOR_DEPARTMENT_RE = re.compile(r"\b(?:not|isnt|arent|its not|thats not) for (?:him|her|men|mens|women|womens|boys|girls)\b")


def extract_gender(text: str) -> tuple[str | None, str]:
    return _lexicon_slot(_GENDER_RE, _GENDER, _NOT_FOR_DEPARTMENT_RE.sub(BLANK, text))


_WISHED_NOT_RE = re.compile(r"\b(?:nothing|not|no|none|anything not)\s+(?:so\s+|(?:\w+\s+){1,2}(?:or|nor)\s+)?$")


def extract_reason(text: str) -> tuple[str | None, str | None, str]:
    """Return reason and fit feedback ('too small' -> ('too small', 'small'))."""
    m = _REASON_RE.search(text)
    if m and m.group(1) in ("dont like", "do not like") and not re.match(
            r"\s*(?:it|them|how|the|that|this|those|these|\W*$)", text[m.end():]):
        m = None  # "she don't like gold": what she likes, not why something goes back
    if m and m.group(1).startswith("too ") and _WISHED_NOT_RE.search(text[: m.start()]):
        m = None  # "nothing too short", "not too tight": a wish for the next one, not a reason to send back
    if not m:
        fit_m = re.search(rf"\b({_alternation(list(_FIT))})\b", text)
        if fit_m and not _WISHED_NOT_RE.search(text[: fit_m.start()]):
            return None, _FIT[fit_m.group(1)], _blank(text, fit_m)
        return None, None, text
    phrase = m.group(1)
    return _REASON[phrase], _FIT.get(phrase), _blank(text, m)


LEXICON_WORDS: frozenset[str] = frozenset(
    w
    for table in (_CATEGORY, _OCCASION, _STYLE, _MATERIAL, _GENDER, _REASON, _LETTER)
    for phrase in table
    for w in phrase.split()
)
