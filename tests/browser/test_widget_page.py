"""The demo page and widget in real headless Chromium, without speech: loading, mounting,
headers, keyboard operation and focus, accessibility wiring, and a phone-sized layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.browser import artifact, chromium
from voice_server.app import create_app
from voice_server.platform.app_state import APP_STATE
from voice_server.voice.websocket import registry_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
async def served(make_client: Any, settings: Any) -> tuple[str, Any]:
    app = create_app(settings, speech=False)
    client = await make_client(app)
    return str(client.make_url("/")).rstrip("/"), app


@pytest.fixture
def server(served: tuple[str, Any]) -> str:
    return served[0]


async def test_static_files_headers(server: str, make_client: Any, settings: Any) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server}/") as page:
            assert page.status == 200
            assert page.headers["Content-Type"].startswith("text/html")
            assert page.headers["Cache-Control"] == "no-cache"
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            html = await page.text()
        assert '<script type="module" src="/widget/widget.js"' in html
        async with http.get(f"{server}/widget/widget.js") as script:
            assert script.status == 200
            assert script.headers["Content-Type"].startswith("text/javascript")
            assert script.headers["Access-Control-Allow-Origin"] == "*"
            etag = script.headers["ETag"]
        async with http.get(f"{server}/widget/widget.js", headers={"If-None-Match": etag}) as again:
            assert again.status == 304
        async with http.get(f"{server}/widget/widget.css") as css:
            assert css.headers["Content-Type"].startswith("text/css")
        for bad in ("../webapp.py", "..%2Fwebapp.py", "nope.js", ".hidden.js", "webapp.py"):
            async with http.get(f"{server}/widget/{bad}") as missing:
                assert missing.status == 404, bad


async def _open(context: Any, url: str) -> tuple[Any, list[str]]:
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    await page.goto(url)
    await page.wait_for_selector(".shepherd[data-connection='open']", timeout=15000)
    return page, problems


async def test_widget_mounts_and_is_keyboard_operable(server: str, tmp_path: Path) -> None:
    async with chromium(tmp_path / "profile") as context:
        page, problems = await _open(context, f"{server}/")
        root = page.locator("#assistant .shepherd")
        assert await root.count() == 1, "the widget mounts into data-target"
        assert await root.get_attribute("data-state") == "ready"
        assert await page.locator(".shepherd .sh-status").text_content() == "Connected"
        hooks = await page.evaluate("window.__shepherd && window.__shepherd.connection")
        assert hooks == "open"

        # Accessibility wiring: live regions and names.
        assert await page.locator(".sh-log[role='log'][aria-live='polite']").count() == 1
        assert await page.locator(".sh-status[role='status']").count() == 1
        assert await page.get_by_role("button", name="Hold to talk").count() == 1
        assert await page.get_by_label("Type instead").count() == 1
        assert await page.get_by_label("Hands-free").count() == 1

        # Focus order by Tab: skip link, nav, then the widget's controls in reading order.
        order: list[str] = []
        for _ in range(9):
            await page.keyboard.press("Tab")
            order.append(await page.evaluate(
                "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return `${e.tagName.toLowerCase()}.${e.className || e.textContent.trim()}"
                "|${s.outlineStyle !== 'none' && s.outlineWidth !== '0px'}`; })()"))
        names = [entry.split("|")[0] for entry in order]
        expected = ["button.sh-mic", "input.sh-mode-input", "input.sh-text", "button.sh-send", "div.sh-log"]
        positions = [names.index(name) for name in expected]
        assert positions == sorted(positions), names
        assert all(entry.endswith("|true") for entry in order), f"focus must be visible: {order}"

        # Typing instead of talking works from the keyboard (the reply needs the dialogue only).
        await page.get_by_label("Type instead").fill("show me black dresses")
        await page.keyboard.press("Enter")
        await page.wait_for_selector(".sh-msg-user", timeout=5000)
        assert "show me black dresses" in (await page.locator(".sh-msg-user").first.text_content() or "")
        await page.wait_for_selector(".sh-msg-assistant", timeout=30000)
        await page.wait_for_selector(".sh-card", timeout=5000)
        assert await page.locator(".sh-card .sh-card-price").count() >= 1

        # Hands-free toggle switches the mic button's label (and mode) without touching audio.
        await page.get_by_label("Hands-free").check()
        assert await page.get_by_role("button", name="Start talking").count() == 1
        assert await root.get_attribute("data-mode") == "hands-free"
        assert problems == []


async def test_phone_layout(server: str, tmp_path: Path) -> None:
    async with chromium(tmp_path / "phone", viewport=(390, 844), is_mobile=True) as context:
        page, problems = await _open(context, f"{server}/")
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"horizontal scroll on a phone: {overflow}px"
        mic = await page.locator(".sh-mic").bounding_box()
        assert mic is not None and mic["height"] >= 44, "touch target at least 44 px"
        await page.screenshot(path=str(artifact("widget-phone.png")), full_page=True)
        assert problems == []


async def test_reconnects_and_resumes_after_a_drop(served: tuple[str, Any], tmp_path: Path) -> None:
    url, app = served
    async with chromium(tmp_path / "profile") as context:
        page, problems = await _open(context, f"{url}/")
        conversation = await page.evaluate("window.__shepherd.conversationId")
        assert conversation
        sessions = list(registry_of(app[APP_STATE]).sessions)
        assert len(sessions) == 1
        sessions[0].request_drain()  # the node goes away: going_away + close 1001
        await page.wait_for_selector(".shepherd[data-connection='reconnecting']", timeout=5000)
        status = await page.locator(".sh-status").text_content()
        assert status and "Reconnecting" in status, status
        await page.wait_for_selector(".shepherd[data-connection='open']", timeout=10000)
        assert await page.evaluate("window.__shepherd.resumed") == 1
        assert await page.evaluate("window.__shepherd.conversationId") == conversation
        assert problems == []


async def test_resumes_after_the_network_drops_without_a_goodbye(served: tuple[str, Any], tmp_path: Path) -> None:
    """A dead TCP connection (no going_away, abnormal close 1006): the widget resumes with its token."""
    url, app = served
    async with chromium(tmp_path / "profile") as context:
        page, problems = await _open(context, f"{url}/")
        conversation = await page.evaluate("window.__shepherd.conversationId")
        registry = registry_of(app[APP_STATE])
        [session] = list(registry.sessions)
        session.abort_transport()  # the network drops: no close frame reaches the browser
        await page.wait_for_function("() => window.__shepherd.resumed === 1", timeout=20000)
        await page.wait_for_selector(".shepherd[data-connection='open']", timeout=10000)
        assert await page.evaluate("window.__shepherd.conversationId") == conversation
        assert [s for s in registry.sessions if s is not session], "a new session serves the resumed widget"
        assert [p for p in problems if "WebSocket" not in p] == []
