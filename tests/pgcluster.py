"""A throwaway PostgreSQL cluster for tests and benchmarks.

``initdb`` runs as user ``postgres`` when we are root (PostgreSQL refuses to run as root) into a temp
dir it owns; the server listens on 127.0.0.1 at a free port with trust authentication and durability
turned off (fsync, synchronous_commit, full_page_writes: a test cluster need not survive a crash).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import psycopg
from psycopg import sql

__all__ = ["PG_BIN", "PgCluster", "postgres_available"]

PG_BIN = Path(os.environ.get("SHOPBRIDGE_PG_BIN", "/usr/lib/postgresql/15/bin"))


def postgres_available() -> bool:
    """True when the PostgreSQL server binaries are installed."""
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


# Runs beside the test session: once the session's process is gone (even by SIGKILL, when no fixture
# teardown runs), it stops the cluster and deletes its files, so no server outlives its session.
_WATCHDOG = """
import os, shutil, subprocess, sys, time
pid, root, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def alive():
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
while alive() and os.path.exists(root):
    time.sleep(0.5)
if os.path.exists(root):
    subprocess.run(command, capture_output=True)
    shutil.rmtree(root, ignore_errors=True)
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """One PostgreSQL server in a temp directory; :meth:`start`, create databases, :meth:`stop`."""

    def __init__(self, also_listen: Sequence[str] = (), allow: Sequence[str] = ()) -> None:
        # Addresses served besides 127.0.0.1 (a rehearsal's hosts' gateways), and the networks let in
        # from there with trust authentication (the hosts' own addresses).
        self.also_listen, self.allow = tuple(also_listen), tuple(allow)
        self.root = Path(tempfile.mkdtemp(prefix="shopbridge-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.port = 0
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0
        self._watchdog: subprocess.Popen[bytes] | None = None

    def _prefix(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if self._as_postgres else []

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._prefix(), *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stdout}{result.stderr}")

    def start(self) -> PgCluster:
        """initdb and start the server; returns self."""
        self.socket_dir.mkdir(parents=True)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        self.port = _free_port()
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "-N"
        )
        for network in self.allow:
            with (self.data / "pg_hba.conf").open("a", encoding="utf-8") as hba:
                hba.write(f"host all all {network} trust\n")
        listen = ",".join(("127.0.0.1", *self.also_listen))
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses={listen} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        log = self.root / "server.log"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")
        self._start_watchdog()
        return self

    def _start_watchdog(self) -> None:
        stop = [
            *self._prefix(),
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            "immediate",
            "-w",
            "stop",
        ]
        command = [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.root), *stop]
        self._watchdog = subprocess.Popen(command, start_new_session=True)

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        if self.data.exists():
            with contextlib.suppress(RuntimeError):  # already stopped; the files go regardless
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        if self._watchdog is not None:  # it sees the directory gone and exits
            self._watchdog.wait(timeout=10)

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: sql.Composable) -> None:
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, *, template: str | None = None, name: str | None = None) -> str:
        """Create a database (copied from ``template`` if given) and return its name."""
        name = name or f"t{os.getpid()}_{next(self._names)}"
        if template is None:
            self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            # FILE_COPY is several times faster than the default WAL_LOG for a small template.
            stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)
            )
            self._admin(stmt)
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting whoever is still in it."""
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
