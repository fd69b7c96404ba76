"""Notices inside one live session (real app, real Piper): queued behind a reply, spoken as their own
turn, interruptible like a reply, delivered only to the user they are for."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from commerce.auth import create_guest, issue_token
from voice_server.app import create_app
from voice_server.platform.app_state import APP_STATE
from voice_server.platform.backends import Backends
from voice_server.platform.notice_hub import NoticeHub
from voice_server.platform.settings import Settings

pytestmark = pytest.mark.slow

HELLO = {"type": "hello", "version": 1, "input": {"sample_rate": 16000}, "output": {"sample_rate": 16000}}


@pytest.fixture(scope="module")
async def app(backends: Backends, settings: Settings) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    await asyncio.wait_for(client.server.app[APP_STATE].services.speech_loader, 300)
    yield client
    await client.close()


class Log:
    """Every message of one connection, in order (binary frames as {"type": "binary", turn})."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.items: list[dict[str, Any]] = []
        self._audio_turn: int | None = None
        self._changed = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                if data["type"] == "audio_start":
                    self._audio_turn = data["turn_id"]
                self.items.append(data)
            elif msg.type == aiohttp.WSMsgType.BINARY:
                self.items.append({"type": "binary", "turn_id": self._audio_turn, "bytes": len(msg.data)})
            self._changed.set()

    async def wait(self, kind: str, timeout_s: float = 180.0, **fields: Any) -> int:
        """Index of the first message of ``kind`` matching ``fields``."""
        async with asyncio.timeout(timeout_s):
            while True:
                for i, item in enumerate(self.items):
                    if item["type"] == kind and all(item.get(k) == v for k, v in fields.items()):
                        return i
                self._changed.clear()
                await self._changed.wait()

    def of_turn(self, turn_id: int) -> list[str]:
        return [i["type"] for i in self.items if i.get("turn_id") == turn_id]


async def _open(app: TestClient, token: str) -> Log:
    ws = await app.ws_connect("/ws/voice", headers={"Authorization": f"Bearer {token}"}, max_msg_size=0)
    log = Log(ws)
    await ws.send_json(HELLO)
    await log.wait("ready")
    return log


async def test_a_notice_waits_for_the_reply_then_is_spoken_and_can_be_cut(
    app: TestClient, pool: Any, settings: Settings,
) -> None:
    state = app.server.app[APP_STATE]
    hub: NoticeHub = state.services.notices
    key = settings.token_key()
    me, other = (await create_guest(pool)).id, (await create_guest(pool)).id
    mine = await _open(app, issue_token(key, me, "guest", 3600))
    theirs = await _open(app, issue_token(key, other, "guest", 3600))
    try:
        await mine.ws.send_json({"type": "text", "text": "show me black dresses under 80 dollars"})
        await mine.wait("reply", turn_id=1)
        assert await hub.publish(me, {"type": "order_status", "order_id": 7, "status": "paid"}) >= 1

        notice_at = await mine.wait("notice")
        end_of_reply = await mine.wait("audio_end", turn_id=1)
        assert end_of_reply < notice_at, "the notice waited for the reply in progress"
        notice = mine.items[notice_at]
        assert notice["turn_id"] == 2 and notice["kind"] == "order_status"
        assert notice["data"] == {"order_id": 7, "status": "paid"} and "went through" in notice["text"]
        await mine.wait("metrics", turn_id=2)
        assert mine.of_turn(2)[:2] == ["notice", "audio_start"]
        audio_end = mine.items[await mine.wait("audio_end", turn_id=2)]
        assert audio_end["reason"] == "complete" and audio_end["duration_ms"] > 1000
        assert sum(i["bytes"] for i in mine.items if i["type"] == "binary" and i["turn_id"] == 2) > 32000
        assert mine.of_turn(1)[-1] == "metrics" and "notice" not in mine.of_turn(1)

        # a notice is a turn like a reply: `cancel` cuts it
        await hub.publish(me, {"type": "order_status", "order_id": 8, "status": "refunded"})
        await mine.wait("audio_start", turn_id=3)
        await mine.ws.send_json({"type": "cancel"})
        cut = mine.items[await mine.wait("interruption", turn_id=3)]
        assert cut["reason"] == "cancel"
        assert "audio_end" not in mine.of_turn(3)

        await mine.ws.send_json({"type": "text", "text": "what's in my cart"})
        await mine.wait("metrics", turn_id=4)  # the session goes on normally
        assert not [i for i in theirs.items if i["type"] == "notice"], "notices only reach their user"
    finally:
        for log in (mine, theirs):
            await log.ws.close()
            await log.task
