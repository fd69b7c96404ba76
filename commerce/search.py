"""Catalog search, "more like this" and recommendations over Postgres (docs/commerce.md).

One search is: structured filters + full-text match in SQL (indexed), a base score
``0.7 * ts_rank_cd + 0.3 * popularity`` over the ``RANK_POOL`` most popular matches (popularity
alone without a text query) for an over-fetched candidate set, then a re-rank in Python by the
shopper's preferences and order history, less ``SOLD_OUT_PENALTY`` per size sold out (a product
a shopper can buy in every size comes before an equal one with holes in its size run), then brand
diversity (at most 2 of one brand in every block of 5). When nothing matches, filters are relaxed in ``RELAXATION_ORDER`` and the dropped
ones are reported. The occasion tag comes from keywords in the descriptions, so it is sparse, and
the word the shopper used for the type (``name_prefer``) is narrower than the type: when fewer than
``MIN_TAGGED`` products carry them, the products that match everything else follow
(``SearchResult.tag_matches``).
"""

# ruff: noqa: S608  (SQL is assembled from constant fragments only; every value is a $n parameter)
from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg

from commerce.catalog.vocabulary import normalize_colour
from commerce.models import NotFound, ProductCard, SearchFilters, SearchResult
from commerce.query_terms import parse_query

# Filters dropped, group by group, when a search finds nothing. Gender and category are never
# dropped (a different garment or the wrong department is not a useful answer); "query" late:
# it switches full-text matching from all words to any word, and if even that finds nothing
# the words are ignored (still reported as "query"). The adults-only default goes after the tags
# (occasion, style, material: sparse) and the word said for the type, before what the shopper said.
RELAXATION_ORDER: tuple[tuple[str, ...], ...] = (
    ("occasion",),
    ("style",),
    ("name_prefer",),
    ("material",),
    ("age_group",),  # an adult's by default; kids' products before dropping anything the shopper said
    ("colour",),
    ("price",),
    ("brand",),
    ("size",),
    ("query",),
)
SOFT_TAGS = ("occasion", "name_prefer")
MIN_TAGGED = 3  # a list narrowed by the soft tags to fewer products than this is topped up
TEXT_WEIGHT = 0.7
POPULARITY_WEIGHT = 0.3
BOOST_FAVOURITE_BRAND = 0.15
BOOST_FAVOURITE_COLOUR = 0.10
BOOST_HISTORY_BRAND = 0.08
BOOST_HISTORY_CATEGORY = 0.05
SOLD_OUT_PENALTY = 0.1  # per size of the product's run that is sold out
DIVERSITY_BLOCK = 5
DIVERSITY_BRAND_CAP = 2
CANDIDATE_CHUNK = 60
SIMILAR_POOL = 120  # closest-priced products per department and side that "more like this" ranks
RANK_POOL = 150  # text queries rank the most popular matches up to this many
COUNT_CAP = RANK_POOL  # SearchResult.total is exact below this; equal to it means "this many or more"
PREFETCH_MARGIN = 10  # candidates past the page whose cards come with the candidate query

_PREF_KEYS = {
    "brands": ("brands", "favourite_brands", "favorite_brands", "brand"),
    "colours": ("colours", "colors", "favourite_colours", "favorite_colors", "colour", "color"),
}

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# pure parts: filter SQL, shopper context, re-ranking


KIDS_GENDERS = ("boys", "girls")
# Kids' products filed as unisex say so in the name ("CHUTPUT Kids Grey Sweater").
KIDS_NAME_WORDS = ("kids", "kid", "baby", "babies", "infant", "infants", "toddler", "toddlers")


def is_kids_product(gender: str, name: str) -> bool:
    """In a kids' department, or filed unisex with a name that says kids (the SQL of ``age_group``)."""
    return gender in KIDS_GENDERS or re.search(word_pattern(KIDS_NAME_WORDS, whole=True), name.lower()) is not None


def gender_set(gender: str) -> list[str]:
    """Genders a request for ``gender`` accepts: adults' departments include unisex (but not a unisex
    product named for kids: ``build_where``); a kids' department is only its own."""
    return [gender] if gender in ("unisex", *KIDS_GENDERS) else [gender, "unisex"]


def in_department(wanted: str, gender: str, name: str) -> bool:
    """Whether a product of ``gender`` named ``name`` is in the department asked for (the SQL of
    ``build_where``)."""
    return gender in gender_set(wanted) and not (wanted in ("men", "women") and is_kids_product(gender, name))


