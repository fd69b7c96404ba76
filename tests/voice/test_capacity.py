"""The pure capacity model (voice_server.platform.capacity): limits, smoothing, work counting."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import make_settings
from voice_server.platform.capacity import (
    Limits,
    Load,
    Smoothed,
    WorkCounter,
    assess,
    limits_from_settings,
    max_talking,
)

LIMITS = Limits(max_sessions=10, max_talking=4, cpu_max=0.9, queue_max=6, retry_after_s=12.0)


def test_room_left_is_the_tighter_of_sessions_and_talking() -> None:
    assert assess(Load(), LIMITS).free == 4
    assert assess(Load(sessions=3, talking=1), LIMITS).free == 3
    verdict = assess(Load(sessions=8, talking=0), LIMITS)
    assert verdict.free == 2 and not verdict.full and verdict.reason is None and verdict.retry_after_s is None


@pytest.mark.parametrize(
    ("load", "reason"),
    [
        (Load(sessions=10), "sessions"),
        (Load(sessions=5, talking=4), "talking"),
        (Load(sessions=1, cpu_busy=0.95), "cpu"),
        (Load(sessions=1, asr_in_flight=4, tts_in_flight=2), "queue"),
    ],
)
def test_full_says_why_and_when_to_retry(load: Load, reason: str) -> None:
    verdict = assess(load, LIMITS)
    assert verdict.full and verdict.free == 0
    assert verdict.reason == reason and verdict.retry_after_s == 12.0


def test_cpu_and_queue_limits_can_be_switched_off() -> None:
    off = Limits(max_sessions=10, max_talking=4, cpu_max=0.0, queue_max=0)
    assert assess(Load(cpu_busy=1.0, asr_in_flight=100), off).free == 4


def test_auto_talking_limit_scales_with_cores(tmp_path) -> None:
    settings = make_settings(tmp_path)
    assert settings.max_talking_sessions == 0
    assert max_talking(settings, cores=2) == 5 and max_talking(settings, cores=8) == 20
    assert max_talking(settings, cores=1) == 2
    settings.max_talking_sessions = 3
    assert limits_from_settings(settings, cores=16).max_talking == 3


def test_smoothing_ignores_a_burst_and_follows_a_sustained_load() -> None:
    cpu = Smoothed(tau_s=10.0)
    assert cpu.update(0.2, 1.0) == 0.2  # the first sample primes it
    assert cpu.update(1.0, 1.0) < 0.3  # one busy second barely moves it
    for _ in range(30):
        cpu.update(1.0, 1.0)
    assert cpu.value > 0.9  # thirty busy seconds do


async def test_work_counter_counts_in_flight_even_on_failure() -> None:
    work = WorkCounter()
    gate = asyncio.Event()

    async def job() -> int:
        await gate.wait()
        return 7

    task = asyncio.create_task(work.track("asr", job()))
    await asyncio.sleep(0)
    assert work["asr"] == 1
    gate.set()
    assert await task == 7 and work["asr"] == 0

    async def boom() -> None:
        raise RuntimeError

    with pytest.raises(RuntimeError):
        await work.track("tts", boom())
    assert work["tts"] == 0
