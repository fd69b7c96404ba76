"""Search latency at catalog scale: p50/p99 of a fixed query mix over a 100k-product catalog.

The catalog is the real demo catalog replicated with perturbations (price ×0.75–1.35, popularity
jitter, a third of the copies recoloured) into a SEPARATE database (default ``shepherd_bench`` in
the embedded Postgres under ``--state-dir``; or ``--dsn``). It is built once and reused while it
has the requested size. Timings are end to end through ``commerce.search`` (SQL round trips and
Python re-ranking), one query at a time. JSON on stdout:

    python bench/search_bench.py [--products 100000] [--rounds 30] [--state-dir .shepherd]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from commerce import db
from commerce.catalog.demo import demo_records
from commerce.catalog.importer import import_records, validate_rows
from commerce.models import SearchFilters
from commerce.search import get_product, recommend, search_products, similar_products
from voice_server.platform.logs import configure_logging

IMPORT_CHUNK = 5000
# Stored on the bench database's products table; a catalog built by an older importer (other row
# order, no vacuum) is rebuilt rather than measured.
CATALOG_LAYOUT = "bench catalog, importer of migration 0006"
COLOURS = ["black", "white", "blue", "navy blue", "red", "green", "grey", "pink", "beige", "maroon", "yellow"]

QUERY_MIX: list[tuple[str, SearchFilters]] = [
    ("text", SearchFilters(query="blue denim jacket")),
    ("text", SearchFilters(query="floral summer dress", gender="women")),
    ("text+filters", SearchFilters(query="cotton shirt", gender="men", price_max_cents=3000)),
    ("text+filters", SearchFilters(query="running shoes", gender="men", size="9")),
    ("browse", SearchFilters(category="tshirts", gender="men")),
    ("browse", SearchFilters(category="kurtas", gender="women", colour="blue")),
    ("browse", SearchFilters(category="jeans", gender="men", size="32", price_max_cents=4000)),
    ("browse", SearchFilters(category="sarees", occasion="wedding")),
    ("brand", SearchFilters(brand="roadster", category="shirts")),
    ("relaxed", SearchFilters(category="jeans", gender="men", colour="pink", material="silk",
                              price_max_cents=300)),
    ("broad", SearchFilters(gender="women")),
    ("broad", SearchFilters(query="black")),
]


def _unit(key: str) -> float:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def scaled_records(target: int) -> list[dict[str, Any]]:
    """The demo records replicated and perturbed up to ``target`` products (deterministic)."""
    base = list(demo_records())
    out: list[dict[str, Any]] = []
    copy = 0
    while len(out) < target:
        for rec in base:
            if len(out) >= target:
                break
            if copy == 0:
                out.append(rec)
                continue
            key = f"{rec['external_id']}:{copy}"
            r = dict(rec, external_id=f"{rec['external_id']}-x{copy}")
            r["price_usd"] = (rec["price_usd"] * Decimal(str(0.75 + 0.6 * _unit(key + "p")))).quantize(
                Decimal("0.01"))
            r["popularity"] = round(max(0.0, rec["popularity"] + _unit(key + "q") - 0.5), 4)
            if _unit(key + "c") < 1 / 3:
                colour = COLOURS[int(_unit(key + "k") * len(COLOURS))]
                if rec["colour"]:
                    r["name"] = rec["name"].replace(rec["colour"].title(), colour.title())
                r["colour"] = colour
            out.append(r)
        copy += 1
    return out


async def ensure_catalog(pool: Any, target: int) -> dict[str, Any]:
    have = await pool.fetchval("SELECT count(*) FROM products")
    layout = await pool.fetchval("SELECT obj_description('products'::regclass, 'pg_class')")
    if have == target and layout == CATALOG_LAYOUT:
        return {"built": False, "products": have}
    started = time.perf_counter()
    async with pool.acquire() as conn:
        await conn.execute("TRUNCATE products, product_variants, brands RESTART IDENTITY CASCADE")
    records, rejected = validate_rows(enumerate(scaled_records(target), start=1))
    imported = variants = 0
    for start in range(0, len(records), IMPORT_CHUNK):  # chunks stay within the pool's command timeout
        report = await import_records(pool, records[start : start + IMPORT_CHUNK])
        imported, variants = imported + report.imported, variants + report.variants
    await pool.execute("ANALYZE")
    await pool.execute(f"COMMENT ON TABLE products IS '{CATALOG_LAYOUT}'")
    return {"built": True, "products": imported, "variants": variants,
            "rejected": len(rejected), "build_s": round(time.perf_counter() - started, 1)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def timed(fn: Callable[[], Awaitable[Any]], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _scans(node: dict[str, Any]) -> list[str]:
    """"Node Type" of every plan node that reads the products table."""
    found = [node["Node Type"]] if node.get("Relation Name") == "products" else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


async def product_scans(pool: Any) -> dict[str, list[str]]:
    """How each mix query's candidate SQL reads ``products`` (EXPLAIN)."""
    from commerce.search import _candidate_sql, build_where

    found = {}
    for i, (_, f) in enumerate(QUERY_MIX):
        text_mode = "all" if f.query else None
        where = build_where(f, set(), 1 if text_mode else 0, text_driven=text_mode is not None)
        params = ([f.query] if text_mode else []) + where.params
        sql = _candidate_sql(where, text_mode, len(params) + 1)
        plan = await pool.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *params, 60)
        plan = json.loads(plan) if isinstance(plan, str) else plan
        found[f"q{i}"] = _scans(plan[0]["Plan"])
    return found