BASIC_COLOURS: frozenset[str] = frozenset({
    "black", "white", "blue", "red", "green", "grey", "brown", "yellow", "pink", "orange", "purple", "gold",
    "silver", "beige", "maroon"})
# Worn as an accent as often as all over ("gold work", "navy & gold-toned"): named anywhere counts.
METALLIC_COLOURS: frozenset[str] = frozenset({"gold", "silver", "golden"})
# The first basic colour a name says: the product's own colour when the Primary_Color is wrong.
_FIRST_COLOUR = r"\m(" + "|".join(sorted(BASIC_COLOURS)) + r")\M"
# A product's colour words: its colour and its name ("pink & black colourblocked" is black too).
_COLOUR_TEXT = "lower(coalesce(p.colour, '') || ' ' || p.name)"


def _colour_words(colours: Iterable[str]) -> list[str]:
    """Spoken colours and the catalog's spelling of them ("gray" → grey, "navy" → navy, navy blue)."""
    words: list[str] = []
    for colour in colours:
        spoken = " ".join(colour.lower().split())
        words += [spoken, normalize_colour(spoken)]
    return list(dict.fromkeys(words))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def size_variants(size: str) -> list[str]:
    size = size.strip()
    return sorted({size, size.upper(), size.lower(), size.title()})


@dataclass
class SqlWhere:
    """WHERE clauses and their positional parameters (``$n`` numbering starts after ``first``)."""

    first: int = 0
    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, template: str, value: Any) -> None:
        self.clauses.append(template.replace("$?", self.param(value)))

    def param(self, value: Any) -> str:
        """Bind ``value``; returns its placeholder (for clauses with several parameters)."""
        self.params.append(value)
        return f"${self.first + len(self.params)}"

    def sql(self) -> str:
        return " AND ".join(["p.active", *self.clauses])


SHORT_STEM = 3  # stems this short match whole words (and plurals): "bra" is not "brand", "cap" not "capri"


def word_pattern(words: Iterable[str], *, whole: bool, ruled_out: bool = False) -> str:
    """A Postgres regex matching any of ``words`` at a word start (``whole``: as whole words); ``ruled_out``:
    not right after "non" ("no padding" rules out padded bras, not "non padded" ones)."""
    def one(word: str) -> str:
        escaped = re.sub(r"([.^$*+?()\[\]{}|\\-])", r"\\\1", word)
        return f"{escaped}(s|es)?($|[^a-z])" if not whole and len(word) <= SHORT_STEM else escaped
    alternation = "|".join(one(w) for w in words)
    return ("(?<!non)" if ruled_out else "") + rf"(^|[^a-z])({alternation})" + (r"($|[^a-z])" if whole else "")


def active_filters(filters: SearchFilters) -> list[str]:
    """Names of the relaxable filters that are set."""
    names = []
    for name in ("query", "colour", "brand", "size", "occasion", "style", "material", "age_group", "name_prefer"):
        if getattr(filters, name) or (name == "colour" and filters.colours) or (name == "brand" and filters.brands):
            names.append(name)
    if filters.price_min_cents is not None or filters.price_max_cents is not None:
        names.append("price")
    return names


def relaxation_steps(filters: SearchFilters) -> list[list[str]]:
    """The relaxed filters of each step tried when a search finds nothing, in order (pure).

    Each step drops the next group of ``RELAXATION_ORDER`` that is set, keeping the earlier drops;
    after "query" (any of the words) a last step ignores the words ("query:drop", reported as
    "query")."""
    set_filters = active_filters(filters)
    steps: list[list[str]] = []
    for group in RELAXATION_ORDER:
        dropped = [name for name in group if name in set_filters]
        if dropped:
            steps.append([*(steps[-1] if steps else []), *dropped])
    if steps and "query" in steps[-1]:
        steps.append([*steps[-1], "query:drop"])
    return steps


