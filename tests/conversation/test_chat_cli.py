"""`shepherd chat --json` as a real subprocess on the test session's state dir (embedded services)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from voice_server.platform.backends import Backends
from voice_server.platform.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PRODUCT_KEYS = {"id", "name", "brand", "price", "currency", "colour", "category", "sizes",
                "recommended_size", "return_risk"}


def _env(state_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHEPHERD_") and k not in {"DATABASE_URL", "VALKEY_URL", "STRIPE_SECRET_KEY"}}
    env["SHEPHERD_STATE_DIR"] = str(state_dir)
    return env


def _chat(state_dir: Path, lines: list[str], *extra: str) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "voice_server.tools.cli", "chat", "--json", *extra],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=REPO, env=_env(state_dir),
        timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


async def test_chat_json_three_turns_then_continue(settings: Settings, backends: Backends, pool: Any) -> None:
    lines = [
        "show me black jeans for men under 60 dollars", "add the first one in size 32", "what's in my cart",
    ]
    turns = await asyncio.to_thread(_chat, settings.state_dir, lines)
    assert len(turns) == 3
    for record, said in zip(turns, lines, strict=True):
        assert {"user", "intent", "slots", "reply", "products", "cart", "conversation_id"} <= record.keys()
        assert record["user"] == said and record["reply"]
    assert [t["intent"] for t in turns] == ["search", "add_to_cart", "view_cart"]
    products = turns[0]["products"]
    assert products and all(PRODUCT_KEYS <= p.keys() for p in products)
    assert all(p["category"] == "jeans" and p["price"] <= 60 for p in products)
    cart = turns[2]["cart"]
    assert cart is not None and len(cart["lines"]) == 1
    line = cart["lines"][0]
    assert {"product_id", "size", "quantity", "unit_price"} <= line.keys()
    assert line["product_id"] == products[0]["id"] and line["size"] == "32"
    db_price = await pool.fetchval("SELECT price_cents FROM products WHERE id = $1", line["product_id"])
    assert line["unit_price_cents"] == db_price and cart["total_cents"] >= db_price

    cid = turns[0]["conversation_id"]
    assert len({t["conversation_id"] for t in turns}) == 1
    more = await asyncio.to_thread(_chat, settings.state_dir, ["show me more"], "--conversation", cid)
    assert more[0]["conversation_id"] == cid and more[0]["intent"] == "more_results"
    assert not {p["id"] for p in more[0]["products"]} & {p["id"] for p in products}
    count = await pool.fetchval("SELECT count(*) FROM turns WHERE conversation_id = $1", uuid.UUID(cid))
    assert count == 4
