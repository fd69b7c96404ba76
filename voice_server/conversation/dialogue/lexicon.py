"""Fixed spoken vocabulary of the shopping domain: synonyms mapped to canonical slot values.

Every table maps a *spoken phrase* (lower case, single spaces, no punctuation) to the canonical
value used by the shop (categories from docs/architecture.md, catalog colours, ...).
"""

from __future__ import annotations

from commerce.catalog.taxonomy import CATEGORIES
from commerce.catalog.vocabulary import PRODUCT_TYPES, TYPE_WORDS

# Garment words come from the shop's one vocabulary (commerce.catalog.vocabulary); only what speech
# recognition makes of some of them, and the category names themselves, are added here.
HEARD_AS: dict[str, str] = {
    "courtney": "kurtas", "sneeker": "shoes", "sneekers": "shoes", "snickers": "shoes",
}
CATEGORY_SYNONYMS: dict[str, str] = {
    **{phrase: category for phrase, name in TYPE_WORDS.items()
       if (category := PRODUCT_TYPES[name].category) is not None},
    **{category: category for category in CATEGORIES},
    **HEARD_AS,
    "salwar": "ethnic_sets", "track suit": "activewear", "trolley bag": "bags", "smartwatch": "watches",
    "anklet": "jewellery", "anklets": "jewellery",
}

# Spoken colour -> catalog colour candidates, first present in the vocabulary wins.
COLOUR_SYNONYMS: dict[str, tuple[str, ...]] = {
    "navy blue": ("navy", "navy blue", "blue"),
    "navy": ("navy", "navy blue", "blue"),
    "dark blue": ("navy", "blue"),
    "light blue": ("blue",),
    "sky blue": ("blue",),
    "royal blue": ("blue",),
    "teal": ("green", "blue"),
    "turquoise": ("blue",),
    "blue": ("blue",),
    "black": ("black",),
    "red": ("red",),
    "green": ("green",),
    "olive": ("green", "olive"),
    "olive green": ("green",),
    "white": ("white",),
    "off white": ("white",),
    "cream": ("beige", "white"),
    "ivory": ("white",),
    "grey": ("grey",),
    "gray": ("grey",),
    "brown": ("brown",),
    "tan": ("brown", "tan"),
    "yellow": ("yellow",),
    "pink": ("pink",),
    "beige": ("beige",),
    "nude": ("beige",),
    "gold": ("gold",),
    "golden": ("gold",),
    "maroon": ("maroon",),
    "wine": ("burgundy", "maroon"),
    "orange": ("orange",),
    "silver": ("silver",),
    "purple": ("purple",),
    "violet": ("purple",),
    "burgundy": ("burgundy",),
    "khaki": ("khaki",),
    "lavender": ("lavender",),
    "lilac": ("lavender",),
    "mustard": ("mustard",),
    "magenta": ("magenta",),
    "charcoal": ("charcoal",),
    "rose": ("rose",),
    "peach": ("peach",),
    "coral": ("peach", "orange"),
    "bronze": ("bronze",),
}

OCCASIONS: dict[str, str] = {
    "wedding": "wedding",
    "weddings": "wedding",
    "reception": "wedding",
    "sangeet": "wedding",
    "party": "party",
    "parties": "party",
    "cocktail": "party",
    "night out": "party",
    "date night": "party",
    "clubbing": "party",
    "office": "office",
    "work": "office",
    "the office": "office",
    "business": "office",
    "meeting": "office",
    "interview": "office",
    "job interview": "office",
    "casual": "casual",
    "everyday": "casual",
    "daily wear": "casual",
    "weekend": "casual",
    "festive": "festive",
    "festival": "festive",
    "music festival": "casual",  # a field in summer, not festive (Indian festival) wear
    "festival with the lads": "casual",
    "diwali": "festive",
    "eid": "festive",
    "puja": "festive",
    "beach": "beach",
    "vacation": "beach",
    "holiday": "beach",
    "the beach": "beach",
    "summer holiday": "beach",
    "gym": "gym",
    "workout": "gym",
    "the gym": "gym",
    "running": "gym",
    "training": "gym",
    "yoga": "gym",
    "sports": "gym",
    "jogging": "gym",
}

STYLES: dict[str, str] = {
    "slim fit": "slim fit",
    "slim": "slim fit",
    "skinny": "skinny fit",
    "skinny fit": "skinny fit",
    "regular fit": "regular fit",
    "relaxed fit": "relaxed fit",
    "loose": "relaxed fit",
    "oversized": "oversized",
    "baggy": "relaxed fit",
    "straight fit": "straight fit",
    "printed": "printed",
    "print": "printed",
    "graphic": "printed",
    "solid": "solid",
    "plain": "solid",
    "striped": "striped",
    "stripes": "striped",
    "stripy": "striped",
    "floral": "floral",
    "flowery": "floral",
    "checked": "checked",
    "checks": "checked",
    "plaid": "checked",
    "embroidered": "embroidered",
    "ethnic": "ethnic",
    "traditional": "ethnic",
    "formal": "formal",
    "smart": "formal",
    "dressy": "formal",
    "sporty": "sporty",
    "casual look": "casual",
    "polka dot": "polka dot",
    "polka dots": "polka dot",
    "self design": "self design",
    "bodycon": "bodycon",
    "a line": "a-line",
    "maxi": "maxi",
    "midi": "midi",
    "mini": "mini",
    "distressed": "distressed",
    "ripped": "distressed",
    "washed": "washed",
}