def build_where(filters: SearchFilters, relaxed: set[str], first_param: int, *,
                text_driven: bool = False) -> SqlWhere:
    """SQL conditions for the filters that are not relaxed (the text query is handled apart).

    With ``text_driven`` the broad columns (gender, price) are written so that no B-tree applies
    (``|| ''``, ``+ 0``): the planner otherwise ANDs a 40k-row bitmap into a full-text search that
    matches a few hundred rows (measured 12 ms → 3 ms at 100k products). The category stays
    indexable: it is the second column of the full-text GIN index (migration 0006).
    """
    where = SqlWhere(first=first_param)
    gender_col, price_col = ("(p.gender || '')", "(p.price_cents + 0)") if text_driven else ("p.gender", "p.price_cents")
    if filters.category:
        where.add("p.category = $?", filters.category.lower())
    if filters.gender:
        where.add(f"{gender_col} = ANY($?::text[])", gender_set(filters.gender))
        if filters.gender in ("men", "women"):  # a unisex product named for kids is not an adult's
            where.add(f"({gender_col} <> 'unisex' OR lower(p.name) !~ $?)", word_pattern(KIDS_NAME_WORDS, whole=True))
    elif filters.age_group and "age_group" not in relaxed:
        kids_genders = where.param(list(KIDS_GENDERS))
        kids_words = where.param(word_pattern(KIDS_NAME_WORDS, whole=True))
        kids_test = f"({gender_col} = ANY({kids_genders}::text[]) OR lower(p.name) ~ {kids_words})"
        where.clauses.append(kids_test if filters.age_group == "kids" else f"NOT {kids_test}")
    if filters.colours and "colour" not in relaxed:
        # A basic colour is the product's own colour ("black dresses" are black, not red & black);
        # a shade the catalog files under a basic colour ("navy", "cream", "olive") may be in the name.
        words = _colour_words(filters.colours)
        accents = METALLIC_COLOURS.difference(["gold"] if "rose" in words else [])  # rose gold is a shade of its own
        basic = [c for c in words if c in BASIC_COLOURS and c not in accents]
        shades = [c for c in words if c not in BASIC_COLOURS or c in accents]
        tests = []
        if basic:  # its colour, or the first colour its name says ("Black Solid Sports Bra" filed as red)
            listed = where.param(basic)
            tests.append(f"lower(coalesce(p.colour, '')) = ANY({listed}::text[])")
            tests.append(f"substring(lower(p.name) from {where.param(_FIRST_COLOUR)}) = ANY({listed}::text[])")
        if shades:
            tests.append(f"{_COLOUR_TEXT} ~ {where.param(word_pattern(shades, whole=True))}")
        where.clauses.append("(" + " OR ".join(tests) + ")")
    elif filters.colour and "colour" not in relaxed:
        where.add("(' ' || p.colour || ' ') LIKE $?", f"% {_like_escape(normalize_colour(filters.colour))} %")
    if filters.colour_none:
        where.add(f"NOT ({_COLOUR_TEXT} ~ $?)", word_pattern(_colour_words(filters.colour_none), whole=True))
    if filters.name_any:
        where.add("lower(p.name) ~ $?", word_pattern(filters.name_any, whole=False))
    if filters.name_none:
        where.add("NOT (lower(p.name) ~ $?)", word_pattern(filters.name_none, whole=False, ruled_out=True))
    if filters.brands and "brand" not in relaxed:
        where.add("p.brand_id = ANY(ARRAY(SELECT id FROM brands WHERE name_norm = ANY($?::text[])))",
                  [" ".join(b.lower().split()) for b in filters.brands])
    elif filters.brand and "brand" not in relaxed:
        where.add("p.brand_id = (SELECT id FROM brands WHERE name_norm = $?)",
                  " ".join(filters.brand.lower().split()))
    if filters.brand_none:
        # "nothing from puma" rules out Puma's lines too ("puma motorsport")
        where.add("p.brand_id <> ALL(ARRAY(SELECT id FROM brands WHERE name_norm LIKE ANY($?::text[])))",
                  [p for b in filters.brand_none for p in (_like_escape(" ".join(b.lower().split())),
                                                            _like_escape(" ".join(b.lower().split())) + " %")])
    if "price" not in relaxed:
        if filters.price_min_cents is not None:
            where.add(f"{price_col} >= $?", filters.price_min_cents)
        if filters.price_max_cents is not None:
            where.add(f"{price_col} <= $?", filters.price_max_cents)
    if filters.size and "size" not in relaxed:
        for size in (filters.size, *filters.also_sizes):
            where.add("p.sizes_in_stock && $?::text[]", size_variants(size))
    if filters.occasion and "occasion" not in relaxed:
        where.add("p.occasion @> ARRAY[$?::text]", filters.occasion.lower().strip())
    if filters.style and "style" not in relaxed:  # tagged so, or named so ("a-line dresses", "bodycon")
        style = filters.style.lower().strip()
        where.clauses.append(f"(p.style @> ARRAY[{where.param(style)}::text] OR lower(p.name) ~ "
                             f"{where.param(word_pattern([style], whole=True))})")
    if filters.name_prefer and "name_prefer" not in relaxed:  # "jhumkas": named so, of all the earrings
        where.add("lower(p.name) ~ $?", word_pattern([filters.name_prefer], whole=False))
    if filters.material and "material" not in relaxed:  # "linen shirts": the name says linen
        where.add("lower(p.name) ~ $?", word_pattern([filters.material.lower().strip()], whole=False))
    if filters.exclude_ids:
        where.add("p.id <> ALL($?::bigint[])", list(filters.exclude_ids))
    return where


