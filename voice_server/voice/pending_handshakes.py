"""Per-address count of voice sockets that have not said `hello` yet (sans-I/O, no clock, no sockets).

`voice_server.voice.websocket` takes a slot for every upgraded socket before its session starts and gives it back as
soon as a `hello` frame arrives (or the socket ends first). A peer address already holding
`SHEPHERD_MAX_PENDING_HANDSHAKES` slots is refused with `too_many_handshakes`, close 4429
(docs/protocol.md), so one address cannot pile up silent sockets until the handshake timeout.
"""

from __future__ import annotations

from collections import Counter


class PendingSlot:
    """One socket's place in the count; `release()` may be called any number of times."""

    __slots__ = ("_address", "_owner")

    def __init__(self, owner: PendingHandshakes, address: str) -> None:
        self._owner: PendingHandshakes | None = owner
        self._address = address

    @property
    def held(self) -> bool:
        return self._owner is not None

    def release(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner._give_back(self._address)


class PendingHandshakes:
    """Sockets without `hello` per peer address, at most `limit_per_address` each."""

    def __init__(self, limit_per_address: int) -> None:
        if limit_per_address < 1:
            raise ValueError("limit_per_address must be at least 1")
        self.limit_per_address = limit_per_address
        self._counts: Counter[str] = Counter()

    def acquire(self, address: str) -> PendingSlot | None:
        """A slot for one more socket from `address`, or None when it already holds the limit."""
        if self._counts[address] >= self.limit_per_address:
            return None
        self._counts[address] += 1
        return PendingSlot(self, address)

    def count(self, address: str) -> int:
        return self._counts.get(address, 0)

    @property
    def addresses(self) -> int:
        """Addresses holding at least one slot (an address is forgotten when its last slot comes back)."""
        return len(self._counts)

    def __len__(self) -> int:
        """Pending sockets over all addresses."""
        return sum(self._counts.values())

    def _give_back(self, address: str) -> None:
        self._counts[address] -= 1
        if self._counts[address] <= 0:
            del self._counts[address]
