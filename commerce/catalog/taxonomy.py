"""Rules that map a raw product name/description to the demo catalog's taxonomy.

Pure functions; documented in ``docs/catalog.md``. The first matching rule wins, so more
specific phrases come first (``"t-shirt"`` before ``"shirt"``, ``"sports sandals"`` before
``"shoes"``).
"""

from __future__ import annotations

import re

CATEGORIES: tuple[str, ...] = (
    "tops", "tshirts", "shirts", "sweaters", "jackets", "dresses", "kurtas", "sarees", "jeans",
    "trousers", "shorts", "skirts", "ethnic_sets", "nightwear", "innerwear", "activewear", "shoes",
    "sandals", "bags", "watches", "jewellery", "accessories",
)

# (category, patterns) — matched against the lower-cased product name.
_NAME_RULES: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    (None, ("curtain", "cushion", "pillow", "placemat", "table runner", "mug", "carpet", "bedsheet",
            "towel", "blanket", "quilt", "comforter", "dohar", "bath mat", "rug", "lamp", " ml",
            "perfume", "deodorant", "eau de", "lipstick", "nail polish", "face wash", "shampoo",
            "fragrance", "candle", "planter", "vase", "showpiece", "photo frame", "door mat",
            "cutlery", "serving", "tray", "coaster", "sofa", "mattress", "diffuser", "topiary")),
    ("ethnic_sets", ("kurta with", "kurta set", "kurti with", "& dupatta", "with dupatta", "with palazzos",
                     "with churidar", "lehenga", "choli", "salwar", "sherwani", "dhoti", "kurta pyjama")),
    ("nightwear", ("night suit", "nightdress", "night dress", "pyjama", "lounge", "sleepwear", "nighty",
                   "with pyjamas", "robe", "sleep shirt")),  # a sleep shirt is worn to bed, not to work
    ("innerwear", ("bra", "brief", "boxer", "trunk", "panties", "innerwear", "vest", "camisole", "thermal",
                   "shapewear", "lingerie", "socks", "shoe liner")),  # liners are worn like socks, not shoes
    ("sarees", ("saree", "sari")),
    ("kurtas", ("kurta", "kurti", "tunic")),
    ("watches", ("watch",)),
    ("jewellery", ("earring", "jhumka", "necklace", "pendant", "bracelet", "bangle", "ring", "jewellery",
                   "anklet", "nose pin", "maang tikka", "cufflink", "brooch", "mangalsutra", "chain")),
    ("bags", ("backpack", "bag", "clutch", "wallet", "purse", "tote", "satchel", "duffel", "pouch",
              "trolley", "luggage", "suitcase")),
    ("sandals", ("sandal", "ballerina", "flip-flop", "flip flop", "slider", "flats", "heels", "pumps", "wedges",
                 "mules", "slippers", "juttis", "mojaris", "kolhapuri")),
    ("shoes", ("shoe", "sneaker", "loafer", "derby", "derbys", "brogue", "oxford", "boots", "slip-on",
               "moccasin", "trainers")),
    ("activewear", ("track pants", "joggers", "tracksuit", "sports bra", "tights", "leggings", "training",
                    "running", "gym", "sports shorts", "cycling", "yoga")),
    ("tshirts", ("t-shirt", "tshirt", "t shirt", "polo")),
    ("dresses", ("dress", "gown", "jumpsuit", "playsuit", "romper", "dungaree")),
    ("jackets", ("jacket", "blazer", "coat", "waistcoat", "shrug", "suit", "windcheater", "gilet")),
    ("sweaters", ("sweater", "sweatshirt", "hoodie", "cardigan", "pullover", "jumper")),
    ("shirts", ("shirt",)),
    ("jeans", ("jeans", "jeggings")),
    ("shorts", ("shorts", "bermuda")),  # before trousers: "cargo shorts" are shorts
    ("trousers", ("trouser", "chinos", "palazzo", "pants", "culottes", "capris", "cargo", "salwar")),
    ("skirts", ("skirt",)),
    ("tops", ("top", "blouse", "tank", "crop", "tee", "bodysuit", "kaftan", "camisole")),
    ("accessories", ("belt", "cap", "hat", "scarf", "stole", "muffler", "sunglasses", "tie", "pocket square",
                     "gloves", "mask", "umbrella", "hair", "dupatta", "shawl", "beanie", "suspenders",
                     "keychain", "frames", "card holder")),
)

