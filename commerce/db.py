"""asyncpg pool and versioned SQL migrations (``commerce/migrations/NNNN_name.sql``).

Migrations are applied in order inside one transaction each, under an advisory lock so that
several processes starting together apply each exactly once; applied versions and checksums
are recorded in ``schema_migrations``. A migration edited after it was applied is an error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import asyncpg

from commerce.models import StoreUnavailable

MIGRATION_LOCK_ID = 0x5348_4550  # "SHEP"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    folder = resources.files("commerce") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append(Migration(int(version), name, entry.read_text()))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions: {versions}")
    return found


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset on release. asyncpg has already rolled back any open transaction; its default
    reset would also run ``RESET ALL; CLOSE ALL; UNLISTEN *; pg_advisory_unlock_all()``, a second
    round trip per pooled query (~0.15 ms) for session state this code never leaves behind: no
    ``SET``, cursors only inside transactions, no ``LISTEN``, and the migration lock is released
    explicitly."""


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session,
        command_timeout=30, **kwargs
    )
    assert pool is not None
    return pool


async def migrate(pool: asyncpg.Pool) -> list[int]:
    """Apply pending migrations; return the versions applied now (empty when up to date)."""
    applied_now: list[int] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
            done = {r["version"]: r["checksum"] for r in rows}
            for migration in load_migrations():
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.version}_{migration.name} changed after it was applied"
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        migration.version, migration.name, migration.checksum,
                    )
                applied_now.append(migration.version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    return applied_now


UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused / no socket / timed out while (re)connecting
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,  # the server went away mid-operation
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now (starting up)
)


@asynccontextmanager
async def store_available() -> AsyncIterator[None]:
    """Turn "the database is unreachable" into the typed, retryable ``StoreUnavailable``."""
    try:
        yield
    except Exception as exc:
        cause = _unavailable_cause(exc)
        if cause is None:
            raise
        raise StoreUnavailable("The shop is briefly unavailable. Please try again in a moment.",
                               retryable=True, cause=type(cause).__name__) from exc


def _unavailable_cause(exc: BaseException) -> BaseException | None:
    """The connection failure behind ``exc`` (itself, or what it was raised from / while handling).

    A transaction whose connection died raises InterfaceError ("the underlying connection is closed")
    on exit, chained to what the dying connection raised first: usually ConnectionDoesNotExistError,
    but when the server stops between two statements asyncpg may first report a protocol state error
    (InternalClientError "another operation is in progress"). The closed connection is the fact that
    counts, so that InterfaceError is unavailability too; other InterfaceErrors stay bugs.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, UNAVAILABLE_ERRORS) or _connection_closed(current):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _connection_closed(exc: BaseException) -> bool:
    """asyncpg's "cannot call X(): the underlying connection is closed" (connresource.py)."""
    return isinstance(exc, asyncpg.InterfaceError) and str(exc).endswith("the underlying connection is closed")
