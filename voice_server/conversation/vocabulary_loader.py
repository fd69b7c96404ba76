"""The dialogue's Vocabulary (brands, colours, categories) read once from the catalog in Postgres."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from voice_server.conversation.dialogue.vocabulary import DEFAULT_CATEGORIES, Vocabulary

BRANDS_SQL = """
SELECT b.name
  FROM brands b JOIN products p ON p.brand_id = b.id AND p.active
 GROUP BY b.id, b.name
 ORDER BY count(*) DESC, sum(p.popularity) DESC, b.name
"""
COLOURS_SQL = """
SELECT lower(colour) AS colour FROM products
 WHERE active AND colour IS NOT NULL AND colour <> ''
 GROUP BY lower(colour) ORDER BY count(*) DESC, lower(colour)
"""
CATEGORIES_SQL = "SELECT DISTINCT category FROM products WHERE active ORDER BY category"


async def load_vocabulary(pool: Any) -> Vocabulary:
    """Brands most popular first, colours most frequent first, categories known to the dialogue."""
    async with pool.acquire() as conn:
        brands = [r["name"] for r in await conn.fetch(BRANDS_SQL)]
        colours = [r["colour"] for r in await conn.fetch(COLOURS_SQL)]
        present = {r["category"] for r in await conn.fetch(CATEGORIES_SQL)}
    # keep the documented order; catalog categories the dialogue does not know come last
    categories = [c for c in DEFAULT_CATEGORIES if c in present or not present]
    categories += sorted(present - set(categories))
    return Vocabulary.from_lists(brands, colours, categories)


def vocabulary_from_records(records: Iterable[Mapping[str, Any]]) -> Vocabulary:
    """The same Vocabulary built from catalog records in memory (benchmarks, offline tools)."""
    brands: Counter[str] = Counter()
    colours: Counter[str] = Counter()
    for record in records:
        brands[record["brand"]] += 1
        if record.get("colour"):
            colours[str(record["colour"]).lower()] += 1
    return Vocabulary.from_lists([b for b, _ in brands.most_common()], [c for c, _ in colours.most_common()])


class VocabularyCache:
    """One Vocabulary per process (building it scans the catalog); ``invalidate`` after imports."""

    def __init__(self) -> None:
        self._vocab: Vocabulary | None = None

    async def get(self, pool: Any) -> Vocabulary:
        if self._vocab is None:
            self._vocab = await load_vocabulary(pool)
        return self._vocab

    def invalidate(self) -> None:
        self._vocab = None
