"""Load a catalog file (CSV or JSONL, optionally gzipped) into Postgres, all or nothing.

Every row is validated first; rejected rows are reported with their line number and reason.
Valid rows are upserted by ``external_id`` in ONE transaction (COPY into temp tables, then
``INSERT ... ON CONFLICT``), so an import either lands whole or not at all. Re-importing a file
updates prices, descriptions and stock; stock never drops below units already reserved.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from commerce.catalog.records import CatalogRecord, validate_row

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    brands: int = 0
    variants: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "variants": self.variants,
            "brands": self.brands,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }


class CatalogImportError(RuntimeError):
    """The file cannot be read at all (missing, unknown format, broken encoding)."""


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield (line number, raw row dict or a parse error) from a CSV/JSONL(.gz) file."""
    name = path.name.lower().removesuffix(".gz")
    if not path.exists():
        raise CatalogImportError(f"{path}: no such file")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogImportError(f"{path}: cannot read ({exc})") from exc
    if name.endswith(".jsonl") or name.endswith(".ndjson"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"invalid JSON: {exc.msg}"
                continue
            yield number, obj if isinstance(obj, dict) else "a JSON object per line is required"
    elif name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        for number, row in enumerate(reader, start=2):
            yield number, {k: v for k, v in row.items() if k}
    else:
        raise CatalogImportError(f"{path}: unknown format (use .csv or .jsonl, optionally .gz)")


def validate_rows(rows: Iterable[tuple[int, dict[str, Any] | str]]) -> tuple[list[CatalogRecord], list[tuple[int, str]]]:
    good: dict[str, CatalogRecord] = {}
    rejected: list[tuple[int, str]] = []
    for number, raw in rows:
        result = raw if isinstance(raw, str) else validate_row(raw)
        if isinstance(result, str):
            rejected.append((number, result))
        elif result.external_id in good:
            rejected.append((number, f"external_id: duplicate {result.external_id!r}"))
        else:
            good[result.external_id] = result
    return list(good.values()), rejected


async def import_records(pool: asyncpg.Pool, records: list[CatalogRecord], progress: Progress | None = None) -> ImportReport:
    """Upsert validated records in one transaction."""
    report = ImportReport()
    if not records:
        return report
    async with pool.acquire() as conn, conn.transaction():
        brands = sorted({r.brand for r in records})
        await conn.executemany(
            "INSERT INTO brands (name, name_norm) VALUES ($1, $2) ON CONFLICT (name_norm) DO NOTHING",
            [(b, b.lower()) for b in brands],
        )
        report.brands = len(brands)
        await conn.execute(
            """CREATE TEMP TABLE import_products (
                   external_id text, brand_norm text, name text, description text, gender text,
                   category text, colour text, price_cents integer, occasion text[], style text[],
                   material text[], popularity real, source_price numeric, source_currency text
               ) ON COMMIT DROP;
               CREATE TEMP TABLE import_variants (
                   external_id text, size_label text, sku text, stock integer, sort_order smallint
               ) ON COMMIT DROP;"""
        )
        chunk = 2000
        for start in range(0, len(records), chunk):
            part = records[start : start + chunk]
            await conn.copy_records_to_table("import_products", records=[
                (r.external_id, r.brand.lower(), r.name, r.description, r.gender, r.category, r.colour,
                 r.price_cents, r.occasion, r.style, r.material, r.popularity, r.source_price,
                 r.source_currency)
                for r in part
            ])
            variants = [
                (r.external_id, label, f"{r.external_id}-{label}", stock, i)
                for r in part for i, (label, stock) in enumerate(r.sizes.items())
            ]
            await conn.copy_records_to_table("import_variants", records=variants)
            report.variants += len(variants)
            if progress:
                progress(len(part))
        await conn.execute(
            """INSERT INTO products (external_id, brand_id, name, description, gender, category, colour,
                                     price_cents, occasion, style, material, popularity, source_price,
                                     source_currency, sizes_in_stock)
               SELECT i.external_id, b.id, i.name, i.description, i.gender, i.category, i.colour,
                      i.price_cents, i.occasion, i.style, i.material, i.popularity, i.source_price,
                      i.source_currency, coalesce(s.sizes, '{}')
               FROM import_products i JOIN brands b ON b.name_norm = i.brand_norm
               LEFT JOIN (SELECT external_id,
                                 array_agg(size_label ORDER BY sort_order) FILTER (WHERE stock > 0) AS sizes
                          FROM import_variants GROUP BY external_id) s ON s.external_id = i.external_id
               -- stored by category and department, most popular first: a category search
               -- reads fewer pages (sizes_in_stock of existing products is kept by trigger)
               ORDER BY i.category, i.gender, i.popularity DESC
               ON CONFLICT (external_id) DO UPDATE SET
                   brand_id = EXCLUDED.brand_id, name = EXCLUDED.name, description = EXCLUDED.description,
                   gender = EXCLUDED.gender, category = EXCLUDED.category, colour = EXCLUDED.colour,
                   price_cents = EXCLUDED.price_cents, occasion = EXCLUDED.occasion, style = EXCLUDED.style,
                   material = EXCLUDED.material, popularity = EXCLUDED.popularity,
                   source_price = EXCLUDED.source_price, source_currency = EXCLUDED.source_currency,
                   active = true, updated_at = now()"""
        )
        await conn.execute(
            """INSERT INTO product_variants (product_id, size_label, sku, stock, sort_order)
               SELECT p.id, v.size_label, v.sku, v.stock, v.sort_order
               FROM import_variants v JOIN products p ON p.external_id = v.external_id
               ON CONFLICT (product_id, size_label) DO UPDATE SET
                   stock = GREATEST(EXCLUDED.stock, product_variants.reserved),
                   sort_order = EXCLUDED.sort_order"""
        )
        report.imported = len(records)
    # Fresh statistics, or the planner picks terrible plans for the first searches after a load;
    # and a fresh visibility map, or the covering search indexes visit the heap row by row.
    await pool.execute("VACUUM (ANALYZE) brands, products, product_variants")
    return report


async def import_file(pool: asyncpg.Pool, path: Path, *, strict: bool = False, progress: Progress | None = None) -> ImportReport:
    """Validate and import a catalog file; with ``strict`` any rejected row aborts the import."""
    records, rejected = validate_rows(read_rows(path))
    if strict and rejected:
        return ImportReport(rejected=rejected)
    report = await import_records(pool, records, progress)
    report.rejected = rejected
    return report


async def ensure_size_charts(pool: asyncpg.Pool) -> int:
    """Store the standard size charts (idempotent)."""
    from commerce.sizing.charts import chart_rows

    rows = chart_rows()
    columns = ["category", "gender", "size_system", "size_label", "sort_order", "chest_min", "chest_max",
               "waist_min", "waist_max", "hips_min", "hips_max", "height_min", "height_max",
               "foot_min", "foot_max"]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM size_charts WHERE brand_id IS NULL")
        await conn.copy_records_to_table(
            "size_charts", columns=columns, records=[tuple(row.get(c) for c in columns) for row in rows]
        )
    return len(rows)


async def load_demo_catalog_if_empty(pool: asyncpg.Pool, path: Path | None = None) -> ImportReport | None:
    """First start: load the demo catalog (or ``path``) when there are no products yet."""
    from commerce.catalog.demo import demo_records

    if await pool.fetchval("SELECT EXISTS (SELECT 1 FROM products)"):
        return None
    await ensure_size_charts(pool)
    if path is not None:
        return await import_file(pool, path)
    records, rejected = validate_rows(enumerate(demo_records(), start=1))
    report = await import_records(pool, records)
    report.rejected = rejected
    return report
