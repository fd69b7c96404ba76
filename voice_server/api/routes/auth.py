"""Sign-in: guest tokens, WorkOS AuthKit redirect and callback, and who-am-I."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aiohttp import web

from commerce.auth import AuthError, WorkOSAuth, create_guest, get_user, issue_token, new_nonce
from voice_server.api.auth_middleware import token_key
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import CallbackQuery, MeResponse, TokenResponse
from voice_server.platform.app_state import AppState
from voice_server.platform.logs import get_logger

log = get_logger(__name__)
router = ApiRouter(tags=("auth",))
NONCE_COOKIE = "shepherd_login_nonce"
NONCE_COOKIE_PATH = "/api/auth"


def token_response(request: web.Request, state: AppState, user_id: int, kind: str) -> TokenResponse:
    now = time.time()
    ttl = state.settings.token_ttl_s
    token = issue_token(token_key(request), user_id, kind, ttl, now=now)
    return TokenResponse(token=token, user_id=user_id, kind=kind,
                         expires_at=datetime.fromtimestamp(int(now) + ttl, UTC))


def workos_auth(state: AppState) -> WorkOSAuth:
    """One WorkOS client per app, created on first use (raises when not configured)."""
    auth = state.services.workos
    if auth is None:
        auth = state.services.workos = WorkOSAuth(state.settings)
    return auth


@router.post("/api/auth/guest", summary="Start a guest session", public=True, response=TokenResponse,
             status=201, errors=(429,))
async def create_guest_session(call: ApiCall) -> TokenResponse:
    """A new anonymous shopper and a signed, expiring bearer token for it."""
    user = await create_guest(call.pool)
    log.info("auth.guest_created", user_id=user.id)
    return token_response(call.request, call.state, user.id, "guest")


@router.get("/api/auth/authorize", summary="Sign in with WorkOS", public=True, redirect=True,
            errors=(429, 501))
async def authorize(call: ApiCall) -> web.Response:
    """Redirect to WorkOS AuthKit; the signed `state` is bound to this browser by a nonce cookie."""
    auth = workos_auth(call.state)
    nonce = new_nonce()
    response = web.Response(status=302, headers={"Location": auth.authorization_url(nonce)})
    response.set_cookie(NONCE_COOKIE, nonce, max_age=600, path=NONCE_COOKIE_PATH, httponly=True,
                        samesite="Lax", secure=call.request.secure)
    return response


@router.get("/api/auth/callback", summary="WorkOS sign-in callback", public=True, query=CallbackQuery,
            response=TokenResponse, errors=(400, 401, 422, 429, 501, 502))
async def auth_callback(call: ApiCall) -> web.Response:
    """Verify `state`, exchange `code` with WorkOS, upsert the shopper and issue our token."""
    query: CallbackQuery = call.query
    auth = workos_auth(call.state)
    try:
        user = await auth.sign_in(call.pool, query.code, query.state, call.request.cookies.get(NONCE_COOKIE))
    except AuthError as exc:
        log.warning("auth.sign_in_failed", code=exc.code)
        raise
    log.info("auth.signed_in", user_id=user.id, kind="workos")
    body = token_response(call.request, call.state, user.id, "workos")
    response = web.json_response(body.model_dump(mode="json"), headers={"Cache-Control": "no-store"})
    response.del_cookie(NONCE_COOKIE, path=NONCE_COOKIE_PATH)
    return response


@router.get("/api/auth/me", summary="The signed-in shopper", response=MeResponse, errors=(401, 429))
async def me(call: ApiCall) -> MeResponse:
    """Who the bearer token belongs to."""
    user = await get_user(call.pool, call.user_id)
    if user is None:
        raise AuthError("invalid_token", "the token's user no longer exists")
    assert call.claims is not None
    return MeResponse(user_id=user.id, kind=user.kind, email=user.email, display_name=user.display_name,
                      expires_at=datetime.fromtimestamp(call.claims.exp, UTC))
