"""Load generator for listening-only sessions: many websockets streaming 20 ms frames of silence.

Used by ``bench.concurrency`` (listening ramp) and ``bench.listening_cost`` (end to end).

* **Cheap sending.** A client frame must be masked; the mask key may be any value, so each worker
  builds the whole wire frame of 20 ms of silence (header, key, masked payload) once and writes those
  bytes straight to each socket's transport every tick: one ``transport.write`` per frame, no
  per-frame Python framing, masking or ``await``. Pings (one per session per second) go through aiohttp.
* **Several processes.** ``procs`` worker processes (spawned, optionally pinned to ``cores``) share the
  sessions; the parent only sends commands and collects numbers, so the generator's own limit is
  visible (``late_p95_ms`` per tick, ``cpu_cores`` of the workers).
* **Why a connection failed.** Every failed connect is classified (``failure_kind``): the guest-token
  REST call's HTTP status (429 = the REST rate limit), a refused websocket upgrade, a close during the
  handshake by code (4429 = the per-address pending-handshake limit, 4503 = ``SHEPHERD_MAX_SESSIONS`` or
  admission), or a connect timeout.
* **No connection pool limit.** aiohttp's client pool holds 100 connections by default and an open
  websocket keeps its slot, so a 101st session waits for a slot and times out; the workers' pool has no
  limit (``limit=0``). That limit, not the server, stopped the ramp at 100 before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import struct
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

RATE = 16000
FRAME_MS = 20
CONNECT_TIMEOUT_S = 20.0
"""A listener that cannot connect and get ``ready`` within this long counts as refused (connect_timeout)."""
MASK = b"\x5a\x3c\x96\xe1"


def masked_binary_frame(payload: bytes, mask: bytes = MASK) -> bytes:
    """The wire bytes of one masked, final, binary websocket frame (RFC 6455 §5.2) carrying `payload`."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x82, 0x80 | n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", 0x82, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x82, 0x80 | 127, n)
    key = (mask * (n // 4 + 1))[:n]
    masked = bytes(a ^ b for a, b in zip(payload, key, strict=True))
    return header + mask + masked


def failure_kind(exc: BaseException) -> str:
    """A short, countable name for why a connect failed."""
    if isinstance(exc, TimeoutError):
        return "connect_timeout"
    if isinstance(exc, HandshakeClosed):
        return {4429: "close_4429_pending_handshakes", 4503: "close_4503_server_full"}.get(
            exc.code or 0, f"close_{exc.code}")
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"ws_upgrade_http_{exc.status}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return "guest_token_http_429_rate_limit" if exc.status == 429 else f"guest_token_http_{exc.status}"
    if isinstance(exc, aiohttp.ClientConnectorError | ConnectionError):
        return "tcp_connect_error"
    return type(exc).__name__


class HandshakeClosed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed during handshake: {code}")
        self.code = code


@dataclass
class _Listener:
    ws: aiohttp.ClientWebSocketResponse
    transport: asyncio.Transport | None
    pings: dict[str, float] = field(default_factory=dict)
    closed: bool = False
    reader: asyncio.Task[None] | None = None


class _Worker:
    """One load-generator process: its share of the sessions, one ticker."""

    def __init__(self, base: str, url: str, ping_every_s: float) -> None:
        self.base, self.url, self.ping_every_s = base, url, ping_every_s
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                          timeout=aiohttp.ClientTimeout(total=180))
        self.listeners: list[_Listener] = []
        self.rtts: list[tuple[float, float]] = []
        self.late_ms: list[tuple[float, float]] = []  # (tick time, how late the tick ran, ms)
        self.close_codes: dict[str, int] = {}
        self.frame = masked_binary_frame(bytes(RATE * FRAME_MS // 1000 * 2))
        self.payload = bytes(RATE * FRAME_MS // 1000 * 2)
        self.ticker: asyncio.Task[None] | None = None

    async def add(self, n: int, parallel: int) -> dict[str, Any]:
        gate = asyncio.Semaphore(parallel)
        failures: dict[str, int] = {}
        started = time.monotonic()

        async def one() -> None:
            async with gate:
                try:
                    async with asyncio.timeout(CONNECT_TIMEOUT_S):
                        ws = await self._connect()
                except Exception as exc:
                    kind = failure_kind(exc)
                    failures[kind] = failures.get(kind, 0) + 1
                    return
                transport = getattr(getattr(ws, "_writer", None), "transport", None)
                listener = _Listener(ws, transport)
                listener.reader = asyncio.create_task(self._read(listener))
                self.listeners.append(listener)

        await asyncio.gather(*(one() for _ in range(n)))
        return {"added": n - sum(failures.values()), "failures": failures,
                "connect_s": round(time.monotonic() - started, 2)}

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        async with self.http.post(f"{self.base}/api/auth/guest", json={}) as response:
            response.raise_for_status()
            token = (await response.json())["token"]
        ws = await self.http.ws_connect(self.url, headers={"Authorization": f"Bearer {token}"},
                                        heartbeat=None, max_msg_size=4 << 20)
        await ws.send_json({"type": "hello", "version": 1,
                            "input": {"encoding": "pcm_s16le", "sample_rate": RATE, "channels": 1},
                            "output": {"encoding": "pcm_s16le", "sample_rate": 24000, "channels": 1},
                            "client": {"name": "bench-listener", "version": "1"}})
        while True:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise HandshakeClosed(ws.close_code)
            if json.loads(msg.data).get("type") == "ready":
                return ws

    async def _read(self, listener: _Listener) -> None:
        async for msg in listener.ws:
            if msg.type == aiohttp.WSMsgType.TEXT and '"pong"' in msg.data:
                message = json.loads(msg.data)
                sent = listener.pings.pop(str(message.get("id")), None)
                if sent is not None:
                    now = time.monotonic()
                    self.rtts.append((now, (now - sent) * 1000.0))
        listener.closed = True
        code = str(listener.ws.close_code)
        self.close_codes[code] = self.close_codes.get(code, 0) + 1

    def start(self) -> None:
        self.ticker = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        period = FRAME_MS / 1000
        start = time.monotonic()
        n = 0
        ping_ticks = max(1, round(self.ping_every_s / period))
        frame = self.frame
        while True:
            delay = start + n * period - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.late_ms.append((time.monotonic(), max(0.0, -delay * 1000.0)))
            for i, listener in enumerate(self.listeners):
                if listener.closed:
                    continue
                try:
                    transport = listener.transport
                    if transport is not None and not transport.is_closing():
                        transport.write(frame)
                    else:
                        await listener.ws.send_bytes(self.payload)
                    if (n + i) % ping_ticks == 0:  # each session pings once a second, staggered
                        ping_id = f"{n}"
                        listener.pings[ping_id] = time.monotonic()
                        await listener.ws.send_str(json.dumps({"type": "ping", "id": ping_id}))
                except (ConnectionError, RuntimeError):
                    listener.closed = True
            n += 1

    def stats(self, since: float, lag_limit_s: float) -> dict[str, Any]:
        cutoff = time.monotonic() - lag_limit_s
        return {
            "rtts": [rtt for at, rtt in self.rtts if at >= since],
            "late": [late for at, late in self.late_ms if at >= since],
            "open": sum(1 for x in self.listeners if not x.closed),
            "closed": sum(1 for x in self.listeners if x.closed),
            "close_codes": dict(self.close_codes),
            "stuck": sum(1 for x in self.listeners for sent in x.pings.values() if sent < cutoff),
            "cpu_s": time.process_time(),
        }

    async def close(self) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.ticker

        async def close_one(listener: _Listener) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.ws.close(), 10.0)
            if listener.reader is not None:
                listener.reader.cancel()

        await asyncio.gather(*(close_one(x) for x in self.listeners))
        await self.http.close()


def _worker_main(conn: Connection, base: str, url: str, ping_every_s: float, cores: list[int] | None) -> None:
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cores))
    asyncio.run(_serve(conn, base, url, ping_every_s))


async def _serve(conn: Connection, base: str, url: str, ping_every_s: float) -> None:
    worker = _Worker(base, url, ping_every_s)
    worker.start()
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    loop.add_reader(conn.fileno(), ready.set)
    try:
        while True:
            await ready.wait()
            ready.clear()
            while conn.poll():
                command, arg = conn.recv()
                if command == "add":
                    conn.send(await worker.add(int(arg[0]), int(arg[1])))
                elif command == "stats":
                    since = time.monotonic() - float(arg[0])
                    conn.send(worker.stats(since, float(arg[1])))
                elif command == "close":
                    await worker.close()
                    conn.send("closed")
                    return
    finally:
        loop.remove_reader(conn.fileno())


class ListenLoad:
    """`procs` worker processes streaming silence to `url`; the parent's view of them."""

    def __init__(self, base: str, url: str, procs: int = 1, cores: set[int] | None = None,
                 ping_every_s: float = 1.0) -> None:
        self.base, self.url, self.procs, self.cores, self.ping_every_s = base, url, procs, cores, ping_every_s
        self._conns: list[Connection] = []
        self._processes: list[Any] = []
        self._lock = asyncio.Lock()
        self._cpu0: list[float] = []
        self._t0 = time.monotonic()
        self.requested = 0

    async def start(self) -> None:
        ctx = mp.get_context("spawn")
        for _ in range(self.procs):
            parent, child = ctx.Pipe()
            process = ctx.Process(target=_worker_main, args=(child, self.base, self.url, self.ping_every_s,
                                                             sorted(self.cores) if self.cores else None),
                                  daemon=True)
            process.start()
            self._conns.append(parent)
            self._processes.append(process)

    async def _ask(self, conn: Connection, command: str, *arg: Any) -> Any:
        conn.send((command, arg))
        return await asyncio.to_thread(conn.recv)

    async def add(self, n: int, parallel: int = 16) -> dict[str, Any]:
        """Open `n` more sessions, spread over the workers; {"added", "failures": {kind: count}, "connect_s"}."""
        async with self._lock:
            share = [n // self.procs + (1 if i < n % self.procs else 0) for i in range(self.procs)]
            replies = await asyncio.gather(*(self._ask(c, "add", k, max(1, parallel // self.procs))
                                             for c, k in zip(self._conns, share, strict=True) if k))
        self.requested += n
        failures: dict[str, int] = {}
        for r in replies:
            for kind, count in r["failures"].items():
                failures[kind] = failures.get(kind, 0) + count
        return {"added": sum(r["added"] for r in replies), "failures": failures,
                "connect_s": max((r["connect_s"] for r in replies), default=0.0)}

    async def stats(self, window_s: float = 1e9, lag_limit_s: float = 0.2) -> dict[str, Any]:
        """Round trips of the last `window_s`, tick lateness, open/closed sessions, workers' CPU."""
        async with self._lock:
            replies = await asyncio.gather(*(self._ask(c, "stats", window_s, lag_limit_s) for c in self._conns))
        codes: dict[str, int] = {}
        for r in replies:
            for code, count in r["close_codes"].items():
                codes[code] = codes.get(code, 0) + count
        return {
            "rtts": [x for r in replies for x in r["rtts"]], "late": [x for r in replies for x in r["late"]],
            "open": sum(r["open"] for r in replies), "closed": sum(r["closed"] for r in replies),
            "close_codes": codes, "stuck": sum(r["stuck"] for r in replies),
            "cpu_s": sum(r["cpu_s"] for r in replies),
        }

    async def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ask(conn, "close"), 30.0)
        for process in self._processes:
            process.join(5)
            if process.is_alive():
                process.terminate()


if __name__ == "__main__":  # pragma: no cover - spawned workers import this module by name
    sys.exit("bench.listen_load is a library: see bench.concurrency and bench.listening_cost")
