"""Shopper profiles: body measurements and preferences (favourite brands, colours, ...), merged on update."""

from __future__ import annotations

from typing import Any

import asyncpg

from commerce.models import BodyMeasurements, NotFound, Profile

MEASUREMENT_FIELDS = tuple(BodyMeasurements.model_fields)


def _profile(user_id: int, row: Any) -> Profile:
    if row is None:
        return Profile(user_id=user_id)
    return Profile(
        user_id=user_id,
        measurements=BodyMeasurements(**{f: row[f] for f in MEASUREMENT_FIELDS}),
        preferences=dict(row["preferences"] or {}),
    )


async def get_profile(pool: asyncpg.Pool | asyncpg.Connection, user_id: int) -> Profile:
    """The shopper's profile (empty when nothing is stored yet)."""
    row = await pool.fetchrow("SELECT * FROM user_profiles WHERE user_id = $1", user_id)
    return _profile(user_id, row)


async def update_profile(pool: asyncpg.Pool, user_id: int, measurements: BodyMeasurements | None,
                         preferences: dict | None) -> Profile:
    """Merge: measurement fields that are set replace stored ones; preference keys are merged."""
    values = measurements.model_dump(exclude_none=True) if measurements is not None else {}
    columns = [f for f in MEASUREMENT_FIELDS if f in values]
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    insert_cols = ", ".join(["user_id", "preferences", *columns])
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 3))
    sql = f"""INSERT INTO user_profiles ({insert_cols}) VALUES ({placeholders})
              ON CONFLICT (user_id) DO UPDATE SET
                  preferences = user_profiles.preferences || EXCLUDED.preferences,
                  {assignments + ", " if assignments else ""}updated_at = now()
              RETURNING *"""  # noqa: S608 (column names come from BodyMeasurements, values are parameters)
    try:
        row = await pool.fetchrow(sql, user_id, preferences or {}, *[values[c] for c in columns])
    except asyncpg.ForeignKeyViolationError as exc:
        raise NotFound("Unknown shopper.", user_id=user_id) from exc
    return _profile(user_id, row)
