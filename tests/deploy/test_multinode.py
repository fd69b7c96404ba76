"""Two real `shepherd serve` nodes on one Postgres and one Valkey (what docker/compose.yaml runs).

A shopper talks to node A (real speech), the connection drops, the client resumes on node B,
which continues the conversation mid-way (context from Valkey, cart from Postgres) and takes the
order; the shopper's connection comes back to A, a Stripe webhook is posted to B, and A's live
session gets the `notice` and says it ("your payment went through").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiohttp import web

from audio.models import default_whisper_model_dir
from audio.pcm import pcm16_to_float32
from tests.conftest import FIXTURES
from tests.deploy.nodes import Node, free_port, node_env
from tests.shop.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, event_body, sign
from voice_server.platform.backends import Backends
from voice_server.tools.client_turns import TurnEvents
from voice_server.tools.voice_client import VoiceClient, guest_token

pytestmark = pytest.mark.slow

TURN_TIMEOUT_S = 240.0


@pytest.fixture(scope="module")
async def fake_stripe() -> AsyncIterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture(scope="module")
async def cluster(
    backends: Backends, state_dir: Path, tmp_path_factory: pytest.TempPathFactory,
    fake_stripe: tuple[FakeStripe, str],
) -> AsyncIterator[tuple[Node, Node]]:
    logs = tmp_path_factory.mktemp("nodes")
    stripe = {"STRIPE_SECRET_KEY": API_KEY, "STRIPE_API_BASE": fake_stripe[1], "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}
    a, b = (Node(name, free_port(), logs / f"{name}.log") for name in ("node-a", "node-b"))
    try:
        for node in (a, b):
            await node.start(node_env(backends, state_dir, node.name, node.port, **stripe))
        await asyncio.gather(a.wait_ready(), b.wait_ready())
        yield a, b
    finally:
        for node in (a, b):
            node.terminate()
        codes = [await node.wait_exit() for node in (a, b) if node.process is not None]
    assert codes == [0, 0], a.output()[-3000:] + b.output()[-3000:]
    for node in (a, b):
        assert "Traceback" not in node.output(), node.output()[-4000:]


async def _speak(client: VoiceClient, fixture: str) -> TurnEvents:
    await client.send_file(FIXTURES / fixture)
    await client.send_silence(300)
    await client.end_of_speech()
    return await client.next_turn(timeout_s=TURN_TIMEOUT_S)


async def _say(client: VoiceClient, text: str) -> TurnEvents:
    await client.send_text(text)
    return await client.next_turn(timeout_s=TURN_TIMEOUT_S)


def _transcribe(state_dir: Path, pcm: bytes, rate: int) -> str:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(default_whisper_model_dir(state_dir)), device="cpu", compute_type="int8",
                         cpu_threads=1)
    audio = pcm16_to_float32(pcm)
    if rate != 16000:
        from audio.pcm import resample

        audio = resample(audio, rate, 16000)
    segments, _ = model.transcribe(np.asarray(audio, dtype=np.float32), language="en", beam_size=1)
    return " ".join(s.text for s in segments)


async def test_a_conversation_moves_between_nodes_and_a_webhook_on_b_is_spoken_on_a(
    cluster: tuple[Node, Node], fake_stripe: tuple[FakeStripe, str], pool: Any, state_dir: Path,
) -> None:
    a, b = cluster
    fake, _ = fake_stripe
    guest = await guest_token(a.http)
    client = VoiceClient(a.ws, str(guest["token"]), input_rate=16000, output_rate=16000)
    events: list[dict[str, Any]] = []
    client.on_event = events.append
    await client.connect()
    try:
        assert client.ready is not None and client.ready["node"] == "node-a"
        conversation = client.conversation_id

        # -- node A: a real spoken turn, then the cart ------------------------------------------
        search = await _speak(client, "black_dresses_piper_16k.wav")
        assert search.transcript and "dress" in search.transcript.lower(), search.transcript
        assert search.intent == "search" and search.reply is not None, search.errors
        products = search.reply["products"]
        assert products and search.audio
        first = products[0]
        size = (first.get("sizes_available") or ["M"])[0]
        added = await _say(client, f"add the first one in size {size}")
        assert added.intent == "add_to_cart", added.reply_text
        cart = (added.reply or {}).get("cart")
        if not cart or not cart["lines"]:  # the assistant asked which size
            added = await _say(client, str(size))
            cart = (added.reply or {}).get("cart")
        assert cart and [line["product_id"] for line in cart["lines"]] == [first["id"]], added.reply_text

        # -- the connection drops; the client resumes on node B mid-conversation ------------------
        client.url = b.ws
        await client.drop_connection()
        refine = await _speak(client, "cheaper_espeak_16k.wav")  # "Do you have something cheaper?"
        assert client.reconnects == 1 and client.ready["node"] == "node-b" and client.ready["resumed"]
        assert client.conversation_id == conversation
        assert refine.intent == "refine", (refine.transcript, refine.reply_text)
        # "something cheaper" than the black dresses under $80 said to node A: B knows them from Valkey
        refined = refine.reply["products"] if refine.reply else []
        assert refined and all(p["category"] == "dresses" and p["price_cents"] <= 8000 for p in refined)
        in_cart = await _say(client, "what's in my cart")
        assert in_cart.intent == "view_cart"
        assert [line["product_id"] for line in in_cart.reply["cart"]["lines"]] == [first["id"]]
        checkout = await _say(client, "checkout")
        assert checkout.intent == "checkout", checkout.reply_text
        confirm = await _say(client, "yes")
        assert confirm.intent == "confirm", confirm.reply_text
        order = await pool.fetchrow(
            "SELECT id, status FROM orders WHERE user_id = $1 ORDER BY id DESC LIMIT 1", int(guest["user_id"]))
        assert order is not None and order["status"] == "awaiting_payment"
        assert str(order["id"]) in (confirm.reply_text or "")
        intents = [i for i in fake.intents.values() if str(i["metadata"].get("order_id")) == str(order["id"])]
        assert len(intents) == 1, fake.intents

        # -- back on A (a live session there); Stripe's webhook lands on B --------------------------
        client.url = a.ws
        mark = len(events)  # every event of earlier connections has arrived (their turns completed)
        await client.drop_connection()
        await client.send_text("show me red kurtas")  # a reply in progress on A when the notice comes
        body = event_body("payment_intent.succeeded", {**intents[0], "status": "succeeded"})
        async with aiohttp.ClientSession() as http, http.post(
            f"{b.http}/api/webhooks/stripe", data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(body, WEBHOOK_SECRET)},
        ) as resp:
            assert resp.status == 200, await resp.text()
            assert (await resp.json())["duplicate"] is False
        turns = [await client.next_turn(timeout_s=TURN_TIMEOUT_S) for _ in range(2)]
        assert client.reconnects == 2 and client.ready["node"] == "node-a"
        spoken = next(t for t in turns if t.notice is not None)
        kurtas = next(t for t in turns if t.notice is None)
        assert kurtas.intent == "search" and kurtas.audio_end is not None

        notice = spoken.notice
        assert notice is not None
        assert notice["kind"] == "order_status"
        assert notice["data"] == {"order_id": order["id"], "status": "paid"}
        assert "went through" in notice["text"] and str(order["id"]) in notice["text"]
        assert spoken.audio_end is not None and spoken.audio_end["reason"] == "complete", spoken.events
        assert spoken.turn_id != kurtas.turn_id
        assert len(spoken.audio) >= 16000 * 2  # over a second of speech at 16 kHz
        # the notice never barges into a reply: it comes before that turn started or after it ended
        position = [i for i, e in enumerate(events) if e.get("type") == "notice"]
        kurtas_events = [i for i, e in enumerate(events) if i >= mark and e.get("turn_id") == kurtas.turn_id]
        assert len(position) == 1 and position[0] >= mark
        assert position[0] < kurtas_events[0] or position[0] > max(
            i for i in kurtas_events if events[i]["type"] in ("audio_end", "interruption")
        )
        assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order["id"]) == "paid"
        heard = await asyncio.to_thread(_transcribe, state_dir, bytes(spoken.audio), 16000)
        assert "payment" in heard.lower() and "through" in heard.lower(), heard
    finally:
        await client.close()