@dataclass(frozen=True)
class ShopperContext:
    """What re-ranking knows about a shopper: stated preferences and order history."""

    brands: frozenset[str] = frozenset()
    colours: frozenset[str] = frozenset()
    history_brands: frozenset[str] = frozenset()
    history_categories: frozenset[str] = frozenset()
    purchased_ids: frozenset[int] = frozenset()
    gender: str | None = None

    @classmethod
    def from_preferences(cls, prefs: dict[str, Any] | None, **history: Any) -> ShopperContext:
        prefs = prefs or {}

        def values(kind: str) -> frozenset[str]:
            found: set[str] = set()
            for key in _PREF_KEYS[kind]:
                raw = prefs.get(key)
                items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
                found.update(" ".join(str(v).lower().split()) for v in items if v)
            return frozenset(found)

        gender = prefs.get("gender")
        return cls(
            brands=values("brands"),
            colours=frozenset(normalize_colour(c) for c in values("colours")),
            gender=gender if gender in {"men", "women", "unisex", "boys", "girls"} else None,
            **history,
        )


@dataclass
class Candidate:
    id: int
    brand: str
    colour: str | None
    category: str
    score: float
    row: Any = None
    sold_out_sizes: int = 0


def personal_score(c: Candidate, ctx: ShopperContext) -> float:
    score = c.score
    brand = c.brand.lower()
    if brand in ctx.brands:
        score += BOOST_FAVOURITE_BRAND
    if c.colour and any(w in ctx.colours for w in (c.colour, *c.colour.split())):
        score += BOOST_FAVOURITE_COLOUR
    if brand in ctx.history_brands:
        score += BOOST_HISTORY_BRAND
    if c.category in ctx.history_categories:
        score += BOOST_HISTORY_CATEGORY
    return score


def diversify(items: Sequence[T], key: Callable[[T], str], needed: int, *,
              block: int = DIVERSITY_BLOCK, cap: int = DIVERSITY_BRAND_CAP) -> list[T]:
    """Re-order so every block of ``block`` positions holds at most ``cap`` items per key.

    Greedy and stable: each block takes the best remaining items that keep the cap, and only
    falls back to capped items when nothing else is left. Positions past ``needed`` keep the
    input order.
    """
    remaining = list(items)
    out: list[T] = []
    while remaining and len(out) < needed:
        counts: Counter[str] = Counter()
        picked: list[int] = []
        for i, item in enumerate(remaining):
            if len(picked) == block:
                break
            if counts[key(item)] < cap:
                picked.append(i)
                counts[key(item)] += 1
        fillers: list[int] = []
        if len(picked) < block:
            fillers = [i for i in range(len(remaining)) if i not in picked][: block - len(picked)]
        chosen = set(picked) | set(fillers)
        out.extend(remaining[i] for i in picked + fillers)
        remaining = [item for i, item in enumerate(remaining) if i not in chosen]
    return out + remaining


def rerank(candidates: list[Candidate], ctx: ShopperContext, needed: int) -> list[Candidate]:
    for c in candidates:
        c.score = personal_score(c, ctx) - SOLD_OUT_PENALTY * c.sold_out_sizes
    ordered = sorted(candidates, key=lambda c: (-c.score, c.id))
    return diversify(ordered, key=lambda c: c.brand.lower(), needed=needed)


# --------------------------------------------------------------------------------------------
# SQL

_CARD_COLUMNS = """p.id, p.name, b.name AS brand, p.price_cents, p.currency, p.colour, p.category,
                   p.gender, p.description"""
# Sizes in stock, in size order: kept on the product row by trigger (migration 0006).
_SIZES_COLUMN = "p.sizes_in_stock AS sizes"


def _sold_out_column(product_id: str) -> str:
    """How many sizes of the product are sold out (one probe of its few variants)."""
    return (f"(SELECT count(*) FROM product_variants v WHERE v.product_id = {product_id}"
            " AND v.stock <= v.reserved) AS sold_out_sizes")

