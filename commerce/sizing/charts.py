"""Standard size charts (body measurements in cm) and the size labels each category uses.

The ranges are generic "standard body" charts of the kind most high-street retailers publish
(EU/UK/US women's and men's alpha sizes, jeans waist sizes in inches, US women's dress sizes,
UK adult shoe sizes).  They describe the *body* a size is cut for, not garment dimensions.
Neighbouring sizes share their boundary value.  Brands may store their own charts in the
``size_charts`` table (``brand_id`` set); these are the defaults (``brand_id`` NULL).

Sources of the numbers (rounded; documented in docs/sizing.md):

- women's alpha XS–XXL: bust 78–114, waist 60–96, hips 86–122 cm (typical EU 32–46 charts);
- men's alpha XS–XXL: chest 81–128, waist 66–113, hips 84–130 cm;
- waist sizes 26–40 (inches, even): waist = label ± 1 inch; hips = waist + 18 cm (men)
  / + 25 cm (women);
- US women's dress 0–20: bust 80→115, waist 61→96, hips 87→122 cm (size centres, ranges
  halfway to the neighbours);
- UK adult shoes 3–12: last length = (UK + 25) / 3 inches (barleycorn rule), foot length
  = last − 1.5 cm allowance, ± half a size (0.42 cm).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Measure = Literal["chest", "waist", "hips", "height", "foot"]
MEASURES: tuple[Measure, ...] = ("chest", "waist", "hips", "height", "foot")

ALPHA_SIZES: tuple[str, ...] = ("XS", "S", "M", "L", "XL", "XXL")
WAIST_SIZES: tuple[str, ...] = tuple(str(w) for w in range(26, 41, 2))
DEMO_WAIST_SIZES: tuple[str, ...] = tuple(str(w) for w in range(28, 39, 2))
DRESS_SIZES: tuple[str, ...] = tuple(str(s) for s in range(0, 21, 2))
SHOE_SIZES: tuple[str, ...] = tuple(str(s) for s in range(3, 13))
ONESIZE = "Onesize"

ALPHA_CATEGORIES: frozenset[str] = frozenset(
    {
        "tops",
        "tshirts",
        "shirts",
        "sweaters",
        "jackets",
        "dresses",
        "kurtas",
        "skirts",
        "ethnic_sets",
        "nightwear",
        "innerwear",
        "activewear",
    }
)
WAIST_CATEGORIES: frozenset[str] = frozenset({"jeans", "trousers", "shorts"})
WAIST_DEPARTMENTS: frozenset[tuple[str, str]] = frozenset(
    {("men", "jeans"), ("women", "jeans"), ("men", "trousers"), ("unisex", "jeans")})
SHOE_CATEGORIES: frozenset[str] = frozenset({"shoes", "sandals"})
ONESIZE_CATEGORIES: frozenset[str] = frozenset({"sarees", "bags", "watches", "jewellery", "accessories"})
CATEGORIES: tuple[str, ...] = tuple(
    sorted(ALPHA_CATEGORIES | WAIST_CATEGORIES | SHOE_CATEGORIES | ONESIZE_CATEGORIES)
)
GENDERS: tuple[str, ...] = ("men", "women", "unisex", "boys", "girls")

PRIMARY_MEASURE: dict[str, Measure] = {
    "alpha": "chest",
    "us_dress": "chest",
    "waist": "waist",
    "uk_shoe": "foot",
}
BOTTOM_CATEGORIES: frozenset[str] = frozenset({"skirts", "jeans", "trousers", "shorts"})


class SizeRange(BaseModel):
    """The body measurements (cm, inclusive ranges) one size label is cut for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    size_label: str
    measures: dict[Measure, tuple[float, float]]

    def centre(self, measure: Measure) -> float | None:
        bounds = self.measures.get(measure)
        return None if bounds is None else (bounds[0] + bounds[1]) / 2


