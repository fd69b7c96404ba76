"""The shopper's own measurements and preferences."""

from __future__ import annotations

from commerce.models import Profile
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import ProfileUpdate
from voice_server.conversation.profile_cache import ProfileCache

router = ApiRouter(tags=("profile",))


@router.get("/api/profile", summary="My profile", response=Profile)
async def profile_view(call: ApiCall) -> Profile:
    return await ProfileCache(call.state.valkey, call.pool).get(call.user_id)


@router.put("/api/profile", summary="Update my profile", body=ProfileUpdate, response=Profile)
async def profile_update(call: ApiCall) -> Profile:
    """Measurement fields sent replace the stored ones (cm / kg, range-checked); preference keys merge."""
    body: ProfileUpdate = call.body
    # write-through: the conversation reads preferences from the same Valkey cache (1 h TTL)
    return await ProfileCache(call.state.valkey, call.pool).update(call.user_id, body.measurements,
                                                                   body.preferences)