_TSQ_ALL = "websearch_to_tsquery('english', $1)"
_TSQ_ANY = "to_tsquery('english', $1)"  # $1 = any_words(query): "w1 | w2 | ..."


def any_words(query: str) -> str:
    """A to_tsquery text matching any word of ``query`` (only letters and digits pass through)."""
    return " | ".join(re.findall(r"[^\W_]+", query))


def _base_sql(sort: str | None, alias: str, text_rank: str | None = None) -> str:
    """The base score the rows of ``alias`` are ordered by (descending): relevance, or minus/plus the
    price when the shopper asked for the cheapest/dearest first."""
    if sort is not None:
        return f"({'-' if sort == 'price_asc' else ''}{alias}.price_cents)::float8"
    relevance = f"({alias}.popularity / ({alias}.popularity + 1))"
    return relevance if text_rank is None else f"{TEXT_WEIGHT} * {text_rank} + {POPULARITY_WEIGHT} * {relevance}"


def _ranked_sql(where: SqlWhere, text_mode: str | None, limit_param: int, sort: str | None = None) -> str:
    """Top candidates by base score: id, brand, colour, category, base, ``sold_out_sizes`` and
    ``n_matches``.

    Only what re-ranking needs is read, so browsing is answered from the covering
    ``products_category_popularity_idx`` / ``products_popularity_cover_idx`` (index-only scans, no
    heap visit per candidate); card columns are fetched afterwards for the page alone
    (``cards_for``). Brands are joined after the LIMIT (cheap, and immune to misestimated filter
    selectivity). ``n_matches`` counts matches up to ``COUNT_CAP`` in the same statement.
    A text query ranks only the ``RANK_POOL`` most popular matches, so a one-word query matching
    a fifth of the catalog stays bounded."""
    if text_mode is None:
        order = "p.popularity DESC" if sort is None else "base DESC"
        return f"""SELECT c.id, b.name AS brand, c.colour, c.category, c.base, {_sold_out_column("c.id")},
                          (SELECT count(*) FROM (SELECT 1 FROM products p WHERE {where.sql()}
                                                 LIMIT {COUNT_CAP}) n) AS n_matches
                   FROM (SELECT p.id, p.brand_id, p.colour, p.category, {_base_sql(sort, "p")} AS base
                         FROM products p WHERE {where.sql()}
                         ORDER BY {order}, p.id LIMIT ${limit_param}) c
                   JOIN brands b ON b.id = c.brand_id
                   ORDER BY c.base DESC, c.id"""
    # The tsquery is written inline (not in a CTE) so the planner folds it to a constant and
    # estimates how many rows match: walking the popularity index for common words, GIN for rare.
    tsq = _TSQ_ALL if text_mode == "all" else _TSQ_ANY
    pool_order = "p.popularity DESC" if sort is None else f"p.price_cents {'ASC' if sort == 'price_asc' else 'DESC'}"
    return f"""WITH matches AS MATERIALIZED (
                   SELECT p.id, p.brand_id, p.colour, p.category, p.popularity, p.price_cents, p.search_doc
                   FROM products p
                   WHERE p.search_doc @@ {tsq} AND {where.sql()}
                   ORDER BY {pool_order}, p.id LIMIT {RANK_POOL}),
               top AS (
                   SELECT m.id, m.brand_id, m.colour, m.category,
                          {_base_sql(sort, "m", f"ts_rank_cd(m.search_doc, {tsq}, 32)")} AS base
                   FROM matches m ORDER BY base DESC, m.id LIMIT ${limit_param})
               SELECT top.id, b.name AS brand, top.colour, top.category, top.base, {_sold_out_column("top.id")},
                      (SELECT count(*) FROM matches) AS n_matches
               FROM top JOIN brands b ON b.id = top.brand_id
               ORDER BY top.base DESC, top.id"""


