"""Stand-in for ConversationService, used only while the real one cannot be built."""

from __future__ import annotations

import uuid
from typing import Any

from commerce.models import NotFound
from voice_server.dialogue.policy import TurnResult
from voice_server.dialogue.state import DialogueState


class EchoConversation:
    """Replies 'You said: <text>'; records interruptions and metrics for assertions."""

    def __init__(self) -> None:
        self.owners: dict[str, int] = {}
        self.turns: dict[str, int] = {}
        self.interrupted: list[tuple[str, str]] = []
        self.metrics: list[tuple[str, int, dict[str, Any]]] = []

    async def open(self, user_id: int, conversation_id: str | None = None, **_: Any) -> str:
        cid = conversation_id or str(uuid.uuid4())
        if self.owners.setdefault(cid, user_id) != user_id:
            raise NotFound("no such conversation")
        return cid

    async def handle_text(self, conversation_id: str, user_id: int, text: str) -> TurnResult:
        self.turns[conversation_id] = self.turns.get(conversation_id, 0) + 1
        lowered = text.lower()
        intent = "search" if any(w in lowered for w in ("show", "dress", "jeans")) else "unknown"
        reply = f"You said: {text}"
        if "long" in lowered:
            reply = " ".join(["Here is a very long answer that keeps going, clause after clause."] * 8)
        return TurnResult(
            reply_text=reply,
            intent=intent,
            payload={"turn": self.turns[conversation_id]},
            new_state=DialogueState(conversation_id=conversation_id, user_id=user_id),
        )

    async def note_interrupted(self, conversation_id: str, heard_text: str) -> None:
        self.interrupted.append((conversation_id, heard_text))

    async def record_metrics(self, conversation_id: str, turn_index: int, metrics: dict[str, Any]) -> None:
        self.metrics.append((conversation_id, turn_index, metrics))

    def hotwords(self) -> str:
        return ""
