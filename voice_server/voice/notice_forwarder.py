"""Notices in a live voice session: "your payment went through", whichever node took the webhook.

`forward_notices(hub, user_id, deliver)` runs as one task of a `VoiceSession` after the handshake. It
subscribes to the node's `NoticeHub` for the session's user and hands each notice worth saying
(`notice_text`) to `deliver` — `VoiceSession.notice_arrived`, which feeds a `NoticeArrived` event to the
session's core. The core decides the rest (`SessionCore`): once the session is idle (no turn in
progress, the shopper not speaking) the notice runs as a server-initiated turn: a `notice` message with
a fresh `turn_id`, the spoken text (`audio_start` … `audio_end`), then `metrics`. While it plays it is
the session's current turn, so barge-in, `cancel`, a typed `text` and draining treat it exactly like a
reply; while the node drains a notice is only sent (`turn_id` null), not spoken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voice_server.platform.notice_hub import NoticeHub, notice_text
from voice_server.voice.session_core import notice_message

__all__ = ["forward_notices", "notice_message"]


async def forward_notices(hub: NoticeHub, user_id: int, deliver: Callable[[dict[str, Any], str], None]) -> None:
    """Deliver every notice worth saying to `user_id` until cancelled (the session's notice task)."""
    async with hub.subscribe(user_id) as sub:
        async for notice in sub:
            text = notice_text(notice)
            if text is not None:
                deliver(notice, text)
