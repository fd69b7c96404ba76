"""Authentication: signed tokens, guest and WorkOS users."""

from commerce.auth.tokens import AuthError, Claims, TokenType, issue_token, new_session_id, verify_token
from commerce.auth.users import User, create_guest, get_user, upsert_workos_user
from commerce.auth.workos_login import WorkOSAuth, new_nonce, sign_state, verify_state, workos_configured

__all__ = [
    "AuthError", "Claims", "TokenType", "User", "WorkOSAuth", "create_guest", "get_user", "issue_token",
    "new_nonce", "new_session_id", "sign_state", "upsert_workos_user", "verify_state", "verify_token",
    "workos_configured",
]
