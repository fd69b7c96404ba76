"""Speakable phrasing: prices, sizes, product mentions, lists. Pure functions."""

from __future__ import annotations

import re

from commerce.catalog.vocabulary import MATERIAL_WORDS, type_plural, type_singular, types_phrase
from commerce.models import Cart, ProductCard, SearchFilters
from commerce.sizing.charts import ONESIZE
from voice_server.conversation.dialogue.lexicon import SIZE_WORDS
from voice_server.conversation.dialogue.state import ShownProduct

MAX_SPOKEN_PRODUCTS = 3
SPOKEN_REPLY_CHARS = 120
"""Default length of a spoken reply that lists products: about 6 s of the default Piper voice (~19
characters a second); the whole list goes to the screen in the payload (`Settings.spoken_reply_chars`)."""
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth")
COUNT_WORDS = ("none", "one", "two", "three", "four", "five", "six")
CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    "tops": ("top", "tops"),
    "tshirts": ("t-shirt", "t-shirts"),
    "shirts": ("shirt", "shirts"),
    "sweaters": ("sweater", "sweaters"),
    "jackets": ("jacket", "jackets"),
    "dresses": ("dress", "dresses"),
    "kurtas": ("kurta", "kurtas"),
    "sarees": ("saree", "sarees"),
    "jeans": ("pair of jeans", "jeans"),
    "trousers": ("pair of trousers", "trousers"),
    "shorts": ("pair of shorts", "shorts"),
    "skirts": ("skirt", "skirts"),
    "ethnic_sets": ("ethnic set", "ethnic sets"),
    "nightwear": ("nightwear set", "nightwear"),
    "innerwear": ("innerwear item", "innerwear"),
    "activewear": ("activewear piece", "activewear"),
    "shoes": ("pair of shoes", "shoes"),
    "sandals": ("pair of sandals", "sandals"),
    "bags": ("bag", "bags"),
    "watches": ("watch", "watches"),
    "jewellery": ("jewellery piece", "jewellery"),
    "accessories": ("accessory", "accessories"),
}
_GENDER_WORDS = {"men": "men's", "women": "women's", "boys": "boys'", "girls": "girls'", "unisex": "unisex"}
_DANGLING = frozenset({"&", "and", "with", "or", "of", "in", "for"})
_NAME_NOISE = re.compile(r"\b(men|women|boys|girls|unisex|kids|infants?|pack of \d+)(?:'s)?\b", re.I)


def speak_price(cents: int, *, approximate: bool = False) -> str:
    """4999 -> '49 dollars 99'; 5000 -> '50 dollars'; approximate=True -> 'about 50 dollars'."""
    dollars, rest = divmod(int(cents), 100)
    if approximate:
        rounded = round(cents / 100)
        return f"about {rounded} dollar{'s' if rounded != 1 else ''}"
    unit = "dollar" if dollars == 1 else "dollars"
    return f"{dollars} {unit}" if rest == 0 else f"{dollars} {unit} {rest:02d}"


def a_or_an(word: str) -> str:
    """"a 6", "an 8", "an 11", "an extra large": the article as the word is said."""
    said = word.lower()
    vowel = said[:1] in "aeio" or said.startswith(("8", "11", "18", "hour"))
    return f"{'an' if vowel else 'a'} {word}"


def speak_size(label: str | None) -> str:
    """'M' -> 'medium'; '32x34' -> '32 by 34'; '9' -> 'size 9'."""
    if not label:
        return "one size"
    upper = label.upper()
    if upper in SIZE_WORDS:
        return SIZE_WORDS[upper]
    if "X" in upper and upper.replace("X", "").isdigit():
        waist, _, length = upper.partition("X")
        return f"{waist} by {length}"
    return f"size {label}"


def speak_sizes(labels: list[str]) -> str:
    """Sizes in stock, a run said as a range: ['6', '7', '8', '9'] -> 'sizes 6 to 9'; ['S', 'M', 'L'] ->
    'small to large'; anything else as a list ('small, medium and extra large')."""
    upper = [label.upper() for label in labels]
    if len(upper) >= 3:
        if all(label.isdigit() for label in upper):
            numbers = [int(label) for label in upper]
            if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
                return f"sizes {numbers[0]} to {numbers[-1]}"
        letters = list(SIZE_WORDS)
        if all(label in SIZE_WORDS for label in upper):
            at = [letters.index(label) for label in upper]
            if at == list(range(at[0], at[0] + len(at))):
                return f"{SIZE_WORDS[upper[0]]} to {SIZE_WORDS[upper[-1]]}"
    return speak_list([speak_size(label) for label in labels], "and")


