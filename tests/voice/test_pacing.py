"""Pure pieces of the downlink: frame cutting, pacing, heard-text estimate, the bounded outbox."""

from __future__ import annotations

from voice_server.voice.outbox import Outbox, OutboxOverflow
from voice_server.voice.pacing import FrameCutter, Pacer, SpokenText


def test_frame_cutter_exact_frames() -> None:
    cutter = FrameCutter(24000, 40)
    frames = cutter.push(b"\x01\x00" * 2000) + cutter.push(b"\x01\x00" * 1000)
    assert [len(f) for f in frames] == [1920, 1920, 1920]
    assert [len(f) for f in cutter.flush()] == [240]


def test_pacer_keeps_at_most_200ms_ahead() -> None:
    pacer = Pacer(max_ahead_ms=200)
    t = 0.0
    for _ in range(100):  # 4 s of 40 ms frames, sender as fast as allowed
        t += pacer.delay_before(t)
        assert pacer.sent_ms - pacer.played_ms(t) <= 200 + 1e-6
        pacer.on_sent(t, 40)
    assert 3.7 <= t <= 3.9  # real time minus the 200 ms head start


def test_pacer_underrun_does_not_bank_time() -> None:
    pacer = Pacer(max_ahead_ms=200)
    pacer.on_sent(0.0, 40)
    assert pacer.delay_before(5.0) == 0.0  # long gap (slow TTS): clock restarts
    for _ in range(10):
        pacer.on_sent(5.0, 40)
    assert pacer.delay_before(5.0) > 0.15


def test_heard_text_by_clause() -> None:
    spoken = SpokenText()
    spoken.add("Here are three dresses.", 0, 1000)
    spoken.add("The first is a black midi.", 1000, 2000)
    assert spoken.heard(500) == "Here are"
    assert spoken.heard(1500) == "Here are three dresses. The first is"
    assert spoken.heard(5000).endswith("midi.")


def test_outbox_purges_a_turn_and_refuses_its_later_audio() -> None:
    box = Outbox(max_audio_ms=1000)
    box.put_text("start")
    assert box.put_audio(1, b"a", 40) and box.put_audio(1, b"b", 40)
    assert box.close_turn(1) == 80
    box.put_text("interruption")
    assert not box.put_audio(1, b"c", 40)
    assert box.put_audio(2, b"d", 40)
    assert [i.text or i.audio for i in box.queued()] == ["start", "interruption", b"d"]


def test_outbox_bounds() -> None:
    box = Outbox(max_audio_ms=100, max_control=2)
    assert box.put_audio(1, b"a", 80) and not box.put_audio(1, b"b", 40)
    box.put_text("x")
    box.put_text("y")
    try:
        box.put_text("z")
    except OutboxOverflow:
        pass
    else:
        raise AssertionError("no overflow")
