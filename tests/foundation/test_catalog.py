from __future__ import annotations

import json
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pytest

from commerce.catalog import demo, taxonomy
from commerce.catalog.importer import import_file, read_rows, validate_rows


async def test_demo_catalog_loaded_with_real_products(pool) -> None:
    count = await pool.fetchval("SELECT count(*) FROM products")
    assert count > 10_000
    row = await pool.fetchrow(
        """SELECT p.name, b.name AS brand, p.price_cents, p.source_price, p.colour, p.category, p.gender
           FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.external_id = 'myntra-10017413'"""
    )
    # the first product of the real Myntra file: a DKNY trolley bag at 11745 INR
    assert row["brand"] == "DKNY"
    assert row["category"] == "bags"
    assert row["gender"] == "unisex"
    assert row["colour"] == "black"
    assert row["source_price"] == Decimal("11745.00")
    assert row["price_cents"] == round(11745 / 83 * 100)


async def test_every_product_has_sizes_from_its_size_system(pool) -> None:
    from commerce.catalog.demo import size_labels

    rows = await pool.fetch(
        """SELECT p.name, p.category, p.gender, array_agg(v.size_label ORDER BY v.sort_order) AS sizes
           FROM products p JOIN product_variants v ON v.product_id = p.id
           GROUP BY p.id, p.name, p.category, p.gender LIMIT 2000"""
    )
    assert rows
    for row in rows:
        assert list(row["sizes"]) == size_labels(row["name"], row["category"], row["gender"])


def test_demo_stock_has_an_online_shops_depth() -> None:
    """A size in stock holds at least two units and middle sizes about a dozen, so a family buying three
    of one shirt can; outer sizes are thinner and about one size in nine is sold out."""
    middle = [demo.stock_for(f"sku-{i}-M", 2, 6) for i in range(3000)]
    outer = [demo.stock_for(f"sku-{i}-XS", 0, 6) for i in range(3000)]
    middle_in_stock = sorted(n for n in middle if n)
    assert min(n for n in middle + outer if n) >= 2 and middle_in_stock[len(middle_in_stock) // 2] >= 10
    assert max(outer) < max(middle) and 0.08 < (middle + outer).count(0) / 6000 < 0.15


async def test_some_sizes_sold_out_and_no_home_goods(pool) -> None:
    sold_out = await pool.fetchval("SELECT count(*) FROM product_variants WHERE stock = 0")
    total = await pool.fetchval("SELECT count(*) FROM product_variants")
    assert 0.03 < sold_out / total < 0.2
    assert await pool.fetchval("SELECT count(*) FROM products WHERE name ILIKE '%curtain%'") == 0


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Roadster Men Navy Blue Slim Fit Casual Shirt", "shirts"),
        ("HRX by Hrithik Roshan Men Black Running Shoes", "shoes"),
        ("Puma Men Grey Printed Round Neck T-shirt", "tshirts"),
        ("AURELIA Women Red Yoke Design Kurta with Churidar & Dupatta", "ethnic_sets"),
        ("VRINDA Coffee Brown Printed Curtain", None),
        ("Mast & Harbour Women Black A-Line Dress", "dresses"),
        ("Dynamocks Unisex Pack Of 3 Solid Shoe Liners", "innerwear"),
        ("Soie Women Blue Printed Knee-Length Sleep Shirts", "nightwear"),  # worn to bed: not a shirt for work
    ],
)
def test_taxonomy(name: str, category: str | None) -> None:
    assert taxonomy.categorize(name) == category


def test_demo_transform_is_deterministic() -> None:
    first = list(islice(demo.demo_records(), 50))  # only what is compared: the unit tier stays fast
    second = list(islice(demo.demo_records(), 50))
    assert first == second
    assert all(r["price_usd"] > 0 for r in first)


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


GOOD = {
    "external_id": "test-tee-1", "name": "Acme Men White Solid Round Neck T-shirt", "brand": "Acme Test",
    "gender": "men", "category": "tshirts", "colour": "White", "price_usd": "19.99",
    "sizes": {"S": 3, "M": 5, "L": 0},
}


