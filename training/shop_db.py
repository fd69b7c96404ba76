"""The shop's Postgres for training (``shepherd train fit --shop``): the server's own settings and database.

The DSN is the server's (`voice_server.platform.settings.Settings`): ``DATABASE_URL`` when set,
else the embedded Postgres under the state directory (started or joined, as every ``shepherd``
command does).  Migrations are applied so a fresh database reads as "no shop rows".
"""

from __future__ import annotations

import asyncio

import asyncpg

from commerce import db
from voice_server.platform.embedded import EmbeddedServiceError, start_postgres
from voice_server.platform.settings import Settings

CONNECT_TIMEOUT_S = 15.0


class ShopDatabaseUnavailable(RuntimeError):
    """The shop's database cannot be reached: training on shop data is refused (one-line message)."""


def describe(settings: Settings) -> str:
    """Where the shop's data lives, without secrets."""
    if settings.database_url is not None:
        return "DATABASE_URL"
    return f"embedded Postgres in {settings.state_dir / 'postgres'}"


async def open_shop_pool(settings: Settings) -> asyncpg.Pool:
    """A small pool on the shop's database (ShopDatabaseUnavailable when it cannot be reached)."""
    try:
        if settings.database_url is not None:
            dsn = settings.database_url.get_secret_value()
        else:
            dsn = await asyncio.to_thread(start_postgres, settings.state_dir, settings.database_name)
        pool = await asyncio.wait_for(db.create_pool(dsn, min_size=1, max_size=2), CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, EmbeddedServiceError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ShopDatabaseUnavailable(f"cannot reach the shop database ({describe(settings)}): {reason}") from exc
    try:
        await db.migrate(pool)
    except (OSError, asyncpg.PostgresError) as exc:
        await pool.close()
        raise ShopDatabaseUnavailable(f"cannot read the shop database ({describe(settings)}): {exc}") from exc
    return pool
