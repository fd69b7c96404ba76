"""Notices in a live voice session: "your payment went through", whichever node took the webhook.

`forward_notices(session)` runs as one task of a `VoiceSession` after the handshake. It subscribes to
the node's `NoticeHub` for the session's user and, for each notice worth saying (`notice_text`),
waits until the session is idle (no turn in progress, the shopper not speaking), then runs the
notice as a server-initiated turn: a `notice` message with a fresh `turn_id`, the spoken text
(`audio_start` … `audio_end`), then `metrics`. While it plays it is the session's current turn, so
barge-in, `cancel`, a typed `text` and draining treat it exactly like a reply.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from voice_server.platform.logs import get_logger
from voice_server.platform.notice_hub import NoticeHub, notice_text
from voice_server.voice import protocol as p
from voice_server.voice.turn_record import Turn, now

if TYPE_CHECKING:
    from voice_server.voice.session import VoiceSession

log = get_logger(__name__)

IDLE_POLL_S = 0.1
"""How often a queued notice re-checks for idleness while the shopper speaks (no task to wait on)."""

NOTICE_SOURCE = "notice"


def notice_message(notice: dict[str, Any], text: str, turn_id: int | None) -> p.Notice:
    """The protocol message for a published notice (its ``type`` becomes ``kind``)."""
    data = {k: v for k, v in notice.items() if k not in ("type", "text")}
    return p.Notice(turn_id=turn_id, kind=str(notice.get("type") or notice.get("kind") or "notice"),
                    text=text, data=data)


def _draining(session: VoiceSession) -> bool:
    return session._draining or session.state.draining


async def wait_until_idle(session: VoiceSession) -> bool:
    """Wait until no turn is in progress and the shopper is not speaking; False if the session closes."""
    while not session._closing:
        turn = session._turn
        if turn is None and not session.endpointer.in_speech:
            return True
        if turn is not None and turn.task is not None and not turn.task.done():
            await asyncio.wait([turn.task])
        else:
            await asyncio.sleep(IDLE_POLL_S)
    return False


def start_notice_turn(session: VoiceSession, notice: dict[str, Any], text: str) -> Turn:
    """Make the notice the current turn and start saying it (call only when the session is idle)."""
    turn = session._new_turn(NOTICE_SOURCE)
    turn.replied = False  # no dialogue step: an interruption has nothing to tell the dialogue
    turn.reply_at = now()
    session._send(notice_message(notice, text, turn.turn_id))
    turn.task = session._spawn(_say(session, turn, text), f"notice-{turn.turn_id}")
    return turn


async def _say(session: VoiceSession, turn: Turn, text: str) -> None:
    try:
        await session._speak(turn, text)
        session._finish(turn, NOTICE_SOURCE)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # speech trouble must not end the session
        log.warning("notice.speak_failed", session=session.session_id, turn=turn.turn_id, error=repr(exc))
    finally:
        if session._turn is turn:
            session._turn = None
            if session._draining:
                session._go_away()


async def forward_notices(session: VoiceSession) -> None:
    """The session's notice task: forward and say every notice for its user until the session ends."""
    hub: NoticeHub | None = session.state.services.notices
    if hub is None or session.user_id is None:
        return
    async with hub.subscribe(session.user_id) as sub:
        async for notice in sub:
            text = notice_text(notice)
            if text is None:
                continue
            if _draining(session):  # not spoken: the client is about to move to another node
                session._send(notice_message(notice, text, None))
                continue
            if not await wait_until_idle(session):
                return
            if _draining(session):
                session._send(notice_message(notice, text, None))
                continue
            turn = start_notice_turn(session, notice, text)
            log.info("notice.spoken", session=session.session_id, turn=turn.turn_id, kind=notice.get("type"))


__all__ = ["forward_notices", "notice_message", "start_notice_turn", "wait_until_idle"]
