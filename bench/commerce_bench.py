"""Commerce latency: search and recommendations at two catalog sizes, checkout, size advice, return risk.

Everything runs through the real ``commerce`` functions on the embedded Postgres (or ``--dsn``),
one call at a time, so each number is one shopper's wait (SQL round trips plus Python work):

- search: the query mix of ``bench/search_bench.py`` (text, text + filters, browse, brand,
  relaxed, broad) through ``search_products``; recommendations: ``recommend`` (anonymous and
  for a returning shopper) and ``similar_products``. At the demo catalog (~11k products) and at
  the replicated 100k catalog, each in its own database (``shepherd_bench_demo``, ``shepherd_bench_100000``),
  built once, reused.
- checkout (demo catalog): a new guest adds a line to the cart, places the order with the
  offline provider (stock reserved, payment created), the payment is confirmed (``mark_paid``:
  reserved stock becomes sold) and the order is read back.
- size advice (``commerce.shopper_advice.size_advice``) and return risk (``return_risk``, which also
  advises and records its prediction) for a shopper with measurements, past orders, a return
  with fit feedback, and shoppers of similar build who reported on the same products.

    python -m bench.commerce_bench [--quick] [--sizes demo,100000] [--rounds 30]

Writes ``bench/results/commerce.json`` (see ``bench/report.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import RESULTS_DIR, row, summarize, write_result
from bench.search_bench import POOL_SIZE, QUERY_MIX, ensure_catalog, measure, search_cases, top_product
from commerce import db
from commerce.cart import add_item
from commerce.catalog.demo import demo_records
from commerce.models import BodyMeasurements
from commerce.order_returns import request_return
from commerce.orders import get_order, mark_paid, place_order
from commerce.payments import OfflineProvider
from commerce.profiles import update_profile
from commerce.search import recommend
from commerce.shopper_advice import return_risk, size_advice
from commerce.sizing import chart_for, size_system_for
from voice_server.platform.logs import configure_logging

SEARCH_GOAL_MS = 10.0
"""Issue #5: search p99 <= 10 ms at 100k products."""
SEARCH_KINDS = frozenset(kind for kind, _ in QUERY_MIX)
RECOMMEND_KINDS = frozenset({"similar", "recommend", "recommend_personal"})
CHECKOUT_STAGES = ("cart_add", "order_and_pay", "confirm", "total")
SIMILAR_SHOPPERS = 12
SHOPPER = BodyMeasurements(height_cm=168, weight_kg=62, chest_cm=90, waist_cm=74, hips_cm=98, foot_cm=25)


@dataclass(frozen=True)
class Config:
    sizes: list[int]
    rounds: int
    checkouts: int
    advice_runs: int
    state_dir: Path
    dsn: str | None
    prefix: str
    out_dir: Path
    quick: bool


def say(message: str) -> None:
    """Progress on stderr (the catalog build and the runs take minutes)."""
    print(f"[commerce] {message}", file=sys.stderr, flush=True)


@functools.cache
def demo_size() -> int:
    return sum(1 for _ in demo_records())


def database_name(prefix: str, n: int) -> str:
    """``<prefix>_demo`` for the demo catalog (its size changes as the catalog does), else ``<prefix>_<n>``."""
    return f"{prefix}_{'demo' if n == demo_size() else n}"


def parse_sizes(text: str) -> list[int]:
    """``demo,100000`` -> catalog sizes (``demo`` is the whole demo catalog)."""
    out = []
    for part in (p.strip().lower() for p in text.split(",")):
        if part:
            out.append(demo_size() if part == "demo" else int(part.replace("_", "").replace("k", "000")))
    return out


def scale_label(n: int) -> str:
    """11402 -> '11.4k', 100000 -> '100k'."""
    return f"{n / 1000:.3g}k" if n >= 1000 else str(n)


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def p50_p99(samples_ms: list[float]) -> str:
    s = summarize(samples_ms)
    return f"{fmt_ms(s['p50'])} / {fmt_ms(s['p99'])} ms"