def speak_list(items: list[str], conjunction: str = "or") -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def short_name(name: str, brand: str) -> str:
    """Drop the brand prefix and gender words: 'Roadster Men Navy Slim Fit Jeans' -> 'navy slim fit jeans'."""
    text = name
    if text.lower().startswith(brand.lower()):
        text = text[len(brand) :]
    text = _NAME_NOISE.sub(" ", text)
    words = re.sub(r"[^\w&'\- ]|(?<!\w)-|-(?!\w)", " ", text).split()  # "t-shirt", "slip-on" stay whole
    while len(words) > 1 and (words[-1].lower() in _DANGLING or any(c.isdigit() for c in words[-1])):
        words.pop()  # "... T-shirt for [Men]", "... Analogue Watch [1802WL01]": no code is said aloud
    if len(words) > 5:  # a spoken name: colour and style, then the type Myntra names put last
        head = words[:3]
        while head and head[-1].lower() in _DANGLING:  # "navy blue & [white striped] dress"
            head.pop()
        words = [*head, words[-1]]
    return " ".join(words).lower()


def mention(product: ProductCard | ShownProduct, *, with_price: bool = True) -> str:
    """'a Roadster navy slim fit jeans for 24 dollars 10'."""
    text = f"{product.brand} {short_name(product.name, product.brand)}"
    return f"{text} for {speak_price(product.price_cents)}" if with_price else text


def category_phrase(category: str | None, plural: bool = True) -> str:
    if category is None:
        return "items" if plural else "item"
    singular, many = CATEGORY_WORDS.get(category, (category, category))
    return many if plural else singular


def one_of(filters: SearchFilters) -> str:
    """What one product of a search is called: 'sports bra', 'pair of jeans', 'dress'."""
    return type_singular(filters.name_any) or category_phrase(filters.category, plural=False)


SORT_WORDS = {"price_asc": "cheapest", "price_desc": "most expensive"}


def describe_filters(filters: SearchFilters) -> str:
    """'red linen dresses under 20 dollars' from filters (speakable)."""
    parts: list[str] = []
    if filters.brand:  # "Global Desi or AURELIA kurtas": each make asked for, as the brands list keeps them
        makes = {b.casefold(): b for b in (filters.brand, *filters.brands)}
        parts.append(speak_list([filters.brand, *(b for key, b in makes.items() if key != filters.brand.casefold())]))
    if filters.gender:
        parts.append(_GENDER_WORDS.get(filters.gender, filters.gender))
    elif filters.age_group == "kids":
        parts.append("kids'")
    if filters.colour:
        parts.append(filters.colour)
    if filters.style:
        parts.append(filters.style)
    if filters.material:
        parts.append(filters.material)
    parts.append(type_plural(filters.name_any) or (types_phrase(filters.name_any) if filters.category is None else None)
                 or category_phrase(filters.category))
    if filters.occasion:
        parts.append(occasion_phrase(filters.occasion))
    if filters.size:
        parts.append(f"in {speak_sizes([filters.size, *filters.also_sizes]) if filters.also_sizes else speak_size(filters.size)}")
    if filters.price_min_cents is not None and filters.price_max_cents is not None:
        parts.append(
            f"between {speak_price(filters.price_min_cents)} and {speak_price(filters.price_max_cents)}"
        )
    elif filters.price_max_cents is not None:
        parts.append(f"under {speak_price(filters.price_max_cents)}")
    elif filters.price_min_cents is not None:
        parts.append(f"over {speak_price(filters.price_min_cents)}")
    return " ".join(parts)


def occasion_phrase(occasion: str) -> str:
    """'for the office', 'for wedding': the occasion asked for (speakable)."""
    return f"for the {occasion}" if occasion in ("office", "gym") else f"for {occasion}"


def product_list(products: list[ProductCard], room: int = SPOKEN_REPLY_CHARS) -> tuple[str, list[int]]:
    """Speak the first product, then each next one (at most three) while the text stays within `room`
    characters; returns the text and each mention's end offset."""
    pieces: list[str] = []
    ends: list[int] = []
    offset = 0
    for index, product in enumerate(products[:MAX_SPOKEN_PRODUCTS]):
        piece = f"{ORDINAL_WORDS[index].capitalize()}, {mention(product)}."
        end = offset + len(piece) + (1 if pieces else 0)
        if pieces and end > room:
            break
        offset = end
        pieces.append(piece)
        ends.append(offset)
    return " ".join(pieces), ends


def cart_sentence(cart: Cart) -> str:
    count = cart.item_count
    if count == 0:
        return "Your cart is empty."
    noun = "item" if count == 1 else "items"
    return f"You have {count} {noun} in your cart, {speak_price(cart.total_cents)} in total."


def cart_lines(cart: Cart) -> str:
    spoken = [
        ("" if line.quantity == 1 else f"{line.quantity} of ")
        + f"{line.brand} {short_name(line.name, line.brand)}"
        + (f" in {speak_size(line.size)}" if line.size and line.size.lower() != ONESIZE.lower() else "")
        for line in cart.lines[:MAX_SPOKEN_PRODUCTS]
    ]
    more = len(cart.lines) - MAX_SPOKEN_PRODUCTS
    if more > 0:
        spoken.append(f"{more} more")
    return speak_list(spoken, "and")