class SizeChart(BaseModel):
    """An ordered chart (smallest size first) for one size system, gender and category group."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    size_system: str
    gender: str
    category_group: str
    sizes: list[SizeRange]

    @property
    def labels(self) -> list[str]:
        return [s.size_label for s in self.sizes]


def _ranges_from_centres(centres: list[float]) -> list[tuple[float, float]]:
    """Contiguous ranges: boundaries halfway between centres, end ranges mirrored."""
    bounds = [(a + b) / 2 for a, b in itertools.pairwise(centres)]
    first = centres[0] - (bounds[0] - centres[0])
    last = centres[-1] + (centres[-1] - bounds[-1])
    edges = [first, *bounds, last]
    return [(round(edges[i], 1), round(edges[i + 1], 1)) for i in range(len(centres))]


def _chart(
    system: str, gender: str, group: str, labels: tuple[str, ...], table: dict[Measure, list[tuple[float, float]]]
) -> SizeChart:
    sizes = [
        SizeRange(size_label=label, measures={m: edges[i] for m, edges in table.items()})
        for i, label in enumerate(labels)
    ]
    return SizeChart(size_system=system, gender=gender, category_group=group, sizes=sizes)


def _edges(boundaries: list[float]) -> list[tuple[float, float]]:
    return [(boundaries[i], boundaries[i + 1]) for i in range(len(boundaries) - 1)]


WOMENS_ALPHA = _chart(
    "alpha",
    "women",
    "tops_dresses",
    ALPHA_SIZES,
    {
        "chest": _edges([78, 82, 87, 92, 99, 106, 114]),
        "waist": _edges([60, 64, 69, 74, 81, 88, 96]),
        "hips": _edges([86, 90, 95, 100, 107, 114, 122]),
    },
)
MENS_ALPHA = _chart(
    "alpha",
    "men",
    "tops_dresses",
    ALPHA_SIZES,
    {
        "chest": _edges([81, 87, 94, 102, 110, 118, 128]),
        "waist": _edges([66, 72, 79, 87, 95, 103, 113]),
        "hips": _edges([84, 90, 96, 104, 112, 120, 130]),
    },
)


def _waist_chart(gender: str, hips_offset: float) -> SizeChart:
    inch = 2.54
    sizes = []
    for label in WAIST_SIZES:
        waist = int(label)
        lo, hi = round((waist - 1) * inch, 1), round((waist + 1) * inch, 1)
        sizes.append(
            SizeRange(
                size_label=label, measures={"waist": (lo, hi), "hips": (lo + hips_offset, hi + hips_offset)}
            )
        )
    return SizeChart(size_system="waist", gender=gender, category_group="bottoms", sizes=sizes)


MENS_WAIST = _waist_chart("men", 18.0)
WOMENS_WAIST = _waist_chart("women", 25.0)

_DRESS_CENTRES: dict[Measure, list[float]] = {
    "chest": [80, 82.5, 85, 87.5, 90, 93.5, 97, 101, 105, 110, 115],
    "waist": [61, 63.5, 66, 68.5, 71, 74.5, 78, 82, 86, 91, 96],
    "hips": [87, 89.5, 92, 94.5, 97, 100.5, 104, 108, 112, 117, 122],
}
WOMENS_DRESS = _chart(
    "us_dress",
    "women",
    "dresses",
    DRESS_SIZES,
    {m: _ranges_from_centres(c) for m, c in _DRESS_CENTRES.items()},
)


def _shoe_chart(gender: str) -> SizeChart:
    centres = [round(2.54 * (int(s) + 25) / 3 - 1.5, 2) for s in SHOE_SIZES]
    ranges = _ranges_from_centres(centres)
    sizes = [SizeRange(size_label=s, measures={"foot": r}) for s, r in zip(SHOE_SIZES, ranges, strict=True)]
    return SizeChart(size_system="uk_shoe", gender=gender, category_group="shoes", sizes=sizes)


MENS_SHOES = _shoe_chart("men")
WOMENS_SHOES = _shoe_chart("women")


def chart_gender(gender: str) -> str:
    """Adult chart used for a catalog gender: girls → women; men, boys, unisex → men."""
    return "women" if gender.strip().lower() in {"women", "girls"} else "men"


def waist_for_letter(letter: str, gender: str, among: Collection[str] | None = None,
                     max_off_cm: float = 6.0) -> str | None:
    """The waist size (inches) nearest the waist a letter size is cut for: men's M (waist 79–87 cm)
    → "32". With `among` (the sizes a product is stocked in) the nearest of those, and None when
    it is over `max_off_cm` away (about one waist size: a women's S, cut for a 26, is a 28 where
    26 is not made, but never a 30). None for a label that is not a letter size."""
    women = chart_gender(gender) == "women"
    alpha, waists = (WOMENS_ALPHA, WOMENS_WAIST) if women else (MENS_ALPHA, MENS_WAIST)
    waist = next((s.centre("waist") for s in alpha.sizes if s.size_label == letter.strip().upper()), None)
    stocked = {label.strip().upper() for label in among} if among is not None else None
    candidates = [s for s in waists.sizes if stocked is None or s.size_label in stocked]
    if waist is None or not candidates:
        return None
    off, label = min((abs((s.centre("waist") or 0.0) - waist), s.size_label) for s in candidates)
    return label if stocked is None or off <= max_off_cm else None


# Children's letter sizes by age (the common US kids' run: XS 4–5, S 6–7, M 8–9, L 10–11, XL 12,
# XXL 13): the demo sells kids' clothes in letters, and a parent knows the age before the size.
KIDS_LETTER_BY_AGE: tuple[tuple[int, str], ...] = ((5, "XS"), (7, "S"), (9, "M"), (11, "L"), (12, "XL"), (14, "XXL"))
YOUNGEST_KIDS_LETTER_AGE = 4


def kids_letter_for_age(years: int) -> str | None:
    """The kids' letter size for an age: 6 → "S"; None under 4 (smaller than the smallest) or over 14."""
    if years < YOUNGEST_KIDS_LETTER_AGE:
        return None
    return next((letter for oldest, letter in KIDS_LETTER_BY_AGE if years <= oldest), None)


