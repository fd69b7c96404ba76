"""Voice conversation history, owner only."""

from __future__ import annotations

from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import ConversationPath, ConversationTurn
from voice_server.conversation.context_store import TurnHistory

router = ApiRouter(tags=("voice",))


@router.get("/api/voice/conversations/{conversation_id}/history", summary="Conversation history",
            path_params=ConversationPath, response=list[ConversationTurn], errors=(404,))
async def conversation_history(call: ApiCall) -> list[ConversationTurn]:
    """The turns of one of the shopper's own conversations, oldest first (404 for anyone else's)."""
    turns = await TurnHistory(call.pool).history(str(call.path.conversation_id), call.user_id)
    return [ConversationTurn.model_validate(turn) for turn in turns]
