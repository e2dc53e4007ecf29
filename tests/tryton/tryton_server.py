"""A real Tryton server for tests: the database is built once per machine and copied per test.

``cached_database()`` builds ``erp.sqlite`` (``trytond-admin`` activating the modules, then
``seed.py`` through proteus) under ``/tmp/shopbridge-tryton-cache/<key>/``, where the key hashes
the trytond version, the modules, the seed script and the seed data: change any of them and a new
database is built.
``TrytonServer`` copies that file into a fresh directory and runs ``trytond`` on a free port of
127.0.0.1 until ``stop()``. Tryton runs in its own virtualenv and process (it is GPL software).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-tryton" / "bin"
SEED = Path(__file__).with_name("seed.py")
CACHE = Path("/tmp/shopbridge-tryton-cache")
MODULES = (
    "sale",
    "stock",
    "account_invoice",
    "product_kit",
    "sale_price_list",
    "sale_amendment",
    "account_credit_limit",
    "sale_credit_limit",
)
DATABASE = "erp"
# A second seeded customer whose party has a credit limit (GBP, in the company currency).
CREDIT_CUSTOMER_EMAIL = "limited@example.com"
CREDIT_LIMIT = "100.00"
ADMIN_PASSWORD = "admin"


def available() -> bool:
    return (VENV / "trytond").exists() and (VENV / "trytond-admin").exists()


def _config(directory: Path, port: int = 0) -> Path:
    conf = directory / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {directory}\n\n[web]\nlisten = 127.0.0.1:{port}\n",
        encoding="utf-8",
    )
    return conf


@functools.cache
def _version() -> str:
    out = subprocess.run(
        [str(VENV / "python"), "-c", "import trytond; print(trytond.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def seed_spec(items: Any, customer_email: str) -> dict[str, Any]:
    """What seed.py builds; part of the cache key. Fiscal year around a fixed day the tests use."""
    return {
        "items": [[sku, name, str(price), str(qty)] for sku, name, price, qty in items],
        "customer_email": customer_email,
        "credit_customer": [CREDIT_CUSTOMER_EMAIL, CREDIT_LIMIT],
        "today": date(2026, 11, 22).isoformat(),
    }


def cached_database(spec: dict[str, Any]) -> tuple[Path, float]:
    """The path of the seeded database file, and the seconds spent building it (0 when cached)."""
    key = hashlib.sha256(
        "\n".join(
            (_version(), *MODULES, SEED.read_text(encoding="utf-8"), json.dumps(spec, sort_keys=True))
        ).encode()
    ).hexdigest()[:16]
    target = CACHE / key / f"{DATABASE}.sqlite"
    CACHE.mkdir(parents=True, exist_ok=True)
    with _locked(CACHE / f"{key}.lock"):
        if target.exists():
            return target, 0.0
        started = time.monotonic()
        _build(target, spec)
        return target, time.monotonic() - started


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder at a time (several test sessions may start together)."""
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(target: Path, spec: dict[str, Any]) -> None:
    work = Path(tempfile.mkdtemp(prefix="tryton-build-", dir=CACHE))
    try:
        (work / f"{DATABASE}.sqlite").touch()
        conf = _config(work)
        password = work / "password"
        password.write_text(ADMIN_PASSWORD, encoding="utf-8")
        env = {**os.environ, "TRYTONPASSFILE": str(password)}
        _run(
            [
                str(VENV / "trytond-admin"),
                "-c",
                str(conf),
                "-d",
                DATABASE,
                "-u",
                *MODULES,
                "--activate-dependencies",
                "--email",
                "admin@example.com",
            ],
            env=env,
        )
        _run([str(VENV / "python"), str(SEED), str(conf), DATABASE], env=env, stdin=json.dumps(spec))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / f"{DATABASE}.sqlite", target.with_suffix(".tmp"))
        target.with_suffix(".tmp").rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(command: list[str], *, env: dict[str, str], stdin: str = "") -> None:
    done = subprocess.run(command, env=env, input=stdin, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TrytonServer:
    """``trytond`` serving a private copy of the cached database on 127.0.0.1."""

    def __init__(self, database_file: Path) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="tryton-run-"))
        shutil.copyfile(database_file, self.directory / f"{DATABASE}.sqlite")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self, timeout: float = 30.0) -> None:
        conf = _config(self.directory, self.port)
        self._log = (self.directory / "trytond.log").open("wb")
        self._process = subprocess.Popen(
            [str(VENV / "trytond"), "-c", str(conf), "-d", DATABASE],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"trytond exited: {self.log_tail()}")
            try:
                httpx.post(
                    f"{self.url}/{DATABASE}/rpc/",
                    json={"id": 0, "method": "common.server.version", "params": []},
                    timeout=1.0,
                )
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"trytond did not answer on {self.url} within {timeout}s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.directory / "trytond.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.directory, ignore_errors=True)