def _candidate_sql(where: SqlWhere, text_mode: str | None, limit_param: int, *, needed: int = 0,
                   sort: str | None = None) -> str:
    """``_ranked_sql``, plus the card columns and sizes of the candidates a page of ``needed``
    results most likely shows, in the same statement: the ``needed + PREFETCH_MARGIN`` best, and
    each brand's best as many as brand diversity can place on the page. One round trip answers a
    page unless personal re-ranking reaches further down (then ``cards_for`` reads the rest). The
    lateral read is gated per row (a One-Time Filter), so the other candidates stay index-only."""
    ranked = _ranked_sql(where, text_mode, limit_param, sort)
    if needed <= 0:
        return ranked
    per_brand = DIVERSITY_BRAND_CAP * math.ceil(needed / DIVERSITY_BLOCK)
    return f"""WITH ranked AS ({ranked}),
               numbered AS (SELECT r.*, row_number() OVER (ORDER BY r.base DESC, r.id) AS rn,
                                   row_number() OVER (PARTITION BY r.brand ORDER BY r.base DESC, r.id) AS brand_rn
                            FROM ranked r)
               SELECT n.id, n.brand, n.colour, n.category, n.base, n.n_matches, n.sold_out_sizes, d.*
               FROM numbered n LEFT JOIN LATERAL (
                   SELECT p.name, p.price_cents, p.currency, p.gender, p.description, {_SIZES_COLUMN}
                   FROM products p WHERE p.id = n.id
                     AND (n.rn <= {int(needed + PREFETCH_MARGIN)} OR n.brand_rn <= {int(per_brand)}) OFFSET 0) d ON true
               ORDER BY n.base DESC, n.id"""


_CARDS_SQL = f"""SELECT {_CARD_COLUMNS}, {_SIZES_COLUMN}
                 FROM products p JOIN brands b ON b.id = p.brand_id
                 WHERE p.id = ANY($1::bigint[]) AND p.active"""


def _card(row: Any, score: float | None = None) -> ProductCard:
    return ProductCard(
        id=row["id"], name=row["name"], brand=row["brand"], price_cents=row["price_cents"],
        currency=row["currency"], colour=row["colour"], category=row["category"], gender=row["gender"],
        description=row["description"] or None, sizes_available=list(row["sizes"]),
        score=None if score is None else round(score, 4),
    )


async def cards_for(pool: asyncpg.Pool, ids: Sequence[int], scores: Sequence[float | None] | None = None
                    ) -> list[ProductCard]:
    """Cards (with sizes in stock) for the active products among ``ids``, in that order: one query."""
    ids = list(dict.fromkeys(ids))
    rows = await pool.fetch(_CARDS_SQL, ids) if ids else []
    by_id = {r["id"]: r for r in rows}
    score_of = dict(zip(ids, scores or [None] * len(ids), strict=True))
    return [_card(by_id[i], score_of[i]) for i in ids if i in by_id]


async def shopper_context(pool: asyncpg.Pool, user_id: int | None,
                          preferences: dict[str, Any] | None = None) -> ShopperContext:
    """Preferences (read here unless given, e.g. from a cache) and the last 200 bought lines."""
    if user_id is None:
        return ShopperContext.from_preferences(preferences)
    row = await pool.fetchrow(
        """WITH bought AS (
               SELECT oi.product_id, p.category, b.name_norm
               FROM orders o JOIN order_items oi ON oi.order_id = o.id
               JOIN products p ON p.id = oi.product_id JOIN brands b ON b.id = p.brand_id
               WHERE o.user_id = $1 AND o.status <> 'cancelled'
               ORDER BY o.created_at DESC LIMIT 200)
           SELECT CASE WHEN $2 THEN (SELECT preferences FROM user_profiles WHERE user_id = $1) END AS prefs,
                  ARRAY(SELECT DISTINCT category FROM bought) AS categories,
                  ARRAY(SELECT DISTINCT name_norm FROM bought) AS brands,
                  ARRAY(SELECT DISTINCT product_id FROM bought) AS ids""",
        user_id, preferences is None,
    )
    return ShopperContext.from_preferences(
        row["prefs"] if preferences is None else preferences,
        history_brands=frozenset(row["brands"]),
        history_categories=frozenset(row["categories"]),
        purchased_ids=frozenset(row["ids"]),
    )


def _candidate_count(limit: int, offset: int) -> int:
    needed = offset + limit
    return CANDIDATE_CHUNK * math.ceil((needed + 20) / CANDIDATE_CHUNK)


async def _run_step(pool: asyncpg.Pool, filters: SearchFilters, relaxed: set[str], n_fetch: int,
                    needed: int = 0) -> tuple[list[Any], int]:
    query = (filters.query or "").strip()
    text_mode = None if not query or "query:drop" in relaxed else ("any" if "query" in relaxed else "all")
    if text_mode == "any":
        query = any_words(query)
        if not query:
            text_mode = None
    first = 1 if text_mode else 0
    where = build_where(filters, relaxed, first, text_driven=text_mode is not None)
    base_params: list[Any] = ([query] if text_mode else []) + where.params
    sql = _candidate_sql(where, text_mode, len(base_params) + 1, needed=needed, sort=filters.sort)
    rows = await pool.fetch(sql, *base_params, n_fetch)
    # exact below COUNT_CAP (= RANK_POOL), else "that many or more"
    total = max(len(rows), rows[0]["n_matches"]) if rows else 0
    return rows, total


