"""No secret or personal data in the logs of a real `shepherd serve` process.

One full session against the real server process (its JSON logs on stdout/stderr captured at DEBUG):
WorkOS sign-in (an e-mail), a failed sign-in, measurements in the profile and in chat, a spoken turn,
an e-mail and a card number said in chat, a Stripe checkout (fake Stripe on a local socket), signed,
forged and card-bearing webhooks, ElevenLabs configured but unreachable (falls back to Piper),
tampered and expired tokens. Then every log line is scanned for the secrets, tokens, measurements,
e-mails and card data that went through. tests/api/test_logs.py does the in-process REST part.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from commerce.auth import issue_token
from tests.api.fake_workos import FakeWorkOS, workos_user
from tests.shop.fake_stripe import API_KEY as STRIPE_KEY
from tests.shop.fake_stripe import WEBHOOK_SECRET, FakeStripe, event_body, sign
from tests.voice.client import VoiceClient, load_pcm, silence
from voice_server.platform.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

WORKOS_KEY = "sk_test_workoshygiene0000000001"
WORKOS_CLIENT = "client_01HYGIENE"
TOKEN_SECRET = "hygiene-token-secret-5f1c0a9e7d-0123456789abcdef"
ELEVEN_KEY = "eleven-hygiene-key-8c2b7e"
EMAIL = "private.person@example.org"
CHAT_EMAIL = "chat.person@example.net"
CARD = "4242424242424242"
CARD_SPACED = "4242 4242 4242 4242"
FINGERPRINT = "fpHYGIENEfingerprint77"
MEASUREMENTS = {"height_cm": 187.375, "weight_kg": 71.125, "chest_cm": 101.625, "waist_cm": 83.875}
CHAT_MEASURES = ["183.375", "97.625", "68.875"]
SAID_MEASUREMENTS = "my height is 177 centimetres and I weigh 63 kilos"
SAID_PATTERNS = {"177 cm": re.compile(r"\b177\s*(?:cm|centimet)", re.I), "63 kg": re.compile(r"\b63\s*(?:kg|kilo)", re.I)}
READY_TIMEOUT_S = 600.0


def read_log(path: Path) -> str:
    return path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve_app(app: Any) -> tuple[TestServer, str]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, str(server.make_url("")).rstrip("/")


class Served:
    def __init__(self, proc: asyncio.subprocess.Process, url: str, log_path: Path) -> None:
        self.proc, self.url, self.log_path = proc, url, log_path


@pytest.fixture
async def served(settings: Settings, tmp_path: Path, backends: Any) -> AsyncIterator[tuple[Served, FakeWorkOS,
                                                                                          FakeStripe]]:
    """`shepherd serve` in a subprocess (same embedded Postgres/Valkey), fakes for WorkOS and Stripe."""
    workos = FakeWorkOS(api_key=WORKOS_KEY, client_id=WORKOS_CLIENT)
    workos.user = workos_user("user_01HYGIENE", EMAIL, "Private", "Person")
    stripe = FakeStripe()
    workos_server, workos_url = await serve_app(workos.app())
    stripe_server, stripe_url = await serve_app(stripe.app())
    dead_port = free_port()  # nothing listens: ElevenLabs "down"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEPHERD_", "DATABASE_URL", "VALKEY_URL",
                                                                       "STRIPE_", "WORKOS_", "ELEVENLABS_"))}
    env |= {
        "SHEPHERD_STATE_DIR": str(settings.state_dir), "SHEPHERD_PORT": str(port), "SHEPHERD_HOST": "127.0.0.1",
        "SHEPHERD_LOG_LEVEL": "debug", "SHEPHERD_LOG_FORMAT": "json", "SHEPHERD_TOKEN_SECRET": TOKEN_SECRET,
        "SHEPHERD_RATE_LIMIT_PER_MINUTE": "100000",
        "STRIPE_SECRET_KEY": STRIPE_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": stripe_url,
        "WORKOS_API_KEY": WORKOS_KEY, "WORKOS_CLIENT_ID": WORKOS_CLIENT, "WORKOS_BASE_URL": workos_url,
        "SHEPHERD_WORKOS_REDIRECT_URI": f"http://127.0.0.1:{port}/api/auth/callback",
        "ELEVENLABS_API_KEY": ELEVEN_KEY, "ELEVENLABS_BASE_URL": f"http://127.0.0.1:{dead_port}",
        "SHEPHERD_TTS_FIRST_BYTE_TIMEOUT_S": "0.5",
    }
    log_path = tmp_path / "serve.log"
    shepherd = Path(sys.executable).with_name("shepherd")
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(str(shepherd), "serve", env=env, stdout=log_file,
                                                    stderr=asyncio.subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(proc, url, log_path)
        yield Served(proc, url, log_path), workos, stripe
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await workos_server.close()
        await stripe_server.close()


async def wait_ready(proc: asyncio.subprocess.Process, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            assert proc.returncode is None, f"shepherd serve exited: {read_log(log_path)[-3000:]}"
            try:
                async with http.get(f"{url}/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(1.0)
    raise AssertionError(f"shepherd serve not ready in {READY_TIMEOUT_S}s: {read_log(log_path)[-3000:]}")


async def voice_session(url: str, token: str, secrets_seen: list[str]) -> None:
    """Measurements, an e-mail and a card number in chat; one spoken turn; resume."""
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url.replace("http", "ws", 1) + "/ws/voice", max_msg_size=0)
        client = VoiceClient(ws)
        client.start_reading()
        ready = await client.hello(token)
        secrets_seen.append(ready["resume_token"])
        lines = [f"my height is {CHAT_MEASURES[0]} cm and my bust is {CHAT_MEASURES[1]} cm",
                 f"I weigh {CHAT_MEASURES[2]} kilos", SAID_MEASUREMENTS, f"my email is {CHAT_EMAIL}",
                 f"my card number is {CARD_SPACED}, pay with {CARD}", "show me t-shirts"]
        for turn, line in enumerate(lines, start=1):
            await client.send(type="text", text=line)
            reply = await client.wait_for("reply", turn_id=turn, within=180)
            if line == SAID_MEASUREMENTS:  # the assistant repeats them (in speech too)
                assert all(p.search(reply["text"]) for p in SAID_PATTERNS.values()), reply["text"]
            await client.wait_for("audio_end", turn_id=turn, within=180)
        speech = load_pcm("measurements_piper_16k.wav", 16000) + silence(1500, 16000)
        await client.stream(speech, 16000, realtime=False)
        heard = await client.wait_for("transcript", final=True, turn_id=len(lines) + 1, within=180)
        assert heard["text"], "the spoken measurements were not heard"
        await client.wait_for("metrics", turn_id=len(lines) + 1, within=180)
        await client.send(type="bye")
        await client.wait_closed(30)
        ws = await http.ws_connect(url.replace("http", "ws", 1) + "/ws/voice", max_msg_size=0)
        again = VoiceClient(ws)
        again.start_reading()
        await again.send(type="hello", resume_token=ready["resume_token"])
        secrets_seen.append((await again.wait_for("ready"))["resume_token"])
        await again.close()


async def shop_and_pay(http: aiohttp.ClientSession, url: str, token: str, stripe: FakeStripe,
                       secrets_seen: list[str]) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    resp = await http.put(f"{url}/api/profile", headers=auth, json={"measurements": MEASUREMENTS})
    assert resp.status == 200, await resp.text()
    search = await (await http.get(f"{url}/api/products/search", headers=auth,
                                   params={"category": "tshirts", "limit": "10"})).json()
    card = next(p for p in search["products"] if p["sizes_available"])
    item = {"product_id": card["id"], "size": card["sizes_available"][0], "quantity": 1}
    assert (await http.post(f"{url}/api/cart/items", headers=auth, json=item)).status == 200
    placed = await http.post(f"{url}/api/checkout", headers={**auth, "Idempotency-Key": "hygiene-checkout-1"})
    assert placed.status == 201, await placed.text()
    intent = next(iter(stripe.intents.values()))
    secrets_seen.append(intent["client_secret"])
    succeeded = {**intent, "status": "succeeded", "receipt_email": EMAIL, "payment_method_details": {
        "type": "card", "card": {"last4": CARD[-4:], "fingerprint": FINGERPRINT, "number": CARD}}}
    body = event_body("payment_intent.succeeded", succeeded)
    for signature in (sign(body, WEBHOOK_SECRET), sign(body, "whsec_forged00000000"), "t=1,v1=00", ""):
        resp = await http.post(f"{url}/api/webhooks/stripe", data=body,
                               headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
        assert resp.status in (200, 400), await resp.text()
    for bad in (token + "x", issue_token(TOKEN_SECRET.encode(), 1, "guest", 5, now=time.time() - 60)):
        assert (await http.get(f"{url}/api/cart", headers={"Authorization": f"Bearer {bad}"})).status == 401
    # a validation error on a body carrying measurements must not echo them
    resp = await http.put(f"{url}/api/profile", headers=auth, json={"measurements": {"height_cm": 9187.375}})
    assert resp.status == 422 and "9187.375" not in await resp.text()


def forbidden_patterns(secrets_seen: list[str]) -> dict[str, re.Pattern[str]]:
    literal = [TOKEN_SECRET, STRIPE_KEY, WEBHOOK_SECRET, WORKOS_KEY, ELEVEN_KEY, EMAIL, CHAT_EMAIL, CARD,
               CARD_SPACED, FINGERPRINT, *secrets_seen]
    numbers = [*(str(v) for v in MEASUREMENTS.values()), *CHAT_MEASURES, "9187.375"]
    out = {s: re.compile(re.escape(s)) for s in literal}
    out |= {n: re.compile(rf"(?<![\d.]){re.escape(n)}(?!\d)") for n in numbers}
    return out | SAID_PATTERNS


def test_the_scan_catches_each_kind_of_leak() -> None:
    """The scan itself can fail: each secret, number and phrase planted in a log line is found."""
    seen = ["eyJhbGciOi.resume.token", "pi_fake_secret_fake"]
    patterns = forbidden_patterns(seen)
    planted = {*patterns} - {*SAID_PATTERNS}
    for name in planted:
        assert patterns[name].search(f'{{"event": "x", "detail": "{name}"}}'), name
    assert SAID_PATTERNS["177 cm"].search("text=Got it: height 177 centimetres, phonemes=[]")
    assert not any(p.search('{"port": 51873, "nlu_ms": 1187.3755, "t": "01:07:12.187375Z"}')
                   for p in patterns.values())


async def test_no_secrets_or_personal_data_in_server_logs(served: tuple[Served, FakeWorkOS, FakeStripe]) -> None:
    server, _, stripe = served
    secrets_seen: list[str] = []
    jar = aiohttp.CookieJar(unsafe=True)  # the nonce cookie on 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        login = await http.get(f"{server.url}/api/auth/authorize")  # → fake AuthKit → callback
        token = (await login.json())["token"]
        codes = [c for r in login.history for c in re.findall(r"[?&]code=([^&]+)", r.headers.get("Location", ""))]
        assert codes, "the sign-in went through no WorkOS code"
        guest = await (await http.post(f"{server.url}/api/auth/guest")).json()
        secrets_seen += [token, guest["token"], *codes]
        failed = await http.get(f"{server.url}/api/auth/callback", params={"code": "bogus-code-1", "state": "x"})
        assert failed.status in (400, 401)
        me = await (await http.get(f"{server.url}/api/auth/me",
                                   headers={"Authorization": f"Bearer {token}"})).json()
        assert me["email"] == EMAIL
        await shop_and_pay(http, server.url, token, stripe, secrets_seen)
    await voice_session(server.url, token, secrets_seen)

    server.proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(server.proc.wait(), 60)
    text = read_log(server.log_path)
    events = set()
    for line in text.splitlines():
        try:
            events.add(json.loads(line).get("event"))
        except ValueError:
            continue
    # the capture saw the whole session (a silent log would pass the scan trivially)
    assert {"auth.signed_in", "auth.sign_in_failed", "session.ready", "turn.done", "app.stopped"} <= events, events
    leaks = {name: pattern.findall(text)[:2] for name, pattern in forbidden_patterns(secrets_seen).items()
             if pattern.search(text)}
    assert not leaks, f"leaked into logs: {leaks}"
