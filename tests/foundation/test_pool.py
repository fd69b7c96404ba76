"""The pool's release keeps sessions cheap (no reset round trip) but never hands out a connection
with a transaction left open."""

from __future__ import annotations

from typing import Any


async def test_connection_released_inside_a_transaction_comes_back_clean(pool: Any) -> None:
    async with pool.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("CREATE TEMP TABLE pool_reset_probe (x int)")
    for _ in range(pool.get_max_size()):  # whichever connection is handed out next
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.pool_reset_probe')") is None
