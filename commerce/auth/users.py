"""Shoppers: guest users and WorkOS-backed users (asyncpg adapter)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from pydantic import BaseModel, ConfigDict

from commerce.auth.tokens import UserKind


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    kind: UserKind
    external_id: str | None = None
    email: str | None = None
    display_name: str | None = None
    created_at: datetime


_COLUMNS = "id, kind, external_id, email, display_name, created_at"


async def create_guest(pool: asyncpg.Pool) -> User:
    """Insert a new anonymous guest shopper."""
    row = await pool.fetchrow(f"INSERT INTO users (kind) VALUES ('guest') RETURNING {_COLUMNS}")  # noqa: S608
    return User(**dict(row))


async def upsert_workos_user(
    pool: asyncpg.Pool, external_id: str, email: str | None, display_name: str | None
) -> User:
    """Create or refresh the user signed in through WorkOS (keyed by the WorkOS user id)."""
    row = await pool.fetchrow(
        f"""INSERT INTO users (kind, external_id, email, display_name) VALUES ('workos', $1, $2, $3)
            ON CONFLICT (external_id) DO UPDATE
               SET email = EXCLUDED.email, display_name = coalesce(EXCLUDED.display_name, users.display_name)
            RETURNING {_COLUMNS}""",  # noqa: S608
        external_id, email, display_name,
    )
    return User(**dict(row))


async def get_user(pool: asyncpg.Pool, user_id: int) -> User | None:
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1", user_id)  # noqa: S608
    return User(**dict(row)) if row else None