async def _has_lexemes(pool: asyncpg.Pool, query: str) -> bool:
    return bool(await pool.fetchval("SELECT numnode(plainto_tsquery('english', $1)) > 0", query))


async def _true() -> bool:
    return True


def with_query_terms(filters: SearchFilters) -> SearchFilters | None:
    """``filters`` with the category, colour, gender and price words of its text query applied as
    filters (where those are not set already) and only the other words left to match; None when
    the query names none of them (pure; ``commerce.query_terms``)."""
    if not filters.query:
        return None
    terms = parse_query(filters.query)
    if not terms.found:
        return None
    update: dict[str, Any] = {"query": terms.text}
    for name in ("category", "colour", "gender", "price_min_cents", "price_max_cents"):
        value = getattr(terms, name)
        if value is not None and getattr(filters, name) is None:
            update[name] = value
    return filters.model_copy(update=update)


async def search_products(
    pool: asyncpg.Pool,
    filters: SearchFilters,
    *,
    user_id: int | None = None,
    limit: int = 10,
    offset: int = 0,
    context: ShopperContext | None = None,
) -> SearchResult:
    """Filtered, ranked, personalised and diversified products; relaxes filters if none match.

    Category, colour, gender and price words in the text query act as filters ("blue dresses
    under $80"); if that finds nothing at all, the query is searched again as plain words.
    """
    ctx = context if context is not None else await shopper_context(pool, user_id)
    structured = with_query_terms(filters)
    if structured is not None:
        result = await _search(pool, structured, ctx, limit, offset)
        if result.total > 0:
            return result
    return await _search(pool, filters, ctx, limit, offset)


async def _search(pool: asyncpg.Pool, filters: SearchFilters, ctx: ShopperContext, limit: int,
                  offset: int) -> SearchResult:
    n_fetch = _candidate_count(limit, offset)
    needed = offset + limit
    rows, total = await _run_step(pool, filters, set(), n_fetch, needed)
    relaxed: list[str] = []
    if not rows:
        # Nothing matched: the relaxation steps (and whether the words are only stop words) are
        # asked at once, on parallel connections, and the first step that finds something wins:
        # one more round trip instead of one per step. Ignoring the words altogether is asked
        # only if no product has any of them.
        steps = relaxation_steps(filters)
        eager = [step for step in steps if "query:drop" not in step]
        has_words, *found = await asyncio.gather(
            _has_lexemes(pool, filters.query) if filters.query else _true(),
            *(_run_step(pool, filters, set(step), n_fetch, needed) for step in eager),
        )
        if not has_words:  # only stop words: browse with the other filters instead
            return await _search(pool, filters.model_copy(update={"query": None}), ctx, limit, offset)
        if len(steps) > len(eager) and not any(step_rows for step_rows, _ in found):
            found.append(await _run_step(pool, filters, set(steps[-1]), n_fetch, needed))
        for step, (step_rows, step_total) in zip(steps, found, strict=False):
            rows, total = step_rows, step_total
            relaxed = [name for name in step if name != "query:drop"]
            if rows:
                break
    candidates = _ranked(rows, ctx, needed, filters.sort)
    said = _colour_words(filters.colours or [])
    if (metallic := METALLIC_COLOURS.intersection(said)) and "rose" not in said and not filters.sort:
        # "gold heels": the gold ones first, then those with gold on them ("beige & gold-toned")
        candidates.sort(key=lambda c: (c.colour or "").lower() not in metallic)
    tags = [name for name in SOFT_TAGS if getattr(filters, name) and name not in relaxed]
    tag_matches = None
    if rows and total < MIN_TAGGED and tags:
        # Few products carry the tag: they come first, then those that match everything else.
        wide_rows, wide_total = await _run_step(pool, filters, {*relaxed, *tags}, n_fetch + total, needed + total)
        tagged = {r["id"] for r in rows}
        rest = [r for r in wide_rows if r["id"] not in tagged]
        if rest:
            tag_matches, total = total, wide_total
            candidates += _ranked(rest, ctx, needed, filters.sort)
    ranked = candidates[offset : offset + limit]
    if all(c.row["name"] is not None for c in ranked):  # prefetched in the candidate query
        cards = [_card(c.row, c.score) for c in ranked]
    else:
        cards = await cards_for(pool, [c.id for c in ranked], [c.score for c in ranked])
    return SearchResult(products=cards, total=total, total_is_lower_bound=total >= COUNT_CAP, relaxed=relaxed,
                        tag_matches=tag_matches)


