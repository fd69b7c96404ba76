"""Who a `hello` is: admission, tokens and the conversation, answered as `Admitted` or `Refused`.

The driver runs this when the core asks for `Authenticate` and feeds the answer back to the core.
"""

from __future__ import annotations

from collections.abc import Callable

from commerce.auth import AuthError, issue_token, verify_token
from commerce.models import NotFound
from voice_server.platform.app_state import AppState
from voice_server.voice import protocol as p
from voice_server.voice import session_events as e


async def authenticate(
    state: AppState, hello: p.Hello, header_token: str | None, admit: Callable[[], p.ProtocolError | None]
) -> e.Admitted | e.Refused:
    """Admission first (server full: refused before any token check or database work), then the access
    token (`hello.token` or the `Authorization` header) and/or resume token, then the conversation."""
    refused = admit()
    if refused is not None:
        return e.Refused(refused)
    key = state.token_key()
    try:
        conversation_id: str | None = None
        claims = None
        if hello.resume_token:
            resume = verify_token(key, hello.resume_token, "resume")
            conversation_id = str(resume.extra.get("conversation_id") or "") or None
            claims = resume
        access = hello.token or header_token
        if access or claims is None:
            access_claims = verify_token(key, access, "access")
            if claims is not None and access_claims.user_id != claims.user_id:
                raise AuthError("invalid_token", "resume token belongs to another user")
            claims = access_claims
        conv = state.services.conversation
        if conv is None:
            raise RuntimeError("the conversation service is not running")
        opened = await conv.open(claims.user_id, conversation_id)
    except AuthError as exc:
        return e.Refused(p.ProtocolError(p.ErrorCode.UNAUTHORIZED, exc.message, p.CloseCode.UNAUTHORIZED))
    except NotFound:  # a resume token for a conversation that is not this user's
        return e.Refused(p.ProtocolError(p.ErrorCode.UNAUTHORIZED, "no such conversation", p.CloseCode.UNAUTHORIZED))
    settings = state.settings
    resume_token = issue_token(key, claims.user_id, claims.kind, settings.token_ttl_s, "resume", conversation_id=opened)
    return e.Admitted(
        user_id=claims.user_id, user_kind=claims.kind, conversation_id=opened, resumed=conversation_id is not None,
        resume_token=resume_token, node=state.node_id, max_message_bytes=settings.max_message_bytes,
        node_draining=state.draining,
    )
