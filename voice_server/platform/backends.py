"""Connect to (or start) Postgres and Valkey, migrate, and load the demo catalog on first start.

Used by ``shepherd serve``, ``shepherd chat`` and the tests alike, so every entry point runs on
the same storage set-up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
import redis.asyncio as aioredis

from commerce import db
from commerce.catalog.importer import load_demo_catalog_if_empty
from voice_server.platform.embedded import EmbeddedValkey, start_postgres
from voice_server.platform.logs import get_logger
from voice_server.platform.settings import Settings

log = get_logger(__name__)


@dataclass
class Backends:
    pool: asyncpg.Pool
    valkey: aioredis.Redis
    database_dsn: str
    valkey_url: str
    embedded_valkey: EmbeddedValkey | None = field(default=None, repr=False)

    async def close(self) -> None:
        await self.valkey.aclose()
        await self.pool.close()


def valkey_client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        url, decode_responses=False, socket_timeout=5, socket_connect_timeout=5,
        health_check_interval=15, retry_on_timeout=True,
    )


async def open_backends(settings: Settings, *, load_catalog: bool = True) -> Backends:
    """Start/join the embedded services where no URL is set; migrate; load the catalog once."""
    if settings.database_url is not None:
        dsn = settings.database_url.get_secret_value()
    else:
        dsn = await asyncio.to_thread(start_postgres, settings.state_dir, settings.database_name)
    embedded_valkey = None
    if settings.valkey_url is not None:
        url = settings.valkey_url.get_secret_value()
    else:
        embedded_valkey = EmbeddedValkey(settings.state_dir)
        url = (await asyncio.to_thread(embedded_valkey.start)).url
    pool = await db.create_pool(dsn, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    applied = await db.migrate(pool)
    if applied:
        log.info("db.migrated", versions=applied)
    if load_catalog:
        report = await load_demo_catalog_if_empty(pool, settings.catalog_file)
        if report is not None:
            log.info("catalog.loaded", imported=report.imported, variants=report.variants,
                     rejected=len(report.rejected))
    client = valkey_client(url)
    await client.ping()
    return Backends(pool=pool, valkey=client, database_dsn=dsn, valkey_url=url, embedded_valkey=embedded_valkey)