def search_cases(pool: Any, product_id: int) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    """The query mix plus "more like this", one product page and anonymous recommendations."""
    cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        (kind, lambda f=f: search_products(pool, f, limit=10)) for kind, f in QUERY_MIX
    ]
    cases += [
        ("similar", lambda: similar_products(pool, product_id, limit=5)),
        ("get_product", lambda: get_product(pool, product_id)),
        ("recommend", lambda: recommend(pool, None, limit=10)),
    ]
    return cases


POOL_SIZE = 4  # connections of the benchmark's pool


async def measure(cases: list[tuple[str, Callable[[], Awaitable[Any]]]], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per call, by kind: a warm-up, then ``rounds`` interleaved passes.

    The warm-up runs every case on every pool connection at once (a server's connections are
    long-lived, so each has its statements prepared and its catalog caches filled; sequential
    calls rotate through the pool, and relaxation opens extra connections)."""
    for _, fn in cases:
        await asyncio.gather(*(fn() for _ in range(POOL_SIZE)))
    per_kind: dict[str, list[float]] = {}
    for _ in range(rounds):
        for kind, fn in cases:
            per_kind.setdefault(kind, []).extend(await timed(fn, 1))
    return per_kind


async def top_product(pool: Any) -> int:
    return await pool.fetchval("SELECT id FROM products ORDER BY popularity DESC, id LIMIT 1")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.dsn:
        dsn = args.dsn
    else:
        from voice_server.platform.embedded import start_postgres

        dsn = await asyncio.to_thread(start_postgres, args.state_dir, args.database)
    pool = await db.create_pool(dsn, min_size=1, max_size=POOL_SIZE)
    try:
        await db.migrate(pool)
        catalog = await ensure_catalog(pool, args.products)
        per_kind = await measure(search_cases(pool, await top_product(pool)), args.rounds)
        all_ms = [v for values in per_kind.values() for v in values]
        return {
            "bench": "search",
            "catalog": catalog,
            "queries": len(all_ms),
            "p50_ms": round(statistics.median(all_ms), 2),
            "p99_ms": round(percentile(all_ms, 99), 2),
            "max_ms": round(max(all_ms), 2),
            "by_kind": {k: {"p50_ms": round(statistics.median(v), 2), "p99_ms": round(percentile(v, 99), 2)}
                        for k, v in sorted(per_kind.items())},
            "products_scans": await product_scans(pool),
        }
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30, help="passes over the query mix")
    parser.add_argument("--state-dir", default=".shepherd")
    parser.add_argument("--database", default="shepherd_bench")
    parser.add_argument("--dsn", default=None, help="Postgres DSN (default: embedded, --database)")
    args = parser.parse_args(argv)
    args.state_dir = Path(args.state_dir).absolute()
    configure_logging("warning", "json")  # logs to stderr: stdout is the JSON report
    json.dump(asyncio.run(run(args)), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
