"""Server-signed, expiring bearer tokens (JWT, HS256) and their typed verification errors."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import jwt

ALGORITHM = "HS256"
TokenType = Literal["access", "resume"]
UserKind = Literal["guest", "workos"]
_RESERVED = frozenset({"sub", "kind", "sid", "iat", "exp", "typ"})


class AuthError(Exception):
    """A typed authentication failure; ``code`` is one of the documented error codes."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code.replace("_", " "))
        self.code = code
        self.message = message or code.replace("_", " ")


@dataclass(frozen=True)
class Claims:
    """The verified content of one token."""

    sub: str
    kind: str
    sid: str
    iat: int
    exp: int
    typ: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user_id(self) -> int:
        return int(self.sub)


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def issue_token(
    key: bytes, user_id: int, kind: str, ttl_s: int, typ: TokenType = "access", *,
    sid: str | None = None, now: float | None = None, **extra: Any,
) -> str:
    """Sign a token for ``user_id`` valid for ``ttl_s`` seconds (``extra`` claims are kept)."""
    if _RESERVED & extra.keys():
        raise ValueError(f"reserved claims in extra: {sorted(_RESERVED & extra.keys())}")
    issued = int(now if now is not None else time.time())
    payload = {
        **extra, "sub": str(user_id), "kind": kind, "sid": sid or new_session_id(),
        "iat": issued, "exp": issued + ttl_s, "typ": typ,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def verify_token(key: bytes, token: str | None, typ: TokenType = "access") -> Claims:
    """Check signature, expiry and type; raise ``AuthError`` with a typed code otherwise."""
    if not token:
        raise AuthError("missing_token", "a bearer token is required")
    try:
        payload = jwt.decode(
            token, key, algorithms=[ALGORITHM],
            options={"require": ["sub", "kind", "sid", "iat", "exp", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("expired_token", "the token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError("invalid_token", "the token is invalid") from exc
    if payload["typ"] != typ:
        raise AuthError("wrong_token_type", f"expected a {typ} token")
    if not str(payload["sub"]).isdigit():
        raise AuthError("invalid_token", "the token is invalid")
    extra = {k: v for k, v in payload.items() if k not in _RESERVED}
    return Claims(
        sub=str(payload["sub"]), kind=str(payload["kind"]), sid=str(payload["sid"]),
        iat=int(payload["iat"]), exp=int(payload["exp"]), typ=str(payload["typ"]), extra=extra,
    )
