"""A real Tryton server on 127.0.0.1, for the demo and the test suite alike.

Tryton is GPL software: it runs from its own virtualenv (``.venv-tryton``, made by
``scripts/setup.sh``) in its own process, and the package never imports it. The seeded database is
built once per machine (``trytond-admin`` activating the modules, then ``tryton_seed.script``
through proteus) under ``/tmp/shopbridge-tryton-cache/<key>/``, where the key hashes the trytond
version, the modules, the seed script and the seed data; :class:`TrytonServer` copies it into a
fresh directory and runs ``trytond`` on a free port until :meth:`TrytonServer.stop`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from shopbridge.demo.erp_base import ErpUnavailable

__all__ = [
    "ADMIN_PASSWORD",
    "DATABASE",
    "MODULES",
    "TrytonServer",
    "cached_database",
    "seed_spec",
    "tryton_venv",
]

SEED = Path(__file__).with_name("tryton_seed.script")
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
ADMIN_PASSWORD = "admin"
CREDIT_CUSTOMER = ("limited@example.com", "100.00")  # a customer seeded with a credit limit
SEED_DAY = "2026-11-22"  # the fiscal year is opened around it


def tryton_venv(starts: Sequence[Path] | None = None) -> Path:
    """``.venv-tryton/bin`` of the checkout: from the working directory up, then beside the package."""
    for start in starts if starts is not None else (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            candidate = folder / ".venv-tryton" / "bin"
            if (candidate / "trytond").exists() and (candidate / "trytond-admin").exists():
                return candidate
    raise ErpUnavailable(
        "no Tryton server: .venv-tryton/bin/trytond is missing; run scripts/setup.sh (it makes the"
        " .venv-tryton virtualenv with trytond and proteus) in the checkout, then run the demo from it"
    )


def seed_spec(items: Iterable[Sequence[Any]], customer_email: str) -> dict[str, Any]:
    """What the seed script builds (part of the cache key): ``(sku, name, price, quantity)`` items."""
    return {
        "items": [[sku, name, str(price), str(qty)] for sku, name, price, qty in items],
        "customer_email": customer_email,
        "credit_customer": list(CREDIT_CUSTOMER),
        "today": SEED_DAY,
    }


def cached_database(venv: Path, spec: dict[str, Any]) -> tuple[Path, float]:
    """The seeded database file, and the seconds spent building it (0 when it was cached)."""
    version = _run([str(venv / "python"), "-c", "import trytond; print(trytond.__version__)"]).strip()
    parts = (version, *MODULES, SEED.read_text(encoding="utf-8"), json.dumps(spec, sort_keys=True))
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    target = CACHE / key / f"{DATABASE}.sqlite"
    CACHE.mkdir(parents=True, exist_ok=True)
    with _locked(CACHE / f"{key}.lock"):
        if target.exists():
            return target, 0.0
        started = time.monotonic()
        _build(venv, target, spec)
        return target, time.monotonic() - started


class TrytonServer:
    """``trytond`` serving a private copy of a seeded database on 127.0.0.1."""

    def __init__(self, venv: Path, database_file: Path) -> None:
        self.venv = venv
        self.directory = Path(tempfile.mkdtemp(prefix="tryton-run-"))
        shutil.copyfile(database_file, self.directory / f"{DATABASE}.sqlite")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self, timeout: float = 60.0) -> None:
        conf = _config(self.directory, self.port)
        self._log = (self.directory / "trytond.log").open("wb")
        self._process = subprocess.Popen(
            [str(self.venv / "trytond"), "-c", str(conf), "-d", DATABASE],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(timeout)

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

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ErpUnavailable(f"trytond exited: {self.log_tail()}")
            try:
                httpx.post(
                    f"{self.url}/{DATABASE}/rpc/",
                    json={"id": 0, "method": "common.server.version", "params": []},
                    timeout=1.0,
                )
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise ErpUnavailable(f"trytond did not answer on {self.url} within {timeout}s: {self.log_tail()}")


def _build(venv: Path, target: Path, spec: dict[str, Any]) -> None:
    work = Path(tempfile.mkdtemp(prefix="tryton-build-", dir=CACHE))
    try:
        (work / f"{DATABASE}.sqlite").touch()
        conf = _config(work)
        password = work / "password"
        password.write_text(ADMIN_PASSWORD, encoding="utf-8")
        env = {**os.environ, "TRYTONPASSFILE": str(password)}
        admin = [str(venv / "trytond-admin"), "-c", str(conf), "-d", DATABASE, "-u", *MODULES]
        _run([*admin, "--activate-dependencies", "--email", "admin@example.com"], env=env)
        _run([str(venv / "python"), str(SEED), str(conf), DATABASE], env=env, stdin=json.dumps(spec))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / f"{DATABASE}.sqlite", target.with_suffix(".tmp"))
        target.with_suffix(".tmp").rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _config(directory: Path, port: int = 0) -> Path:
    conf = directory / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {directory}\n\n[web]\nlisten = 127.0.0.1:{port}\n",
        encoding="utf-8",
    )
    return conf


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder at a time (the demo and several test sessions may build the same database)."""
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], *, env: dict[str, str] | None = None, stdin: str = "") -> str:
    done = subprocess.run(command, env=env, input=stdin, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise ErpUnavailable(f"{Path(command[0]).name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
