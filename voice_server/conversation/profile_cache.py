"""Shopper preferences and measurements cached in Valkey for 1 h; Postgres is the source of truth.

Read-through: ``get`` answers from ``shepherd:prefs:{user_id}`` (the ``commerce.models.Profile``
as JSON) and, on a miss, reads ``user_profiles`` and stores it with ``PREFERENCES_TTL_S``.
Write-through: ``update`` merges into Postgres first (``commerce.profiles.update_profile``) and
then stores the row Postgres returned, so the next turn on ANY server process sees the change.
Every writer of ``user_profiles`` in the app goes through here (the dialogue's ``set_profile``
via ``PostgresShop``, ``PUT /api/profile``); anything else that writes the table must call
``invalidate``. A Valkey failure never fails a turn: reads fall back to Postgres.
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import RedisError

from commerce import profiles
from commerce.models import BodyMeasurements, Profile
from voice_server.platform.logs import get_logger

log = get_logger(__name__)

PREFERENCES_TTL_S = 3600


def preferences_key(user_id: int) -> str:
    return f"shepherd:prefs:{int(user_id)}"


class ProfileCache:
    """``commerce.profiles`` behind a Valkey cache (TTL ``ttl_s``, refreshed on every write)."""

    def __init__(self, valkey: Any, pool: Any, *, ttl_s: int = PREFERENCES_TTL_S) -> None:
        self.valkey = valkey
        self.pool = pool
        self.ttl_s = ttl_s

    async def _store(self, profile: Profile) -> None:
        try:
            await self.valkey.set(preferences_key(profile.user_id), profile.model_dump_json(), ex=self.ttl_s)
        except RedisError as exc:
            log.warning("profile_cache.store_failed", user_id=profile.user_id, error=str(exc))

    async def cached(self, user_id: int) -> Profile | None:
        """The cached profile only (None on a miss or when Valkey is unreachable)."""
        try:
            raw = await self.valkey.get(preferences_key(user_id))
        except RedisError as exc:
            log.warning("profile_cache.read_failed", user_id=user_id, error=str(exc))
            return None
        return Profile.model_validate_json(raw) if raw is not None else None

    async def get(self, user_id: int) -> Profile:
        """The shopper's profile: from Valkey, else from Postgres (then cached)."""
        profile = await self.cached(user_id)
        if profile is None:
            profile = await profiles.get_profile(self.pool, user_id)
            await self._store(profile)
        return profile

    async def update(self, user_id: int, measurements: BodyMeasurements | None,
                     preferences: dict | None) -> Profile:
        """Merge into Postgres (source of truth), then cache what Postgres now holds."""
        profile = await profiles.update_profile(self.pool, user_id, measurements, preferences)
        await self._store(profile)
        return profile

    async def invalidate(self, user_id: int) -> None:
        try:
            await self.valkey.delete(preferences_key(user_id))
        except RedisError as exc:
            log.warning("profile_cache.invalidate_failed", user_id=user_id, error=str(exc))


def has_measurements(profile: Profile) -> bool:
    return any(v is not None for v in profile.measurements.model_dump(exclude={"body_type"}).values())


__all__ = ["PREFERENCES_TTL_S", "ProfileCache", "has_measurements", "preferences_key"]
