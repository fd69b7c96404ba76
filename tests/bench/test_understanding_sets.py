"""``bench.understanding.SetServices``: many sets on one embedded Postgres and Valkey, each as if on its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.understanding import TEMPLATE, SetServices
from voice_server.platform.backends import open_backends

pytestmark = pytest.mark.integration


async def test_each_set_gets_a_fresh_copy_of_the_catalog_and_an_empty_valkey(tmp_path: Path) -> None:
    async with SetServices(tmp_path / "state") as services:
        async with services.fresh("set_one") as settings:
            backends = await open_backends(settings)
            try:  # what one set's shoppers do: take every unit of a size, leave a conversation behind
                variant = await backends.pool.fetchval("SELECT min(id) FROM product_variants")
                await backends.pool.execute("UPDATE product_variants SET reserved = stock WHERE id = $1", variant)
                await backends.valkey.set("conversation:left-behind", b"1")
            finally:
                await backends.close()
        async with services.fresh("set_two") as settings:
            backends = await open_backends(settings)
            try:
                assert await backends.pool.fetchval("SELECT reserved FROM product_variants WHERE id = $1", variant) == 0
                assert await backends.pool.fetchval("SELECT count(*) FROM products") > 1000  # the whole catalog
                assert await backends.valkey.get("conversation:left-behind") is None
                names = {r["datname"] for r in await backends.pool.fetch("SELECT datname FROM pg_database")}
                assert TEMPLATE in names and "set_one" not in names  # a set's copy goes when it is done
            finally:
                await backends.close()
    shutil.rmtree(tmp_path / "state", ignore_errors=True)
