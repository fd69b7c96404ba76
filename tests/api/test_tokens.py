"""Signed tokens: issue, verify, and every way verification must fail."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from commerce.auth import AuthError, issue_token, sign_state, verify_state, verify_token

KEY = b"k" * 48


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip_keeps_claims() -> None:
    token = issue_token(KEY, 42, "guest", 60, sid="s1", voice="on")
    claims = verify_token(KEY, token)
    assert (claims.user_id, claims.kind, claims.sid, claims.typ) == (42, "guest", "s1", "access")
    assert claims.exp - claims.iat == 60
    assert claims.extra == {"voice": "on"}


def test_resume_token_is_its_own_type() -> None:
    token = issue_token(KEY, 7, "guest", 60, typ="resume")
    assert verify_token(KEY, token, "resume").typ == "resume"
    with pytest.raises(AuthError) as err:
        verify_token(KEY, token)
    assert err.value.code == "wrong_token_type"


@pytest.mark.parametrize("token", [None, ""])
def test_missing(token: str | None) -> None:
    with pytest.raises(AuthError) as err:
        verify_token(KEY, token)
    assert err.value.code == "missing_token"


def test_expired() -> None:
    token = issue_token(KEY, 1, "guest", 10, now=time.time() - 60)
    with pytest.raises(AuthError) as err:
        verify_token(KEY, token)
    assert err.value.code == "expired_token"


def test_tampered_payload() -> None:
    header, payload, signature = issue_token(KEY, 1, "guest", 60).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = ".".join([header, _b64({**claims, "sub": "2"}), signature])
    with pytest.raises(AuthError) as err:
        verify_token(KEY, forged)
    assert err.value.code == "invalid_token"


def test_other_key() -> None:
    with pytest.raises(AuthError) as err:
        verify_token(KEY, issue_token(b"x" * 48, 1, "guest", 60))
    assert err.value.code == "invalid_token"


def test_alg_none_rejected() -> None:
    now = int(time.time())
    unsigned = jwt.encode({"sub": "1", "kind": "guest", "sid": "s", "iat": now, "exp": now + 60,
                           "typ": "access"}, None, algorithm="none")
    with pytest.raises(AuthError) as err:
        verify_token(KEY, unsigned)
    assert err.value.code == "invalid_token"


def test_missing_claim_rejected() -> None:
    now = int(time.time())
    token = jwt.encode({"sub": "1", "iat": now, "exp": now + 60, "typ": "access"}, KEY, algorithm="HS256")
    with pytest.raises(AuthError) as err:
        verify_token(KEY, token)
    assert err.value.code == "invalid_token"


def test_reserved_extra_claims_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        issue_token(KEY, 1, "guest", 60, exp=10**12)


def test_state_bound_to_nonce() -> None:
    state = sign_state(KEY, "nonce-a")
    verify_state(KEY, state, "nonce-a")
    for bad_state, nonce in [(state, "nonce-b"), (state, None), (None, "nonce-a"),
                             (sign_state(b"y" * 48, "nonce-a"), "nonce-a"),
                             (sign_state(KEY, "nonce-a", now=time.time() - 3600), "nonce-a"),
                             (issue_token(KEY, 1, "guest", 60), "nonce-a")]:
        with pytest.raises(AuthError) as err:
            verify_state(KEY, bad_state, nonce)
        assert err.value.code == "invalid_state"