async def timed_ms(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = await fn()
    return (time.perf_counter() - started) * 1000, out


# --------------------------------------------------------------------------------------------
# set-up (not timed)


async def new_guest(pool: Any) -> int:
    return await pool.fetchval("INSERT INTO users (kind) VALUES ('guest') RETURNING id")


async def sellable_variants(pool: Any, count: int, *, offset_key: int = 0) -> list[Any]:
    """Up to ``count`` (product, size) pairs with a free unit, one per product, spread over the catalog."""
    return await pool.fetch(
        """SELECT DISTINCT ON (p.id) p.id AS product_id, v.size_label, p.category, p.gender
           FROM products p JOIN product_variants v ON v.product_id = p.id
           WHERE p.active AND v.stock - v.reserved >= 1
           ORDER BY p.id, v.stock - v.reserved DESC, v.id
           LIMIT $1 OFFSET $2""",
        count, offset_key,
    )


async def checkout_once(pool: Any, provider: OfflineProvider, user_id: int, product_id: int, size: str,
                        key: str) -> dict[str, float]:
    """Cart add -> order (offline payment created) -> payment confirmed -> order read back; ms per stage."""
    stages: dict[str, float] = {}
    started = time.perf_counter()
    stages["cart_add"], _ = await timed_ms(lambda: add_item(pool, user_id, product_id, size, 1))
    stages["order_and_pay"], order = await timed_ms(lambda: place_order(pool, provider, user_id, key))

    async def confirm() -> Any:
        async with pool.acquire() as conn, conn.transaction():
            if not await mark_paid(conn, order.id):
                raise RuntimeError(f"order {order.id} could not be marked paid")
        return await get_order(pool, user_id, order.id)

    stages["confirm"], paid = await timed_ms(confirm)
    if paid.status != "paid":
        raise RuntimeError(f"order {order.id} ended {paid.status}, not paid")
    stages["total"] = (time.perf_counter() - started) * 1000
    return stages


async def returning_shopper(pool: Any, provider: OfflineProvider, products: list[Any]) -> int:
    """A shopper with measurements, favourite colours, three paid orders and a return marked "too small"."""
    user_id = await new_guest(pool)
    await update_profile(pool, user_id, SHOPPER, {"favourite_colours": ["black", "blue"], "gender": "women"})
    for i, p in enumerate(products[:3]):
        await checkout_once(pool, provider, user_id, p["product_id"], p["size_label"], f"setup-{i}")
    if products:
        await request_return(pool, user_id, None, products[0]["product_id"], "too tight", "small")
    return user_id


async def similar_build_reports(pool: Any, product_rows: list[Any]) -> None:
    """Shoppers of the shopper's build who reported fit on the advised products."""
    fits = ("fit", "fit", "small", "large")
    for k in range(SIMILAR_SHOPPERS):
        uid = await new_guest(pool)
        await update_profile(pool, uid, BodyMeasurements(height_cm=166 + k % 5, weight_kg=59 + k % 7), None)
        await pool.executemany(
            "INSERT INTO fit_feedback (user_id, product_id, size_label, fit, source) VALUES ($1, $2, $3, $4, 'review')",
            [(uid, r["product_id"], r["size_label"], fits[(k + j) % len(fits)]) for j, r in enumerate(product_rows)],
        )


def advisable(rows: list[Any]) -> list[Any]:
    """Products that have a size chart (size advice returns None for one-size items)."""
    out = []
    for r in rows:
        try:
            system = size_system_for(r["category"], r["gender"])
        except ValueError:
            continue
        if system != "onesize" and chart_for(r["category"], r["gender"]) is not None:
            out.append(r)
    return out


# --------------------------------------------------------------------------------------------
# measurements


async def bench_search(pool: Any, rounds: int, shopper: int | None) -> dict[str, list[float]]:
    cases = search_cases(pool, await top_product(pool))
    if shopper is not None:
        cases.append(("recommend_personal", lambda: recommend(pool, shopper, limit=10)))
    return await measure(cases, rounds)


async def bench_checkout(pool: Any, provider: OfflineProvider, runs: int) -> dict[str, list[float]]:
    targets = await sellable_variants(pool, runs + 1, offset_key=0)  # one product per checkout
    if not targets:
        raise RuntimeError("no product has a free unit to check out")
    out: dict[str, list[float]] = {stage: [] for stage in CHECKOUT_STAGES}
    tag = time.time_ns()
    for i in range(runs + 1):  # the first is a warm-up
        t = targets[i % len(targets)]
        stages = await checkout_once(pool, provider, await new_guest(pool), t["product_id"], t["size_label"],
                                     f"bench-{tag}-{i}")
        if i:
            for stage, value in stages.items():
                out[stage].append(value)
    return out


async def bench_advice(pool: Any, provider: OfflineProvider, runs: int) -> dict[str, Any]:
    rows = advisable(list(await sellable_variants(pool, 400, offset_key=500)))[:40]
    if not rows:
        raise RuntimeError("no product with a size chart in this catalog")
    shopper = await returning_shopper(pool, provider, rows[-3:])
    await similar_build_reports(pool, rows)
    await pool.execute("ANALYZE fit_feedback, user_profiles, orders, order_items, returns")
    advice_ms: list[float] = []
    risk_ms: list[float] = []
    advised = 0
    for i in range(runs + 1):
        r = rows[i % len(rows)]
        t_advice, advice = await timed_ms(lambda r=r: size_advice(pool, shopper, r["product_id"]))
        t_risk, _ = await timed_ms(lambda r=r: return_risk(pool, shopper, r["product_id"], r["size_label"]))
        if i:  # the first is a warm-up (model load)
            advice_ms.append(t_advice)
            risk_ms.append(t_risk)
            advised += advice is not None
    return {"size_advice": advice_ms, "return_risk": risk_ms, "advised": advised, "products": len(rows)}


async def bench_scale(cfg: Config, n: int, first: bool) -> dict[str, Any]:
    dsn = cfg.dsn
    if dsn is None:
        from voice_server.platform.embedded import start_postgres

        dsn = await asyncio.to_thread(start_postgres, cfg.state_dir, database_name(cfg.prefix, n))
    pool = await db.create_pool(dsn, min_size=1, max_size=POOL_SIZE)
    try:
        await db.migrate(pool)
        say(f"{n:,} products in database {database_name(cfg.prefix, n)} (built once, then reused)")
        catalog = await ensure_catalog(pool, n)
        provider = OfflineProvider()
        server_version = await pool.fetchval("SHOW server_version")
        targets = await sellable_variants(pool, 3, offset_key=50)
        shopper = await returning_shopper(pool, provider, list(targets))
        say(f"search and recommendations: {cfg.rounds} rounds")
        per_kind = await bench_search(pool, cfg.rounds, shopper)
        out: dict[str, Any] = {
            "products": n, "catalog": catalog, "postgres": server_version,
            "by_kind": {k: summarize(v) for k, v in sorted(per_kind.items())},
            "search_ms": [round(v, 3) for k, vs in per_kind.items() if k in SEARCH_KINDS for v in vs],
            "recommend_ms": [round(v, 3) for k, vs in per_kind.items() if k in RECOMMEND_KINDS for v in vs],
        }
        out["search"] = summarize(out["search_ms"])
        out["recommend"] = summarize(out["recommend_ms"])
        if first:
            say(f"checkout x {cfg.checkouts}, size advice and return risk x {cfg.advice_runs}")
            checkout = await bench_checkout(pool, provider, cfg.checkouts)
            out["checkout"] = {stage: summarize(v) for stage, v in checkout.items()}
            advice = await bench_advice(pool, provider, cfg.advice_runs)
            out["size_advice"] = summarize(advice["size_advice"])
            out["return_risk"] = summarize(advice["return_risk"])
            out["advice_products"] = advice["products"]
            out["advised"] = advice["advised"]
        return out
    finally:
        await pool.close()


def build_rows(scales: list[dict[str, Any]], cfg: Config) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    largest = max(s["products"] for s in scales)
    for s in scales:
        label = scale_label(s["products"])
        setup = (f"{s['products']:,} products, {s['search']['n']} queries ({cfg.rounds} rounds of the mix), "
                 f"one at a time, Postgres {s['postgres'].split()[0]}")
        goal, met = "", None
        if s["products"] == largest and largest >= 100_000:
            goal, met = f"p99 <= {SEARCH_GOAL_MS:.0f} ms", s["search"]["p99"] <= SEARCH_GOAL_MS
        rows.append(row("Search", f"p50 / p99 at {label} products", p50_p99(s["search_ms"]), setup, goal, met))
        rec_setup = (f"{s['products']:,} products, {s['recommend']['n']} calls (recommend, for you, "
                     "more like this), one at a time")
        rows.append(row("Recommendations", f"p50 / p99 at {label} products", p50_p99(s["recommend_ms"]),
                        rec_setup))
    first = scales[0]
    if "checkout" in first:
        c = first["checkout"]["total"]
        rows.append(row("Checkout (offline provider)", "p50 / p99 cart add -> order -> pay -> confirm",
                        f"{fmt_ms(c['p50'])} / {fmt_ms(c['p99'])} ms",
                        f"{c['n']} checkouts, new guest each, {scale_label(first['products'])} products"))
        for key, name in (("size_advice", "Size advice"), ("return_risk", "Return risk")):
            s = first[key]
            rows.append(row(name, "p50 / p99 (DB reads + model)", f"{fmt_ms(s['p50'])} / {fmt_ms(s['p99'])} ms",
                            f"{s['n']} calls over {first['advice_products']} products, shopper with history"))
    if cfg.quick:
        for r in rows:
            r["setup"] += " (QUICK smoke run)"
    return rows


async def run(cfg: Config) -> Path:
    started, load_before = time.perf_counter(), os.getloadavg()
    scales = [await bench_scale(cfg, n, i == 0) for i, n in enumerate(cfg.sizes)]
    setup = {
        "sizes": cfg.sizes, "rounds": cfg.rounds, "checkouts": cfg.checkouts, "advice_runs": cfg.advice_runs,
        "quick": cfg.quick, "concurrency": 1, "database": "embedded Postgres" if cfg.dsn is None else "--dsn",
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_1m": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
    }
    results = {"scales": scales, "search_goal_p99_ms": SEARCH_GOAL_MS,
               "median_search_ms": {scale_label(s["products"]): statistics.median(s["search_ms"]) for s in scales}}
    return write_result("commerce", setup, results, build_rows(scales, cfg), cfg.out_dir)


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (a smoke run)")
    parser.add_argument("--sizes", default="demo,100000", help="catalog sizes; 'demo' = the demo catalog")
    parser.add_argument("--rounds", type=int, default=None, help="passes over the search mix (30; quick 5)")
    parser.add_argument("--checkouts", type=int, default=None, help="timed checkouts (200; quick 20)")
    parser.add_argument("--advice-runs", type=int, default=None, help="advice/risk calls (200; quick 20)")
    parser.add_argument("--state-dir", type=Path, default=Path(".shepherd"))
    parser.add_argument("--database-prefix", default="shepherd_bench")
    parser.add_argument("--dsn", default=None, help="Postgres DSN (default: embedded, one database per size)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    a = parser.parse_args(argv)
    return Config(
        sizes=parse_sizes(a.sizes), rounds=a.rounds or (5 if a.quick else 30),
        checkouts=a.checkouts or (20 if a.quick else 200), advice_runs=a.advice_runs or (20 if a.quick else 200),
        state_dir=a.state_dir.absolute(), dsn=a.dsn, prefix=a.database_prefix, out_dir=a.out_dir, quick=a.quick,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    configure_logging("warning", "console")
    path = asyncio.run(run(cfg))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
