"""VoiceClient against the real app on a real socket: guest token, text and audio turns, resume."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from voice_server.app import create_app
from voice_server.platform.settings import Settings
from voice_server.tools.replay import wait_ready
from voice_server.tools.voice_client import VoiceClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audio"

pytestmark = pytest.mark.slow


async def test_client_survives_a_dropped_connection(
    settings: Settings, make_client: Callable[..., Any],
) -> None:
    server = await make_client(create_app(settings))
    base = str(server.make_url("")).rstrip("/")
    await wait_ready(base)
    url = base.replace("http://", "ws://") + "/ws/voice"

    async with VoiceClient(url, input_rate=24000, output_rate=16000, playback_acks=True) as client:
        assert client.token and client.resume_token
        conversation = client.conversation_id
        await client.send_text("show me black dresses under 80 dollars")
        first = await client.next_turn(timeout_s=120)
        assert first.intent == "search" and first.reply_text
        assert first.audio and first.sample_rate == 16000 and first.metrics is not None
        await client.ack_playback(first.turn_id, 500.0)

        await client.drop_connection()  # network loss: the client resumes with its token
        await client.send_text("show me more")
        second = await client.next_turn(timeout_s=120)
        assert client.reconnects == 1 and client.conversation_id == conversation
        assert second.intent == "more_results"  # context survived the reconnect

        sent = await client.send_file(FIXTURES / "whats_in_cart_piper_24k.wav")
        assert sent > 10
        await client.end_of_speech()
        spoken = await client.next_turn(timeout_s=180)
        assert spoken.transcript and "cart" in spoken.transcript.lower()
        assert spoken.intent == "view_cart"
