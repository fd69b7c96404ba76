"""The demo catalog: real Myntra products mapped to the shop's taxonomy (docs/catalog.md).

Rules, all deterministic:
- category from the product name (``taxonomy.categorize``); home and beauty items are left out;
- gender from the Gender column ("Unisex Kids" → unisex); colour from Primary_Color, lower-cased;
- price: INR converted at ``INR_PER_USD`` = 83.0 and rounded to the cent;
- sizes from the category's size system (``commerce.sizing.charts.sizes_for``); stock per size
  from a hash of the SKU: 2–29 units, middle sizes deeper (outer sizes 2–9), one-size items 5–30,
  about one size in nine sold out (an online shop's depth, so a family buying three of a shirt can);
- occasion/style/material tags from keywords in the name and description;
- popularity from the number of product images plus a small hash-derived spread.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from commerce.catalog import taxonomy
from commerce.sizing.charts import ONESIZE, sizes_for

INR_PER_USD = Decimal("83.0")
DEMO_SOURCE = "myntra_products_catalog.csv.gz"


def demo_source_path() -> Path:
    return Path(str(resources.files("commerce.catalog") / "data" / DEMO_SOURCE))


def _unit(key: str) -> float:
    """A stable pseudo-random number in [0, 1) derived from ``key``."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def stock_for(sku: str, position: int, count: int) -> int:
    if count == 1:
        return 5 + int(_unit(sku) * 26)
    if _unit(sku + ":soldout") < 1 / 9:
        return 0
    centre = (count - 1) / 2
    depth = 1.0 - abs(position - centre) / (centre + 1)
    return 2 + int(_unit(sku) * 28 * depth)


def size_labels(name: str, category: str, gender: str) -> list[str]:
    """The sizes a demo product is stocked in: its category's size system, or one free size for
    items sold that way whatever their category (socks, scarves)."""
    return [ONESIZE] if taxonomy.is_free_size(name) else sizes_for(category, gender)


def myntra_to_record(row: dict[str, str]) -> dict[str, Any] | None:
    """Map one Myntra CSV row to an import record dict, or None for non-fashion items."""
    name = row.get("Product_Name", "").strip()
    category = taxonomy.categorize(name, row.get("Product_Brand"))
    gender = taxonomy.normalize_gender(row.get("Gender", ""))
    if category is None or gender is None:
        return None
    external_id = f"myntra-{row['Product_ID'].strip()}"
    inr = Decimal(row["Price"].strip())
    labels = size_labels(name, category, gender)
    sizes = {
        label: stock_for(f"{external_id}-{label}", i, len(labels)) for i, label in enumerate(labels)
    }
    text = f"{name} {row.get('Description', '')}"
    images = int(row.get("Num_Images") or 0)
    return {
        "external_id": external_id,
        "name": name,
        "brand": row["Product_Brand"].strip(),
        "gender": gender,
        "category": category,
        "colour": taxonomy.normalize_colour(row.get("Primary_Color")),
        "price_usd": (inr / INR_PER_USD).quantize(Decimal("0.01")),
        "description": row.get("Description", "").strip(),
        "sizes": sizes,
        "occasion": taxonomy.tags(text, taxonomy.OCCASION_WORDS),
        "style": taxonomy.tags(name, taxonomy.STYLE_WORDS),
        "material": taxonomy.tags(text, taxonomy.MATERIAL_WORDS),
        "popularity": round(images / 10 + _unit(external_id + ":pop"), 4),
        "source_price": inr,
        "source_currency": "INR",
    }


def demo_records(path: Path | None = None) -> Iterator[dict[str, Any]]:
    """All demo catalog records from the bundled (gzipped) Myntra CSV."""
    source = path or demo_source_path()
    raw = gzip.open(source, "rb").read() if source.suffix == ".gz" else source.read_bytes()
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        record = myntra_to_record(row)
        if record is not None:
            yield record
