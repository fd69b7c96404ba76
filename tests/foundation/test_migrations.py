from __future__ import annotations

import pytest

from commerce import db


async def test_all_migrations_recorded_and_idempotent(pool) -> None:
    versions = [m.version for m in db.load_migrations()]
    recorded = [r["version"] for r in await pool.fetch("SELECT version FROM schema_migrations ORDER BY version")]
    assert recorded == versions
    assert await db.migrate(pool) == []  # second run applies nothing


async def test_required_tables_exist(pool) -> None:
    rows = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = {r["tablename"] for r in rows}
    required = {
        "brands", "products", "product_variants", "size_charts", "users", "user_profiles", "carts",
        "cart_items", "orders", "order_items", "payments", "webhook_events", "returns",
        "return_predictions", "conversations", "turns", "fit_feedback",
    }
    assert required <= tables


async def test_changed_migration_is_refused(pool) -> None:
    first = db.load_migrations()[0]
    await pool.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = $1", first.version)
    try:
        with pytest.raises(db.MigrationError, match="changed after it was applied"):
            await db.migrate(pool)
    finally:
        await pool.execute(
            "UPDATE schema_migrations SET checksum = $1 WHERE version = $2", first.checksum, first.version
        )


async def test_stock_can_never_go_negative_or_below_reserved(pool) -> None:
    import asyncpg

    variant = await pool.fetchrow("SELECT id, stock FROM product_variants ORDER BY id LIMIT 1")
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute("UPDATE product_variants SET reserved = stock + 1 WHERE id = $1", variant["id"])
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute("UPDATE product_variants SET stock = -1 WHERE id = $1", variant["id"])
