"""Sign-in with WorkOS AuthKit through the official ``workos`` SDK.

Flow: ``authorization_url(nonce)`` embeds a signed, short-lived ``state`` bound to a browser
nonce (CSRF); the callback hands ``code``, ``state`` and that nonce to ``sign_in`` which
verifies the state, exchanges the code with WorkOS and upserts the user. E-mail addresses
are stored but never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import jwt
from pydantic import SecretStr
from workos import AsyncWorkOSClient, WorkOSError
from workos._errors import APIError

from commerce.auth.tokens import ALGORITHM, AuthError
from commerce.auth.users import User, upsert_workos_user

STATE_TTL_S = 600
_STATE_AUDIENCE = "shepherd:oauth-state"


class WorkOSConfig(Protocol):
    """The settings WorkOS sign-in needs (``voice_server.platform.settings.Settings`` satisfies it)."""

    workos_api_key: SecretStr | None
    workos_client_id: str | None
    workos_base_url: str | None
    workos_redirect_uri: str

    def token_key(self) -> bytes: ...


@dataclass(frozen=True)
class WorkOSIdentity:
    external_id: str
    email: str | None
    display_name: str | None


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def sign_state(key: bytes, nonce: str, *, ttl_s: int = STATE_TTL_S, now: float | None = None) -> str:
    """A signed, expiring OAuth ``state`` bound to the browser's nonce."""
    issued = int(now if now is not None else time.time())
    payload = {"aud": _STATE_AUDIENCE, "n": _nonce_hash(nonce), "iat": issued, "exp": issued + ttl_s}
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def verify_state(key: bytes, state: str | None, nonce: str | None) -> None:
    """Raise ``AuthError('invalid_state')`` unless ``state`` is ours, fresh, and matches ``nonce``."""
    if not state or not nonce:
        raise AuthError("invalid_state", "missing sign-in state")
    try:
        payload = jwt.decode(state, key, algorithms=[ALGORITHM], audience=_STATE_AUDIENCE,
                             options={"require": ["aud", "n", "exp"]})
    except jwt.InvalidTokenError as exc:
        raise AuthError("invalid_state", "invalid or expired sign-in state") from exc
    if not hmac.compare_digest(str(payload["n"]), _nonce_hash(nonce)):
        raise AuthError("invalid_state", "sign-in state does not match this browser")


def workos_configured(config: WorkOSConfig) -> bool:
    return config.workos_api_key is not None and bool(config.workos_client_id)


class WorkOSAuth:
    """AuthKit sign-in: authorization URL, code exchange, user upsert."""

    def __init__(self, config: WorkOSConfig) -> None:
        if not workos_configured(config):
            raise AuthError("workos_not_configured", "sign-in with WorkOS is not configured")
        assert config.workos_api_key is not None
        self._key = config.token_key()
        self._redirect_uri = config.workos_redirect_uri
        self._client = AsyncWorkOSClient(
            api_key=config.workos_api_key.get_secret_value(), client_id=config.workos_client_id,
            base_url=config.workos_base_url, request_timeout=10, max_retries=1,
        )

    def authorization_url(self, nonce: str) -> str:
        """Where to send the browser: AuthKit's hosted sign-in with our signed state."""
        return self._client.user_management.get_authorization_url(
            provider="authkit", redirect_uri=self._redirect_uri, state=sign_state(self._key, nonce),
        )

    async def exchange_code(self, code: str) -> WorkOSIdentity:
        """Trade an authorization code for the WorkOS user."""
        try:
            result = await self._client.user_management.authenticate_with_code(code=code)
        except APIError as exc:
            if exc.status_code is not None and exc.status_code < 500:
                raise AuthError("login_failed", "WorkOS rejected the sign-in") from exc
            raise AuthError("identity_provider_unavailable", "WorkOS is unavailable") from exc
        except WorkOSError as exc:
            raise AuthError("identity_provider_unavailable", "WorkOS is unavailable") from exc
        user = result.user
        name = " ".join(p for p in (user.first_name, user.last_name) if p) or user.name or None
        return WorkOSIdentity(external_id=user.id, email=user.email, display_name=name)

    async def sign_in(self, pool: asyncpg.Pool, code: str, state: str | None, nonce: str | None) -> User:
        """Verify the CSRF state, exchange the code, and upsert the shopper."""
        verify_state(self._key, state, nonce)
        identity = await self.exchange_code(code)
        return await upsert_workos_user(pool, identity.external_id, identity.email, identity.display_name)

    async def close(self) -> None:
        await self._client.close()
