"""End to end in a real browser: headless Chromium speaks to the real server (Whisper + Piper,
Postgres + Valkey) through the widget, from a fake microphone file of real speech.

The shopper searches, barges in during the first reply with a new request, asks for a size,
adds to the cart, checks out and says yes (offline payment provider). The
test asserts on what the page shows and on the widget's `window.__shepherd` counters: reply
audio played, and the interrupted reply's queued audio was flushed and never played after.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout

from audio.models import piper_voice_paths
from audio.tts.piper_tts import PiperTts
from tests.audio.fixture_replay import corpus_wer
from tests.browser.browser import artifact, chromium
from tests.browser.conversation_wav import Step, build_conversation_wav
from voice_server.app import create_app
from voice_server.platform.app_state import APP_STATE

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(360)]

STEPS = [
    # The next question starts 5 s after this one ends: the first reply (the count and one product,
    # ~8 s of speech) starts ~1.2 s after on an idle machine and is still playing at 5 s on a busy one.
    Step("Show me black dresses under eighty dollars.", barge_in_after_s=5.0),
    # The barge-in: a new request. (A reply cut this early only counts the words the shopper heard,
    # so "the second one" later refers to the list of THIS turn, which is heard in full.)
    Step("Actually, show me blue dresses under eighty dollars instead.", reply_chars=280),
    Step("What size should I get for the second one?", reply_chars=160),
    Step("Please add the second one in medium to my cart.", reply_chars=140),
    Step("I want to check out now.", reply_chars=70),
    Step("Yes please, go ahead.", reply_chars=0),
]


@pytest.fixture
async def voice_server(make_client: Any, settings: Any) -> str:
    app = create_app(settings)  # speech loaded: real Whisper and Piper
    client = await make_client(app)
    await asyncio.wait_for(app[APP_STATE].services.speech_loader, 180)
    return str(client.make_url("/")).rstrip("/")


async def _hooks(page: Any) -> dict[str, Any]:
    return json.loads(await page.evaluate("JSON.stringify(window.__shepherd)"))


async def _explain(page: Any, waiting_for: str) -> str:
    """What the page and the widget saw, for a failure message (and a screenshot)."""
    await page.screenshot(path=str(artifact("widget-failure.png")), full_page=True)
    hooks = await _hooks(page)
    log = await page.locator(".sh-log").text_content()
    events = " ".join(f"{e['type']}#{e.get('turn_id')}@{e['at_ms']}" for e in hooks["events"])
    return f"timed out waiting for {waiting_for}\nconversation: {log}\nevents: {events}"


async def test_spoken_conversation_with_barge_in(voice_server: str, tmp_path: Path) -> None:
    placed = build_conversation_wav(PiperTts(*piper_voice_paths()), STEPS, tmp_path / "mic.wav")
    timeline_s = placed[-1].end_s + 2.0
    for p in placed:
        print(f"mic {p.start_s:6.1f}–{p.end_s:6.1f} s  {p.text}")

    async with chromium(tmp_path / "profile", fake_mic=tmp_path / "mic.wav") as context:
        page = await context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        await page.goto(f"{voice_server}/")
        await page.wait_for_selector(".shepherd[data-connection='open']", timeout=20000)

        # Hands-free: the fake microphone starts playing the file the moment capture starts.
        await page.get_by_label("Hands-free").check()
        started = time.monotonic()
        await page.get_by_role("button", name="Start talking").click()
        deadline_ms = int((timeline_s + 45) * 1000)

        async def wait(what: str, selector: str | None = None, script: str | None = None) -> None:
            timeout = max(1000, deadline_ms - int((time.monotonic() - started) * 1000))
            try:
                if selector is not None:
                    await page.wait_for_selector(selector, timeout=timeout)
                else:
                    await page.wait_for_function(script, timeout=timeout)
            except PlaywrightTimeout:
                pytest.fail(await _explain(page, what), pytrace=False)

        # Turn 1: search → product cards; its spoken reply is cut by the shopper's next question.
        await wait("product cards", ".sh-card")
        await wait("the barge-in", script="() => window.__shepherd.interruptions.length > 0")
        first = await _hooks(page)
        searched_turn = first["audioTurns"][0] if first["audioTurns"] else None
        interruption = first["interruptions"][0]
        played_at_interruption = first["bytesPlayed"].get(str(searched_turn), 0)

        # Then: size advice, cart line, the checkout question, and the order after "yes".
        await wait("size advice", ".sh-advice:not([hidden])")
        await wait("a cart line", ".sh-cart-line")
        cart_text = await page.locator(".sh-cart").text_content()
        await wait("the checkout question", ".sh-confirm:not([hidden])")
        confirm_text = await page.locator(".sh-confirm-text").text_content()
        await wait("the order", ".sh-order[data-status]")
        # Let the last spoken reply finish.
        await wait("the last reply to end", script="() => window.__shepherd.state === 'listening'")
        elapsed = time.monotonic() - started
        await page.screenshot(path=str(artifact("widget-final.png")), full_page=True)

        hooks = await _hooks(page)
        order_text = await page.locator(".sh-order").text_content() or ""
        users = await page.locator(".sh-msg-user").all_text_contents()
        replies = await page.locator(".sh-msg-assistant").all_text_contents()
        print(f"conversation took {elapsed:.1f} s after the mic opened")
        print("\n".join(users + replies))
        print(json.dumps({k: hooks[k] for k in ("interruptions", "flushedTurns", "bytesPlayed", "audioTurns",
                                                "playedAfterFlush", "droppedChunks", "playbackAcks")}))

    # What the page shows: each utterance as one message, heard well through Chromium's capture. Its
    # echo cancellation, noise suppression and gain control run on the fake microphone too, and there
    # Piper's "show me blue dresses" comes out as "chummy blue dress is" or "Chomi Bludress" (Whisper
    # hears the same audio right offline): a word-level bound, not one word, says the path is sound.
    # (Whisper itself is measured by bench.asr_shopping and bench.spoken_requests.)
    assert len(users) == len(STEPS), users
    assert corpus_wer([s.text for s in STEPS], [u.removeprefix("You:").strip() for u in users]) <= 0.3, users
    assert "black" in users[0].lower() and "dress" in users[0].lower(), users
    assert cart_text and "Total" in cart_text, cart_text
    assert confirm_text and "Place the order?" in confirm_text and "$" in confirm_text
    assert "awaiting payment" in order_text, order_text
    assert any("awaiting payment" in r for r in replies), replies

    # Reply audio played (whole chunks, through WebAudio) for most turns.
    assert hooks["audioChunksPlayed"] > 50
    turns_heard = [t for t, n in hooks["bytesPlayed"].items() if n > 0]
    assert len(turns_heard) >= 4, hooks["bytesPlayed"]
    assert hooks["playbackAcks"] > 0

    # Barge-in: the search reply was playing, the server interrupted it, the widget flushed it,
    # and not one more chunk of it played after the flush.
    assert interruption["turn_id"] == searched_turn and interruption["reason"] == "barge_in", interruption
    assert played_at_interruption > 0, "the first reply had started playing before the barge-in"
    assert any(f["turn_id"] >= searched_turn for f in hooks["flushedTurns"]), hooks["flushedTurns"]
    assert hooks["playedAfterFlush"] == 0
    assert hooks["bytesPlayed"].get(str(searched_turn), 0) == played_at_interruption
    assert problems == [], problems
