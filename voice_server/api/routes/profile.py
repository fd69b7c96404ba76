"""The shopper's own measurements and preferences."""

from __future__ import annotations

from commerce.models import Profile
from commerce.profiles import get_profile, update_profile
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import ProfileUpdate

router = ApiRouter(tags=("profile",))


@router.get("/api/profile", summary="My profile", response=Profile)
async def profile_view(call: ApiCall) -> Profile:
    return await get_profile(call.pool, call.user_id)


@router.put("/api/profile", summary="Update my profile", body=ProfileUpdate, response=Profile)
async def profile_update(call: ApiCall) -> Profile:
    """Measurement fields sent replace the stored ones (cm / kg, range-checked); preference keys merge."""
    body: ProfileUpdate = call.body
    return await update_profile(call.pool, call.user_id, body.measurements, body.preferences)
