"""`shepherd orders` / `shepherd returns`: a real CLI process on the session's Postgres and Valkey.

The shopper's live sessions hear the outcome: the CLI publishes the notice over Valkey.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from commerce.cart import add_item
from commerce.order_returns import request_return
from commerce.orders import mark_paid, place_order
from tests.conftest import REPO
from tests.shop.conftest import multi_size_product, set_stock
from voice_server.platform.notice_hub import channel, parse_message


async def shepherd(state_dir: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHEPHERD_", "STRIPE_", "WORKOS_", "ELEVENLABS_")) and k not in
           ("DATABASE_URL", "VALKEY_URL")}
    env["SHEPHERD_STATE_DIR"] = str(state_dir)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "voice_server.tools.cli", *args, cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def notices_for(valkey: Any, user_id: int) -> Any:
    pubsub = valkey.pubsub()
    await pubsub.subscribe(channel(user_id))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    return pubsub


async def next_notice(pubsub: Any) -> dict[str, Any]:
    for _ in range(50):
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if message is not None:
            parsed = parse_message(message["data"])
            assert parsed is not None
            return parsed[1]
    raise AssertionError("no notice published")


async def test_operator_ships_and_receives_a_return(pool: Any, valkey: Any, state_dir: Path, new_user: Any,
                                                    offline: Any) -> None:
    user = await new_user()
    product = await multi_size_product(pool, offset=800)
    await set_stock(pool, product["variant_id"], 5)
    await add_item(pool, user, product["id"], product["size_label"], 1)
    order = await place_order(pool, offline, user, "cli-ship")
    async with pool.acquire() as conn, conn.transaction():
        await mark_paid(conn, order.id)
    pubsub = await notices_for(valkey, user)
    try:
        code, out, err = await shepherd(state_dir, "orders", "list", "--status", "paid", "--limit", "1000")
        assert code == 0, err
        assert f"order {order.id}  paid" in out

        code, out, err = await shepherd(state_dir, "orders", "fulfil", str(order.id), "--json")
        assert code == 0, err
        assert json.loads(out)[0]["status"] == "fulfilled"
        assert await next_notice(pubsub) == {"type": "order_status", "order_id": order.id, "status": "fulfilled"}

        ret = await request_return(pool, user, order.id, product["id"], "too big", "large")
        code, out, err = await shepherd(state_dir, "returns", "receive", str(ret.id), "--json")
        assert code == 0, err
        received = json.loads(out)[0]
        assert received["status"] == "refunded" and received["refund_cents"] == order.lines[0].unit_price_cents
        assert await next_notice(pubsub) == {"type": "order_status", "order_id": order.id, "status": "refunded"}

        code, out, err = await shepherd(state_dir, "returns", "reject", str(ret.id))
        assert code == 1 and "conflict: A refunded return cannot be rejected." in err
        code, out, err = await shepherd(state_dir, "orders", "fulfil", "999999999")
        assert code == 1 and "not_found" in err
    finally:
        await pubsub.aclose()
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order.id) == "refunded"
