"""Launching the system (Debian) Chromium through Playwright, with an optional fake microphone.

Never downloads a browser: `executable_path` is /usr/bin/chromium (`make system-deps` installs it).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

BASE_FLAGS = [
    "--headless",
    "--no-sandbox",  # tests run as root in containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def require_chromium() -> Path:
    """The Chromium binary, or a plain failure that says how to install it (never a skip)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need the system Chromium. Install it with "
            "`sudo apt-get install -y chromium` (or `make system-deps`).",
            pytrace=False,
        )
    return CHROMIUM


def mic_flags(wav: Path) -> list[str]:
    """Fake microphone fed once (no loop) from a 16-bit PCM WAV, permission auto-granted."""
    return [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
        "--use-fake-ui-for-media-stream",
    ]


def _fresh_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


@asynccontextmanager
async def chromium(
    profile_dir: Path, *, fake_mic: Path | None = None, viewport: tuple[int, int] = (1280, 900),
    is_mobile: bool = False,
) -> AsyncIterator[BrowserContext]:
    """A fresh-profile Chromium context (persistent context = our own --user-data-dir)."""
    executable = require_chromium()
    _fresh_dir(profile_dir)
    args = BASE_FLAGS + (mic_flags(fake_mic) if fake_mic else [])
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=str(executable), headless=True, args=args,
            viewport={"width": viewport[0], "height": viewport[1]}, is_mobile=is_mobile,
            has_touch=is_mobile, device_scale_factor=2 if is_mobile else 1,
        )
        try:
            yield context
        finally:
            await context.close()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