# UK women's dress sizes against the letters a shop cuts in (a UK 8 is a small, a 12 a medium).
UK_DRESS_LETTER: dict[int, str] = {4: "XS", 6: "XS", 8: "S", 10: "S", 12: "M", 14: "L", 16: "XL", 18: "XXL", 20: "XXL"}


def letter_for_dress_size(number: int, category: str) -> str | None:
    """The letter size a women's dress size stands for ("I'm a size 12", dresses → "M") where the
    category is cut in letters; None where it is sized in numbers (waists, shoes) or not a dress size."""
    try:
        lettered = size_system_for(category, "women") == "alpha"
    except ValueError:
        return None
    return UK_DRESS_LETTER.get(number) if lettered else None


def size_system_for(category: str, gender: str) -> str:
    """``alpha``, ``waist``, ``uk_shoe`` or ``onesize`` for a demo category and gender.

    Waist sizes only where shops sell by waist: adults' jeans and men's trousers. Shorts, women's
    trousers and all children's bottoms come in letter sizes (S, M, L ...)."""
    if category in WAIST_CATEGORIES and (gender, category) in WAIST_DEPARTMENTS:
        return "waist"
    if category in WAIST_CATEGORIES:
        return "alpha"
    if category in SHOE_CATEGORIES:
        return "uk_shoe"
    if category in ONESIZE_CATEGORIES:
        return "onesize"
    if category in ALPHA_CATEGORIES:
        return "alpha"
    raise ValueError(f"unknown category: {category!r}")


def sizes_for(category: str, gender: str) -> list[str]:
    """The size labels the demo catalog stocks for a category and gender."""
    system = size_system_for(category, gender)
    if system == "alpha":
        return list(ALPHA_SIZES)
    if system == "waist":
        return list(DEMO_WAIST_SIZES)
    if system == "uk_shoe":
        low, high = (3, 8) if chart_gender(gender) == "women" else (6, 11)
        return [str(s) for s in range(low, high + 1)]
    return [ONESIZE]


def chart_for(category: str, gender: str, size_system: str | None = None) -> SizeChart | None:
    """The standard chart for a category and gender (None for one-size categories)."""
    system = size_system or size_system_for(category, gender)
    women = chart_gender(gender) == "women"
    charts = {
        "alpha": WOMENS_ALPHA if women else MENS_ALPHA,
        "waist": WOMENS_WAIST if women else MENS_WAIST,
        "uk_shoe": WOMENS_SHOES if women else MENS_SHOES,
        "us_dress": WOMENS_DRESS,
    }
    return charts.get(system)


def _row(category: str, gender: str, system: str, order: int, size: SizeRange) -> dict[str, Any]:
    row: dict[str, Any] = {
        "brand_id": None,
        "category": category,
        "gender": gender,
        "size_system": system,
        "size_label": size.size_label,
        "sort_order": order,
    }
    for measure in MEASURES:
        bounds = size.measures.get(measure)
        row[f"{measure}_min"] = None if bounds is None else float(bounds[0])
        row[f"{measure}_max"] = None if bounds is None else float(bounds[1])
    return row


def chart_rows() -> list[dict[str, Any]]:
    """Rows for the ``size_charts`` table: every category × gender, plus US dress sizes for women/girls."""
    rows: list[dict[str, Any]] = []
    for category in CATEGORIES:
        for gender in GENDERS:
            systems = [size_system_for(category, gender)]
            if category == "dresses" and chart_gender(gender) == "women":
                systems.append("us_dress")
            for system in systems:
                chart = chart_for(category, gender, system)
                sizes = chart.sizes if chart is not None else [SizeRange(size_label=ONESIZE, measures={})]
                rows += [_row(category, gender, system, i, s) for i, s in enumerate(sizes)]
    return [{"id": i, **row} for i, row in enumerate(rows, start=1)]
