"""Preferences cached in Valkey for 1 h, Postgres behind them (issue #4), and the shared provider."""

from __future__ import annotations

from typing import Any

from commerce.auth import create_guest
from commerce.models import BodyMeasurements
from commerce.payments import OfflineProvider
from commerce.profiles import get_profile
from voice_server.conversation.profile_cache import PREFERENCES_TTL_S, ProfileCache, preferences_key
from voice_server.conversation.service import build_conversation_service
from voice_server.platform.app_state import AppState, Services
from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings
from voice_server.platform.shop_services import payments


async def test_read_through_with_one_hour_ttl(pool: Any, valkey: Any, guest: int) -> None:
    cache = ProfileCache(valkey, pool)
    assert await valkey.get(preferences_key(guest)) is None
    profile = await cache.get(guest)
    assert profile.user_id == guest and profile.preferences == {}
    assert PREFERENCES_TTL_S == 3600
    assert 3500 < await valkey.ttl(preferences_key(guest)) <= 3600
    assert (await cache.cached(guest)) == profile


async def test_write_through_postgres_is_the_source_of_truth(pool: Any, valkey: Any, guest: int) -> None:
    cache = ProfileCache(valkey, pool)
    await cache.get(guest)  # cached while empty
    updated = await cache.update(guest, BodyMeasurements(height_cm=172), {"brands": ["Roadster"]})
    assert await get_profile(pool, guest) == updated  # Postgres has it
    other_process = ProfileCache(valkey, pool)  # a second server process sharing Valkey
    assert await other_process.get(guest) == updated
    await cache.update(guest, None, {"colours": ["black"]})  # preferences merge
    assert (await other_process.get(guest)).preferences == {"brands": ["Roadster"], "colours": ["black"]}
    await valkey.delete(preferences_key(guest))  # cache lost (evicted, or Valkey restarted empty)
    assert (await cache.get(guest)).measurements.height_cm == 172  # ... Postgres still answers


async def test_reads_come_from_valkey_until_invalidated(pool: Any, valkey: Any, guest: int) -> None:
    cache = ProfileCache(valkey, pool)
    await cache.update(guest, None, {"brands": ["Puma"]})
    await pool.execute(  # a write that bypasses the cache
        "UPDATE user_profiles SET preferences = '{\"brands\": [\"Nike\"]}' WHERE user_id = $1", guest)
    assert (await cache.get(guest)).preferences == {"brands": ["Puma"]}  # served from Valkey
    await cache.invalidate(guest)
    assert (await cache.get(guest)).preferences == {"brands": ["Nike"]}


async def test_conversation_profile_turn_writes_through_and_search_uses_it(
    settings: Settings, backends: Backends, pool: Any, valkey: Any
) -> None:
    user = (await create_guest(pool)).id
    state = AppState(settings=settings, node_id="prefs", backends=backends)
    service = await build_conversation_service(state)
    cid = await service.open(user, None)
    r = await service.handle_text(cid, user, "I'm 5 foot 10 and 160 pounds and my chest is 40 inches")
    assert r.intent == "set_profile", r.reply_text
    stored = await get_profile(pool, user)
    assert stored.measurements.height_cm is not None and abs(stored.measurements.height_cm - 177.8) < 1.5
    cached = await ProfileCache(valkey, pool).cached(user)
    assert cached is not None and cached.measurements == stored.measurements
    r = await service.handle_text(cid, user, "show me t-shirts for men")
    assert r.products, r.reply_text
    assert any(p.recommended_size is not None for p in r.products)  # measurements known from the cache


async def test_conversation_shares_the_apps_payment_provider(settings: Settings, backends: Backends) -> None:
    provider = OfflineProvider()
    state = AppState(settings=settings, node_id="pay", backends=backends, services=Services(payments=provider))
    service = await build_conversation_service(state)
    assert service.engine.shop.provider is provider
    fresh = AppState(settings=settings, node_id="pay2", backends=backends)
    service = await build_conversation_service(fresh)
    assert service.engine.shop.provider is payments(fresh) is fresh.services.payments