async def test_import_reports_bad_rows_and_imports_good_ones(pool, tmp_path: Path) -> None:
    bad_price = {**GOOD, "external_id": "test-bad-price", "price_usd": "-5"}
    bad_category = {**GOOD, "external_id": "test-bad-cat", "category": "spaceships"}
    path = tmp_path / "cat.jsonl"
    path.write_text(
        json.dumps(GOOD) + "\n" + json.dumps(bad_price) + "\nnot json\n" + json.dumps(bad_category) + "\n"
    )
    report = await import_file(pool, path)
    assert report.imported == 1
    reasons = dict(report.rejected)
    assert set(reasons) == {2, 3, 4}
    assert "price_usd" in reasons[2]
    assert "invalid JSON" in reasons[3]
    assert "spaceships" in reasons[4]
    row = await pool.fetchrow("SELECT id, price_cents, colour FROM products WHERE external_id = 'test-tee-1'")
    assert row["price_cents"] == 1999 and row["colour"] == "white"


async def test_strict_import_imports_nothing_when_a_row_is_bad(pool, tmp_path: Path) -> None:
    rows = [{**GOOD, "external_id": "strict-ok"}, {**GOOD, "external_id": "strict-bad", "gender": "robots"}]
    report = await import_file(pool, _write_jsonl(tmp_path / "s.jsonl", rows), strict=True)
    assert report.imported == 0 and len(report.rejected) == 1
    assert await pool.fetchval("SELECT count(*) FROM products WHERE external_id = 'strict-ok'") == 0


async def test_reimport_updates_in_place_and_keeps_reserved_stock(pool, tmp_path: Path) -> None:
    row = {**GOOD, "external_id": "reimport-1", "sizes": {"S": 3, "M": 2, "L": 0}}
    await import_file(pool, _write_jsonl(tmp_path / "a.jsonl", [row]))
    product_id = await pool.fetchval("SELECT id FROM products WHERE external_id = 'reimport-1'")
    sizes_in_stock = "SELECT sizes_in_stock FROM products WHERE id = $1"
    assert await pool.fetchval(sizes_in_stock, product_id) == ["S", "M"]  # set by the import itself
    await pool.execute(
        "UPDATE product_variants SET reserved = 2 WHERE product_id = $1 AND size_label = 'M'", product_id
    )
    changed = {**row, "price_usd": "24.50", "sizes": {"S": 1, "M": 0, "L": 4}}
    await import_file(pool, _write_jsonl(tmp_path / "b.jsonl", [changed]))
    assert await pool.fetchval("SELECT count(*) FROM products WHERE external_id = 'reimport-1'") == 1
    assert await pool.fetchval("SELECT price_cents FROM products WHERE id = $1", product_id) == 2450
    stock = dict(await pool.fetch(
        "SELECT size_label, stock FROM product_variants WHERE product_id = $1", product_id
    ))
    assert stock == {"S": 1, "M": 2, "L": 4}  # M cannot drop below the 2 reserved units
    assert await pool.fetchval(sizes_in_stock, product_id) == ["S", "L"]  # M is all reserved (trigger)


async def test_csv_format_and_failed_transaction_leaves_nothing(pool, tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    path.write_text(
        "external_id,name,brand,gender,category,colour,price_usd,sizes,occasion\n"
        "csv-1,Acme Women Red Floral Maxi Dress,Acme Test,women,dresses,Red,45.00,S:2|M:3,party|beach\n"
        "csv-2,Acme Women Blue Dress,Acme Test,women,dresses,Blue,45.00,S2,\n"
    )
    records, rejected = validate_rows(read_rows(path))
    assert [r.external_id for r in records] == ["csv-1"]
    assert rejected and rejected[0][0] == 3 and "LABEL:STOCK" in rejected[0][1]
    assert records[0].occasion == ["party", "beach"]
