"""NoticeHub: a notice published on one node reaches the subscriber of that user on another node."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from voice_server.platform.backends import Backends, valkey_client
from voice_server.platform.notice_hub import NoticeHub, Subscription, parse_message


@pytest.fixture
async def two_hubs(backends: Backends) -> AsyncIterator[tuple[NoticeHub, NoticeHub]]:
    """Node A and node B: separate Valkey connections, same Valkey server."""
    other = valkey_client(backends.valkey_url)
    hub_a, hub_b = NoticeHub(backends.valkey), NoticeHub(other)
    await hub_a.start()
    await hub_b.start()
    yield hub_a, hub_b
    await hub_a.stop()
    await hub_b.stop()
    await other.aclose()


async def test_notice_crosses_nodes_to_the_right_user(two_hubs: tuple[NoticeHub, NoticeHub]) -> None:
    hub_a, hub_b = two_hubs
    mine = hub_a.subscribe(101)
    someone_else = hub_a.subscribe(202)
    reached = await hub_b.publish(101, {"kind": "payment_succeeded", "text": "Payment received for order 7."})
    assert reached >= 2  # both nodes listen
    notice = await mine.get(wait_s=5)
    assert notice == {"kind": "payment_succeeded", "text": "Payment received for order 7."}
    assert await someone_else.get(wait_s=0.3) is None
    mine.close()
    someone_else.close()
    assert hub_a.subscriber_count() == 0


async def test_async_iteration_and_close_ends_the_loop(two_hubs: tuple[NoticeHub, NoticeHub]) -> None:
    hub_a, hub_b = two_hubs
    received: list[dict] = []
    async with hub_a.subscribe(303) as sub:

        async def reader() -> None:
            async for notice in sub:
                received.append(notice)
                if len(received) == 3:
                    sub.close()

        task = asyncio.create_task(reader())
        for n in range(3):
            await hub_b.publish(303, {"kind": "order_update", "n": n})
        await asyncio.wait_for(task, 5)
    assert [n["n"] for n in received] == [0, 1, 2]


async def test_every_local_subscriber_gets_a_copy_and_slow_ones_are_bounded(
    two_hubs: tuple[NoticeHub, NoticeHub],
) -> None:
    hub_a, hub_b = two_hubs
    first, second = hub_a.subscribe(404), hub_a.subscribe(404)
    for n in range(hub_a.queue_size + 5):
        await hub_b.publish(404, {"kind": "tick", "n": n})
    last = hub_a.queue_size + 4
    async with asyncio.timeout(5):  # deliveries go through the listener task: wait for all of them
        while True:
            if first.dropped + first.queue.qsize() == last + 1 and second.dropped == first.dropped:
                break
            await asyncio.sleep(0.02)

    async def drain(sub: Subscription) -> list[int]:
        seen: list[int] = []
        while (item := await sub.get(wait_s=2)) is not None:
            seen.append(item["n"])
            if item["n"] == last:
                break
        return seen
    a, b = await drain(first), await drain(second)
    assert a == b
    assert a[-1] == last and len(a) == hub_a.queue_size  # oldest dropped, newest kept
    assert first.dropped == 5


def test_malformed_messages_are_ignored() -> None:
    assert parse_message(b"not json") is None
    assert parse_message(b'{"user_id": "x", "notice": {}}') is None
    assert parse_message(b'{"user_id": 5, "notice": "text"}') is None
    assert parse_message(b'{"user_id": 5, "notice": {"kind": "k"}}') == (5, {"kind": "k"})
