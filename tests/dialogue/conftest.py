"""Fixtures for dialogue tests: a memory shop over a real Myntra sample (the shop's bundled demo catalog,
inside the repository) and the catalog vocabulary."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from functools import cache

import pytest

from tests.dialogue.memory_shop import MemoryShop, StoredProduct, load_sample, open_catalog
from voice_server.conversation.dialogue import DialogueEngine, Vocabulary


@cache
def sample_products() -> tuple[StoredProduct, ...]:
    return tuple(load_sample())


@cache
def catalog_vocabulary() -> Vocabulary:
    """Brands (most frequent first) and colours of the whole catalog, as the lead builds from Postgres."""
    brands: Counter[str] = Counter()
    colours: Counter[str] = Counter()
    with open_catalog() as handle:
        for row in csv.DictReader(handle):
            brands[row["Product_Brand"].strip()] += 1
            if row["Primary_Color"].strip():
                colours[row["Primary_Color"].strip().lower()] += 1
    return Vocabulary.from_lists([b for b, _ in brands.most_common()], [c for c, _ in colours.most_common()])


def make_engine() -> DialogueEngine:
    return DialogueEngine(MemoryShop(list(sample_products())), catalog_vocabulary())


@pytest.fixture
def vocab() -> Vocabulary:
    return catalog_vocabulary()


@pytest.fixture
def engine_factory() -> Callable[[], DialogueEngine]:
    return make_engine
