"""`shepherd chat`: typed turns through the same ConversationService, catalog and state as the server.

One input line = one turn. Human mode prints the reply (and a short product/cart listing);
``--json`` prints one JSON object per turn. ``--conversation ID`` continues a conversation as
its owner (a local tool with database access), otherwise a new guest shopper is created.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from commerce.auth import create_guest
from voice_server.conversation.dialogue.policy import TurnResult
from voice_server.conversation.service import ConversationService, build_conversation_service
from voice_server.platform.app_state import AppState
from voice_server.platform.backends import open_backends
from voice_server.platform.settings import Settings
from voice_server.tools.turn_view import cart_view, order_view, product_view


def turn_json(conversation_id: str, user_text: str, result: TurnResult) -> dict[str, Any]:
    """The --json record of one turn."""
    return {
        "conversation_id": conversation_id,
        "turn": result.payload.get("turn"),
        "user": user_text,
        "intent": result.intent,
        "slots": result.slots,
        "reply": result.reply_text,
        "products": [product_view(p) for p in result.products],
        "cart": cart_view(result.cart),
        "pending": result.payload.get("pending"),
        "order": order_view(result.payload.get("order")),
        "end": result.end_conversation,
        "nlu_ms": result.payload.get("nlu_ms"),
        "understander": result.payload.get("understander"),
        "understander_fallback": result.payload.get("understander_fallback"),
        "llm_ms": result.payload.get("llm_ms"),
    }


def turn_text(record: dict[str, Any]) -> str:
    """Human rendering: the reply, then numbered products and the cart total if any."""
    lines = [f"shepherd> {record['reply']}"]
    for n, p in enumerate(record["products"], 1):
        size = f", try {p['recommended_size']}" if p.get("recommended_size") else ""
        lines.append(f"   {n}. {p['brand']} {p['name']} ({p['colour'] or '-'}) ${p['price']:.2f}{size}")
    cart = record.get("cart")
    if cart:
        lines.append(f"   cart: {cart['item_count']} item(s), total ${cart['total'] or 0:.2f}")
    return "\n".join(lines)


async def chat_loop(
    service: ConversationService, conversation_id: str, user_id: int, stdin: TextIO,
    emit: Callable[[str], None], *, as_json: bool, prompt: Callable[[], None] | None = None,
) -> int:
    """Read lines until EOF (or a goodbye); returns the number of turns run."""
    turns = 0
    while True:
        if prompt is not None:
            prompt()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return turns
        text = line.strip()
        if not text:
            continue
        result = await service.handle_text(conversation_id, user_id, text)
        record = turn_json(conversation_id, text, result)
        emit(json.dumps(record, default=str) if as_json else turn_text(record))
        turns += 1
        if result.end_conversation and not as_json:
            return turns


async def run_chat(
    settings: Settings, *, as_json: bool = False, conversation_id: str | None = None,
    stdin: TextIO | None = None, emit: Callable[[str], None] | None = None,
) -> str:
    """Open the backends, pick the shopper, and chat; returns the conversation id."""
    stdin = stdin or sys.stdin
    emit = emit or (lambda text: print(text, flush=True))
    backends = await open_backends(settings)
    try:
        state = AppState(settings=settings, node_id="chat", backends=backends)
        service = await build_conversation_service(state, channel="text")
        owner = await service.owner_of(conversation_id) if conversation_id else None
        user_id = owner if owner is not None else (await create_guest(backends.pool)).id
        cid = await service.open(user_id, conversation_id)
        interactive = not as_json and stdin.isatty()
        if interactive:
            print(f"conversation {cid} (Ctrl-D to quit)", file=sys.stderr)
        prompt = (lambda: print("you> ", end="", file=sys.stderr, flush=True)) if interactive else None
        await chat_loop(service, cid, user_id, stdin, emit, as_json=as_json, prompt=prompt)
        if not as_json:
            print(f"(continue with: shepherd chat --conversation {cid})", file=sys.stderr)
        return cid
    finally:
        await backends.close()
