"""The per-address count of sockets that have not said `hello` (voice_server.voice.pending_handshakes)."""

from __future__ import annotations

import pytest

from voice_server.platform.settings import Settings
from voice_server.voice.pending_handshakes import PendingHandshakes


def test_limit_is_per_address_and_slots_come_back() -> None:
    pending = PendingHandshakes(2)
    a1, a2 = pending.acquire("10.0.0.1"), pending.acquire("10.0.0.1")
    assert a1 is not None and a2 is not None
    assert pending.acquire("10.0.0.1") is None  # third silent socket from the same address
    b1 = pending.acquire("10.0.0.2")  # another address is not affected
    assert b1 is not None
    assert (pending.count("10.0.0.1"), pending.count("10.0.0.2"), len(pending)) == (2, 1, 3)
    a1.release()
    assert pending.count("10.0.0.1") == 1
    again = pending.acquire("10.0.0.1")
    assert again is not None and pending.acquire("10.0.0.1") is None


def test_release_is_idempotent_and_forgets_idle_addresses() -> None:
    pending = PendingHandshakes(1)
    slot = pending.acquire("a")
    assert slot is not None and slot.held
    slot.release()
    slot.release()  # said hello, then the socket ended: counted back once
    assert not slot.held and pending.count("a") == 0 and len(pending) == 0
    assert pending.addresses == 0  # no entry left behind per address ever seen
    assert pending.acquire("a") is not None


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PendingHandshakes(0)


def test_documented_default() -> None:
    assert Settings.model_fields["max_pending_handshakes"].default == 32
