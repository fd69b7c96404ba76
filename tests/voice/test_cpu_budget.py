"""voice_server.platform.cpu_budget: CPU charged per stage, and the benchmark's per-turn derivation."""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client import REGISTRY

from bench.concurrency import cpu_per_turn, held_through, work_per_turn
from voice_server.platform.cpu_budget import timed


def spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


async def test_timed_charges_its_own_steps_not_its_neighbours() -> None:
    charged: list[float] = []

    async def mine() -> str:
        spin(0.03)
        await asyncio.sleep(0.05)  # while it waits, the neighbour burns CPU on the same thread
        spin(0.03)
        return "done"

    async def neighbour() -> None:
        await asyncio.sleep(0.01)
        spin(0.1)

    result, _ = await asyncio.gather(timed(mine(), charged.append), neighbour())
    assert result == "done"
    assert 0.05 <= sum(charged) < 0.09, charged


async def test_timed_passes_errors_and_cancellation_through() -> None:
    charged: list[float] = []

    async def boom() -> None:
        await asyncio.sleep(0)
        raise ValueError("x")

    with pytest.raises(ValueError):
        await timed(boom(), charged.append)
    task = asyncio.ensure_future(timed(asyncio.sleep(10), charged.append))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert charged


def test_benchmark_derives_the_stages_per_turn() -> None:
    counters = {"cpu_vad": 0.2, "cpu_understanding": 0.1, "cpu_dialogue": 0.4, "cpu_tts": 1.0,
                "cpu_loop": 1.5, "cpu_process": 5.0, "slow_client": 1.0}
    budget = cpu_per_turn(counters, turns=10)
    assert budget == {"vad": 20.0, "asr": 250.0, "understanding": 10.0, "shop": 30.0, "tts": 100.0,
                      "protocol": 90.0, "total": 500.0}
    assert counters == {"slow_client": 1.0}  # the cpu_* entries are taken out
    assert cpu_per_turn({}, 0)["asr"] is None
    work = {"work_asr_speculative": 9.0, "work_asr_final": 1.0, "work_tts_reply_s": 40.0, "close_1000": 3.0}
    assert work_per_turn(work, turns=10) == {"asr_final": 0.1, "asr_speculative": 0.9, "tts_reply_s": 4.0}
    assert work == {"close_1000": 3.0}


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def cpu_seconds(stage: str) -> float:
    return counted("shepherd_cpu_seconds_total", stage=stage)


async def test_a_turn_charges_its_stages(connect, guest_token) -> None:
    before = {stage: cpu_seconds(stage) for stage in ("vad", "understanding", "dialogue", "tts")}
    decodes_before = counted("shepherd_asr_decodes_total", kind="final")
    audio_before = counted("shepherd_tts_audio_seconds_total", use="reply")
    client = await connect()
    await client.hello(guest_token)
    await client.ws.send_bytes(bytes(640 * 50))  # one second of silence: the VAD runs
    await client.send(type="text", text="show me black dresses")
    await client.wait_for("audio_end", within=90)
    after = {stage: cpu_seconds(stage) for stage in before}
    # tts may come from the phrase cache when an earlier test had the same reply
    assert all(after[s] > before[s] for s in ("vad", "understanding", "dialogue")), (before, after)
    assert after["dialogue"] - before["dialogue"] >= after["understanding"] - before["understanding"]
    assert counted("shepherd_tts_audio_seconds_total", use="reply") > audio_before  # the reply was spoken
    assert counted("shepherd_asr_decodes_total", kind="final") == decodes_before  # typed: no Whisper


def test_a_meter_adds_to_its_counter_in_batches_and_on_flush() -> None:
    from voice_server.platform.cpu_budget import Meter

    before = cpu_seconds("vad")
    meter = Meter("vad", every=3)
    meter.add(0.5)
    meter.add(0.25)
    assert cpu_seconds("vad") == before  # not yet: a hot path pays no counter update per call
    meter.add(0.25)
    assert cpu_seconds("vad") == pytest.approx(before + 1.0)
    meter.add(0.125)
    meter.flush()
    meter.flush()  # nothing left: adds nothing
    assert cpu_seconds("vad") == pytest.approx(before + 1.125)


def test_shoppers_held_stop_at_the_first_failing_step() -> None:
    ramp = [{"n": 1, "holds": True}, {"n": 4, "holds": True}, {"n": 6, "holds": False}, {"n": 8, "holds": True}]
    assert held_through(ramp) == 4
    assert held_through([{"n": 1, "holds": False}]) == 0