MATERIALS: dict[str, str] = {
    "cotton": "cotton",
    "linen": "linen",
    "denim": "denim",
    "silk": "silk",
    "silky": "silk",
    "leather": "leather",
    "faux leather": "leather",
    "polyester": "polyester",
    "poly": "polyester",
    "wool": "wool",
    "woollen": "wool",
    "woolen": "wool",
    "woolly": "wool",
    "chiffon": "chiffon",
    "georgette": "georgette",
    "rayon": "rayon",
    "viscose": "rayon",
    "satin": "satin",
    "velvet": "velvet",
    "fleece": "fleece",
    "nylon": "nylon",
    "crepe": "crepe",
}

# Letter sizes: spoken form -> canonical label, and canonical -> speakable word.
LETTER_SIZES: dict[str, str] = {
    "extra extra small": "XXS",
    "xxs": "XXS",
    "extra small": "XS",
    "x small": "XS",
    "xs": "XS",
    "ex small": "XS",
    "small": "S",
    "medium": "M",
    "med": "M",
    "large": "L",
    "extra large": "XL",
    "x large": "XL",
    "xl": "XL",
    "ex large": "XL",
    "x l": "XL",
    "extra extra large": "XXL",
    "double extra large": "XXL",
    "double xl": "XXL",
    "xxl": "XXL",
    "double x l": "XXL",
    "2xl": "XXL",
    "two xl": "XXL",
    "2 xl": "XXL",
    "triple extra large": "3XL",
    "xxxl": "3XL",
    "3xl": "3XL",
}
SIZE_LETTER_LABELS: tuple[str, ...] = ("S", "M", "L", "XS", "XL", "XXL", "XXS", "3XL")

SIZE_WORDS: dict[str, str] = {
    "XXS": "double extra small",
    "XS": "extra small",
    "S": "small",
    "M": "medium",
    "L": "large",
    "XL": "extra large",
    "XXL": "double extra large",
    "3XL": "triple extra large",
}

GENDER_PHRASES: dict[str, str] = {
    "for men": "men",
    "mens": "men",
    "men": "men",
    "for him": "men",
    "man": "men",
    "male": "men",
    "gents": "men",
    "for my husband": "men",
    "for my boyfriend": "men",
    "for my dad": "men",
    "for my father": "men",
    "for my brother": "men",
    "for women": "women",
    "womens": "women",
    "women": "women",
    "ladies": "women",
    "for her": "women",
    "woman": "women",
    "female": "women",
    "for my wife": "women",
    "for my girlfriend": "women",
    "for my mom": "women",
    "for my mum": "women",
    "for my mother": "women",
    "for my sister": "women",
    "unisex": "unisex",
    "for my son": "boys",
    "boys": "boys",
    "boy": "boys",
    "for a boy": "boys",
    "for my nephew": "boys",
    "for my daughter": "girls",
    "girls": "girls",
    "girl": "girls",
    "for a girl": "girls",
    "for my niece": "girls",
}

ORDINALS: dict[str, int] = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "last": -1,
    "final": -1,
    "top": 1,
}

FILLER_WORDS: frozenset[str] = frozenset(
    {
        "um",
        "umm",
        "uh",
        "uhh",
        "er",
        "erm",
        "hmm",
        "like",
        "okay",
        "ok",
        "so",
        "well",
        "please",
        "hey",
        "actually",
        "just",
        "maybe",
    }
)

RETURN_REASONS: dict[str, str] = {
    "too small": "too small",
    "too tight": "too small",
    "doesn't fit": "doesn't fit",
    "does not fit": "doesn't fit",
    "too big": "too large",
    "too large": "too large",
    "too loose": "too large",
    "too long": "too long",
    "too short": "too short",
    "damaged": "damaged",
    "broken": "damaged",
    "torn": "damaged",
    "defective": "damaged",
    "wrong item": "wrong item",
    "wrong size": "wrong size",
    "wrong colour": "wrong colour",
    "wrong color": "wrong colour",
    "don't like": "changed my mind",
    "do not like": "changed my mind",
    "changed my mind": "changed my mind",
    "not as pictured": "not as described",
    "not as described": "not as described",
    "looks different": "not as described",
    "poor quality": "poor quality",
    "bad quality": "poor quality",
    "colour faded": "poor quality",
}
FIT_FEEDBACK: dict[str, str] = {
    "too small": "small",
    "too tight": "small",
    "runs small": "small",
    "a bit small": "small",
    "too big": "large",
    "too large": "large",
    "too loose": "large",
    "runs large": "large",
    "a bit big": "large",
    "run small": "small",
    "run large": "large",
    "run big": "large",
    "fits fine": "fit",
    "fits well": "fit",
    "fits perfectly": "fit",
}

# Words that may not be read as a brand on their own without a cue ("from", "by", "brand").
COMMON_WORDS: frozenset[str] = frozenset(
    """
a an and the of to for with in on at by from as or but if so not no yes is are was be been it its
this that these those one two three some any all more most less least other another same such only
even just very really simply also too than then there here now new old next last first second
show me find get give want need like looking look buy shop add cart remove take put see tell help
good great nice cool best better cheap cheaper expensive price free people person man men woman women
kid kids boy boys girl girls baby home house city street urban club star sun moon sky day night
life love lady ladies madame miss king queen prince duke fox cat dog bird tree palm rose flower
genie genius force metro police fortune liberty fever envy zeal killer frozen rare selected id
with zoop even simply people style fashion story crew wild west east north south plan friday
store code cover basic basics dream dreams sweet pure play golden jewels silk mills yellow red blue
black white green pink tape gap gas cat and with ant ants slub iti sera ether fungus justpeachy
coolers campus saint fab
""".split()
)