# the words a listing uses for a quality asked about ("is it waterproof": "water resistant")
_FEATURE_WORDS = {
    "waterproof": ("water",), "water resistant": ("water",), "water proof": ("water",), "splash proof": ("water",),
    "stretchy": ("stretch", "elastane", "spandex", "lycra"), "stretch": ("stretch", "elastane", "spandex", "lycra"),
    "warm": ("warm", "fleece", "wool", "padded", "thermal", "insulated", "quilted"),
    "long": ("length", "maxi", "midi", "mini", "knee"), "short": ("length", "mini", "knee", "crop"),
    "knee length": ("knee",), "full length": ("full length", "ankle", "maxi"),
    "lightweight": ("lightweight", "light weight"), "see through": ("sheer",),
    "itchy": ("soft", "itch", "cotton"), "scratchy": ("soft", "itch", "cotton"), "soft": ("soft",),
    "comfortable": ("comfort", "soft"), "comfy": ("comfort", "soft"),
    "up": ("button", "zip", "front open", "open front", "wrap", "snap"),  # "does it do up at the front"
    "uv protection": ("uv", "polari"), "polarized": ("polari",), "polarised": ("polari",),
}
_QUALITIES = frozenset(_FEATURE_WORDS) | {"slim fit", "regular fit", "lined", "padded", "breathable", "adjustable",
                                          "wrinkle free", "sheer", "up"}


def feature_sentence(card: ProductCard, feature: str) -> str:
    """Whether the listing mentions a feature asked about ("does it have a zip", "is it waterproof")."""
    text = f"{card.name} {card.description or ''}".lower()
    if feature.startswith("good for "):  # "any good for trail running": the use, as the listing names it
        use = feature.removeprefix("good for ")
        if any(re.search(rf"\b{re.escape(w[:5])}", text) for w in use.split()):
            return f"The listing mentions {use.split()[-1]}, but I can't promise more than that."
        return f"I'm not sure, sorry: the listing doesn't say whether it's made for {use}."
    words = _FEATURE_WORDS.get(feature, (feature.rstrip("s")[:5],))
    said = next((m for w in words if w and (m := re.search(rf"\b{re.escape(w)}[\w-]*(?: [\w-]+)?", text))), None)
    if feature in _QUALITIES:
        if said:
            return f"The listing says {said.group(0)}."
        if feature == "long":  # "how long is it"
            return "I'm not sure, sorry: the listing doesn't give the length."
        if feature == "up":
            return "I'm not sure, sorry: the listing doesn't say whether it buttons or zips up at the front."
        return f"I'm not sure, sorry: the listing doesn't say whether it's {feature}."
    if said:
        return f"Yes, the listing mentions the {feature}."
    return f"I'm not sure, sorry: the listing doesn't mention {'a ' if not feature.endswith('s') else ''}{feature}."


def style_sentence(card: ProductCard, style: str) -> str:
    """Whether the listing names the cut or style asked about ("is it high waisted": high-rise)."""
    listing = f" {card.name} {card.description or ''} ".lower().replace("-", " ")
    if re.search(rf"\b{re.escape(style.lower().replace('-', ' '))}", listing):
        return f"Yes, the listing says {style}."
    return f"I'm not sure, sorry: the listing doesn't say it's {style}."


def includes_sentence(card: ProductCard, asked: str | None = None) -> str:
    """Whether the product comes with more than itself ("do those come with the pyjama bottoms",
    "does it come with a blouse piece": the listing is searched for the thing asked about)."""
    listing = f" {card.name} {card.description or ''} ".lower()
    head = asked.split()[0].rstrip("s") if asked else None
    if head and re.search(rf"\b{re.escape(head)}", listing):
        return f"Yes, the listing mentions a {asked}."
    if re.search(r"\b(?:set|with)\b", card.name.lower()):
        return "Yes, it's sold as a set."
    if asked:
        return f"The listing doesn't mention a {asked}, so I'd take it that it's sold on its own."
    return "As far as the listing says, it's sold on its own, so anything else is separate."


def department_sentence(card: ProductCard) -> str:
    """Whom a product is sold for ("is it for girls"): its department."""
    if card.gender == "unisex":
        return "It's unisex, for anyone."
    return f"It's from our {_GENDER_WORDS.get(card.gender, card.gender)} range."


def material_sentence(card: ProductCard, asked: str | None = None) -> str:
    """What the product is made of, from its name and description, or that the listing doesn't say;
    ``asked``: the material the shopper asked about ("is it real leather"), answered by name."""
    text = f" {card.name} {card.description or ''} ".lower()
    found = [m for m in MATERIAL_WORDS if re.search(rf"\b{re.escape(m)}\b", text)]
    found = [m for m in found if not any(m != other and m in other for other in found)]
    if not found:
        if asked:
            return f"The listing doesn't say whether it's {asked}, sorry, so I can't promise that."
        return "I don't know the fabric, sorry: the listing doesn't say what it's made of."
    if asked and asked in found:
        return f"Yes, the listing says it's made of {speak_list(found[:3], 'and')}."
    if asked:
        return f"The listing says {speak_list(found[:3], 'and')}; it doesn't mention {asked}."
    if card.category in _HARD_GOODS:  # a watch or a ring has no fabric
        return f"It's made of {speak_list(found[:3], 'and')}."
    return f"The fabric is {speak_list(found[:3], 'and')}."


_HARD_GOODS = frozenset({"watches", "jewellery"})