_GENDERS = {"men": "men", "women": "women", "unisex": "unisex", "boys": "boys", "girls": "girls",
            "unisex kids": "unisex"}

OCCASION_WORDS: dict[str, tuple[str, ...]] = {
    "wedding": ("wedding", "bridal", "sherwani", "lehenga", "kanjeevaram", "banarasi", "zari"),
    "festive": ("festive", "ethnic", "kurta", "saree", "embroidered", "zari", "sequinned"),
    "party": ("party", "sequin", "embellished", "bodycon", "cocktail", "heels", "clutch"),
    "office": ("formal", "office", "blazer", "trousers", "derby", "oxford", "suit", "work"),
    "casual": ("casual", "t-shirt", "jeans", "sneakers", "shorts", "denim"),
    "gym": ("running", "training", "sports", "gym", "track", "football", "yoga", "workout"),
    "beach": ("beach", "swim", "flip-flop", "resort", "vacation"),
}
STYLE_WORDS: dict[str, tuple[str, ...]] = {
    "printed": ("printed", "print"),
    "solid": ("solid",),
    "striped": ("striped", "stripes"),
    "checked": ("checked", "checks"),
    "floral": ("floral",),
    "slim fit": ("slim fit",),
    "regular fit": ("regular fit",),
    "skinny": ("skinny",),
    "embroidered": ("embroidered",),
    "ethnic": ("ethnic", "kurta", "saree", "ethnic motifs"),
    "formal": ("formal",),
    "distressed": ("distressed",),
    "embellished": ("embellished", "sequin", "glitter", "shimmer", "metallic", "sparkl", "beaded"),
}
MATERIAL_WORDS: dict[str, tuple[str, ...]] = {
    "cotton": ("cotton",),
    "linen": ("linen",),
    "denim": ("denim", "jeans"),
    "silk": ("silk",),
    "leather": ("leather",),
    "polyester": ("polyester",),
    "wool": ("wool", "woollen", "woolen"),
    "georgette": ("georgette",),
    "rayon": ("rayon", "viscose"),
    "chiffon": ("chiffon",),
}


def _contains(text: str, phrase: str) -> bool:
    if phrase.startswith(" ") or not phrase[0].isalnum():
        return phrase in text
    return re.search(r"(?<![a-z])" + re.escape(phrase), text) is not None


def categorize(name: str, brand: str | None = None) -> str | None:
    """The demo category for a product name, or None for non-fashion items (home, beauty).

    The leading ``brand`` is ignored: "DressBerry Women Blue Skinny Fit Jeans" are jeans, not a
    dress (72 DressBerry sweatshirts, tops and jeans had been filed under dresses).
    """
    lowered = name.lower()
    if brand and lowered.startswith(brand.lower().strip()):
        lowered = lowered[len(brand.strip()):]
    for category, patterns in _NAME_RULES:
        if any(_contains(lowered, p) for p in patterns):
            return category
    return None


_FREE_SIZE_WORDS = ("socks", "sock", "stockings", "scarf", "stole", "muffler", "beanie", "gloves")


def is_free_size(name: str) -> bool:
    """Items sold in one free size whatever their category (socks, scarves, gloves)."""
    lowered = name.lower()
    return any(_contains(lowered, w) for w in _FREE_SIZE_WORDS)


def normalize_gender(raw: str) -> str | None:
    return _GENDERS.get(raw.strip().lower())


def normalize_colour(raw: str | None) -> str | None:
    colour = (raw or "").strip().lower()
    if not colour or colour in {"matte", "multi"}:
        return None
    return {"navy": "navy blue"}.get(colour, colour)


def tags(text: str, vocabulary: dict[str, tuple[str, ...]]) -> list[str]:
    lowered = text.lower()
    return sorted(tag for tag, words in vocabulary.items() if any(_contains(lowered, w) for w in words))
