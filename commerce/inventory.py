"""Stock reservation on product variants: lock in a stable order, check, reserve, sell, release.

A variant has ``stock`` units on hand of which ``reserved`` are held by unpaid orders; what can
still be sold is ``stock - reserved``. Placing an order reserves, payment turns a reservation
into a sale (``stock -= q, reserved -= q``), cancelling releases it (``reserved -= q``) and a
refunded return puts the units back (``stock += q``). Callers run these inside their own
transaction; rows are always locked in ascending variant id so concurrent orders never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class StockLine:
    """Units of one variant that an order needs."""

    variant_id: int
    quantity: int
    label: str = ""


def merge_lines(lines: Iterable[StockLine]) -> list[StockLine]:
    """One line per variant (quantities summed), sorted by variant id: the lock order."""
    totals: dict[int, StockLine] = {}
    for line in lines:
        seen = totals.get(line.variant_id)
        qty = line.quantity + (seen.quantity if seen else 0)
        totals[line.variant_id] = StockLine(line.variant_id, qty, line.label or (seen.label if seen else ""))
    return [totals[k] for k in sorted(totals)]


def shortages(lines: Iterable[StockLine], available: Mapping[int, int]) -> list[StockLine]:
    """The lines whose quantity exceeds what is available (pure)."""
    return [line for line in lines if available.get(line.variant_id, 0) < line.quantity]


async def lock_available(conn: asyncpg.Connection, variant_ids: list[int]) -> dict[int, int]:
    """Lock the variants (ascending id) and return ``stock - reserved`` for each."""
    rows = await conn.fetch(
        """SELECT id, stock - reserved AS available FROM product_variants
           WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE""",
        sorted(set(variant_ids)),
    )
    return {r["id"]: r["available"] for r in rows}


async def _apply(conn: asyncpg.Connection, sql: str, lines: list[StockLine]) -> None:
    merged = merge_lines(lines)
    if merged:
        await conn.execute(sql, [line.variant_id for line in merged], [line.quantity for line in merged])


_UPDATE = """UPDATE product_variants v SET {set_clause}
             FROM unnest($1::bigint[], $2::int[]) AS l(variant_id, qty) WHERE v.id = l.variant_id"""


async def reserve(conn: asyncpg.Connection, lines: list[StockLine]) -> None:
    await _apply(conn, _UPDATE.format(set_clause="reserved = v.reserved + l.qty"), lines)


async def release(conn: asyncpg.Connection, lines: list[StockLine]) -> None:
    await _apply(conn, _UPDATE.format(set_clause="reserved = greatest(v.reserved - l.qty, 0)"), lines)


async def commit_sale(conn: asyncpg.Connection, lines: list[StockLine]) -> None:
    """Turn reserved units into sold ones."""
    await _apply(
        conn,
        _UPDATE.format(set_clause="stock = v.stock - l.qty, reserved = greatest(v.reserved - l.qty, 0)"),
        lines,
    )


async def restock(conn: asyncpg.Connection, lines: list[StockLine]) -> None:
    await _apply(conn, _UPDATE.format(set_clause="stock = v.stock + l.qty"), lines)