def _ranked(rows: list[Any], ctx: ShopperContext, needed: int, sort: str | None = None) -> list[Candidate]:
    candidates = [Candidate(r["id"], r["brand"], r["colour"], r["category"], float(r["base"]), r, r["sold_out_sizes"])
                  for r in rows]
    return candidates if sort else rerank(candidates, ctx, needed=needed)  # in price order, as asked


async def get_product(pool: asyncpg.Pool, product_id: int) -> ProductCard:
    cards = await cards_for(pool, [product_id])
    if not cards:
        raise NotFound(f"No product {product_id}.", product_id=product_id)
    return cards[0]


async def get_products(pool: asyncpg.Pool, product_ids: Iterable[int]) -> list[ProductCard]:
    """Cards for the given ids that exist, in the given order."""
    return await cards_for(pool, list(product_ids))


_SIMILAR_SQL = f"""
WITH src AS MATERIALIZED (
    SELECT id, category, price_cents,
           CASE WHEN gender IN ('unisex', 'boys', 'girls') THEN ARRAY[gender] ELSE ARRAY[gender, 'unisex'] END AS genders,
           replace(plainto_tsquery('english', name)::text, '&', '|')::tsquery AS tsq
    FROM products WHERE id = $1 AND active),
near AS MATERIALIZED (  -- the closest prices above and below, per department, off the index
    SELECT n.id FROM src, unnest(src.genders) AS g(gender), LATERAL (
        (SELECT p.id FROM products p WHERE p.active AND p.category = src.category AND p.gender = g.gender
           AND p.price_cents >= src.price_cents AND p.price_cents <= src.price_cents * 2
         ORDER BY p.price_cents, p.id LIMIT {SIMILAR_POOL})
        UNION ALL
        (SELECT p.id FROM products p WHERE p.active AND p.category = src.category AND p.gender = g.gender
           AND p.price_cents < src.price_cents AND p.price_cents >= src.price_cents / 2
         ORDER BY p.price_cents DESC, p.id LIMIT {SIMILAR_POOL})) n),
ranked AS (  -- scores only; brands and card columns are read for the survivors of the LIMIT
    SELECT p.id, ts_rank(p.search_doc, src.tsq, 32)
                 - 0.25 * abs(ln((p.price_cents + 100)::float / (src.price_cents + 100))) AS base
    FROM src, near JOIN products p ON p.id = near.id
    WHERE p.id <> src.id AND p.search_doc @@ src.tsq AND p.id <> ALL($2::bigint[])
    ORDER BY base DESC, p.id LIMIT $3)
SELECT {_CARD_COLUMNS}, {_SIZES_COLUMN}, r.base
FROM ranked r JOIN products p ON p.id = r.id JOIN brands b ON b.id = p.brand_id
ORDER BY r.base DESC, p.id"""


async def similar_products(pool: asyncpg.Pool, product_id: int, *, limit: int = 5,
                           exclude_ids: Sequence[int] = ()) -> list[ProductCard]:
    """"More like this": same category and department, shared name terms, close price, one per brand
    first (then at most two)."""
    rows = await pool.fetch(_SIMILAR_SQL, product_id, list(exclude_ids), max(limit * 8, 40))
    if not rows:
        await get_product(pool, product_id)  # NotFound for an unknown product
    ordered = diversify(rows, key=lambda r: r["brand"].lower(), needed=limit, block=max(limit, 1), cap=1)
    return [_card(r, float(r["base"])) for r in ordered[:limit]]


async def recommend(pool: asyncpg.Pool, user_id: int | None, *, limit: int = 10,
                    filters: SearchFilters | None = None) -> list[ProductCard]:
    """Popular products re-ranked for the shopper (favourites, history), minus what they bought."""
    ctx = await shopper_context(pool, user_id)
    filters = filters or SearchFilters()
    update: dict[str, Any] = {}
    if ctx.purchased_ids:
        update["exclude_ids"] = sorted(set(filters.exclude_ids) | ctx.purchased_ids)
    if filters.gender is None and ctx.gender is not None:
        update["gender"] = ctx.gender
    if update:
        filters = filters.model_copy(update=update)
    result = await search_products(pool, filters, user_id=user_id, limit=limit, context=ctx)
    return result.products
