"""The demo against a real Tryton server, run from the ``.venv-tryton`` that ``scripts/setup.sh`` makes.

The database is built once per machine (``trytond-admin`` activating the modules, then
``tryton_seed.script`` through proteus, in Tryton's own virtualenv and process: Tryton is GPL and
the package never imports it) under ``/tmp/shopbridge-tryton-cache/<key>/`` and copied per run; the
key hashes the trytond version, the modules, the seed script and its data, as the test suite's
``tests/tryton/tryton_server.py`` does (same script, same data: the same cached database). The demo
then adds the shop's catalogue and stock over JSON-RPC, as a clerk would.
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from shopbridge.connectors.erp.tryton.rpc import TrytonRpc
from shopbridge.demo.erps import ENV_TRYTON_PASSWORD, STOCK, DemoErp, ErpOrder, ErpUnavailable
from shopbridge.errors import NeedsPerson
from shopbridge.sandbox.syspro.state import SEED_ITEMS

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
CUSTOMER_EMAIL = "existing@example.com"
# The test suite's seed data (its standard items, a credit-limited customer, a fixed fiscal day), so
# the demo and the tests share one cached database.
SPEC: dict[str, Any] = {
    "items": [[sku, name, str(price), str(qty)] for sku, name, price, qty in SEED_ITEMS],
    "customer_email": CUSTOMER_EMAIL,
    "credit_customer": ["limited@example.com", "100.00"],
    "today": "2026-11-22",
}


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


class TrytonErp(DemoErp):
    vendor = "tryton"
    title = "Tryton"
    warehouse = "WH"
    web_account = ""  # the seeded customer's party code, read once the server is up
    tax_codes = (("0.2", "VAT 20%"), ("0", "VAT 0%"))  # the adapter finds Tryton's taxes by rate
    totals_source = "Tryton sale.sale untaxed/tax/total amounts over JSON-RPC (Tryton computes the tax)"

    def __init__(self) -> None:
        self.venv = tryton_venv()
        self.password = os.environ.setdefault(ENV_TRYTON_PASSWORD, ADMIN_PASSWORD)
        self.directory: Path | None = None
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self.rpc: TrytonRpc | None = None

    # --- the server ------------------------------------------------------------------------------
    def start(self) -> None:
        database = self._cached_database()
        self.directory = Path(tempfile.mkdtemp(prefix="shopbridge-demo-tryton-"))
        shutil.copyfile(database, self.directory / f"{DATABASE}.sqlite")
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        conf = _config(self.directory, port)
        self._log = (self.directory / "trytond.log").open("wb")
        self._process = subprocess.Popen(
            [str(self.venv / "trytond"), "-c", str(conf), "-d", DATABASE],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(60.0)
        # The admin's password is the database's; the demo hands it over the environment like any secret.
        os.environ[ENV_TRYTON_PASSWORD] = ADMIN_PASSWORD
        self.rpc = TrytonRpc(self.url, DATABASE, "admin", ADMIN_PASSWORD)
        party = self._call(
            "party.contact_mechanism", "search_read", [("value", "=", CUSTOMER_EMAIL)], 0, 1, None, ["party"]
        )
        code = self._call("party.party", "read", [int(party[0]["party"])], ["code"])
        self.web_account = str(code[0]["code"])

    def stop(self) -> None:
        if self.rpc is not None:
            self.rpc.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ErpUnavailable(f"trytond exited: {self._log_tail()}")
            try:
                httpx.post(
                    f"{self.url}/{DATABASE}/rpc/",
                    json={"id": 0, "method": "common.server.version", "params": []},
                    timeout=1.0,
                )
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise ErpUnavailable(f"trytond did not answer on {self.url} within {timeout}s: {self._log_tail()}")

    def _log_tail(self) -> str:
        path = (self.directory or Path("/nonexistent")) / "trytond.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def _cached_database(self) -> Path:
        version = _run([str(self.venv / "python"), "-c", "import trytond; print(trytond.__version__)"])
        key = hashlib.sha256(
            "\n".join(
                (
                    version.strip(),
                    *MODULES,
                    SEED.read_text(encoding="utf-8"),
                    json.dumps(SPEC, sort_keys=True),
                )
            ).encode()
        ).hexdigest()[:16]
        target = CACHE / key / f"{DATABASE}.sqlite"
        CACHE.mkdir(parents=True, exist_ok=True)
        with _locked(CACHE / f"{key}.lock"):
            if not target.exists():
                self._build(target)
        return target

    def _build(self, target: Path) -> None:
        work = Path(tempfile.mkdtemp(prefix="tryton-build-", dir=CACHE))
        try:
            (work / f"{DATABASE}.sqlite").touch()
            conf = _config(work)
            password = work / "password"
            password.write_text(ADMIN_PASSWORD, encoding="utf-8")
            env = {**os.environ, "TRYTONPASSFILE": str(password)}
            admin = [str(self.venv / "trytond-admin"), "-c", str(conf), "-d", DATABASE, "-u", *MODULES]
            _run([*admin, "--activate-dependencies", "--email", "admin@example.com"], env=env)
            _run([str(self.venv / "python"), str(SEED), str(conf), DATABASE], env=env, stdin=json.dumps(SPEC))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / f"{DATABASE}.sqlite", target.with_suffix(".tmp"))
            target.with_suffix(".tmp").rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # --- as a clerk would, over JSON-RPC ----------------------------------------------------------
    def _call(self, model: str, method: str, *args: Any) -> Any:
        assert self.rpc is not None
        return self.rpc.model(model, method, *args, context={"active_test": False})

    def add_item(self, sku: str, name: str, price: Decimal) -> None:
        """A salable goods product (its list price net of VAT), in stock in the warehouse."""
        unit = self._call("product.uom", "search", [("name", "=", "Unit")], 0, 1, None)[0]
        category = self._call("product.category", "search", [("name", "=", "Goods")], 0, 1, None)[0]
        values = {
            "name": name,
            "type": "goods",
            "salable": True,
            "default_uom": unit,
            "sale_uom": unit,
            "list_price": price,
            "account_category": category,
            "products": [["create", [{"suffix_code": sku}]]],
        }
        self._call("product.template", "create", [values])
        product = self._call("product.product", "search", [("suffix_code", "=", sku)], 0, 1, None)[0]
        storage = self._call(
            "stock.location", "search_read", [("code", "=", self.warehouse)], 0, 1, None, ["storage_location"]
        )[0]["storage_location"]
        line = {"product": product, "quantity": float(STOCK)}
        inventory = self._call(
            "stock.inventory", "create", [{"location": storage, "lines": [["create", [line]]]}]
        )
        self._call("stock.inventory", "confirm", inventory)

    def despatch(self, reference: str) -> None:
        sales = self._call(
            "sale.sale", "search_read", [("reference", "=", reference)], 0, None, None, ["shipments"]
        )
        shipments = [int(s) for sale in sales for s in sale["shipments"]]
        if not shipments:
            raise NeedsPerson(f"Tryton sale {reference} has no shipment to despatch")
        self._call("stock.shipment.out", "write", shipments, {"reference": "Royal Mail: RM000000001GB"})
        for step in ("assign_try", "pick", "pack", "do"):
            self._call("stock.shipment.out", step, shipments)

    def orders(self) -> list[ErpOrder]:
        fields = ["reference", "state", "untaxed_amount", "tax_amount", "total_amount"]
        rows = self._call("sale.sale", "search_read", [("reference", "!=", None)], 0, None, None, fields)
        return [
            ErpOrder(
                reference=str(r["reference"]),
                cancelled=r["state"] == "cancelled",
                net=Decimal(str(r["untaxed_amount"])),
                tax=Decimal(str(r["tax_amount"])),
                gross=Decimal(str(r["total_amount"])),
            )
            for r in rows
        ]

    def config(self) -> str:
        return f"""[erp.tryton]
url = "{self.url}"
database = "{DATABASE}"
username = "admin"
password = {{ env = "{ENV_TRYTON_PASSWORD}" }}
warehouse_code = "{self.warehouse}"
"""


def _config(directory: Path, port: int = 0) -> Path:
    conf = directory / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {directory}\n\n[web]\nlisten = 127.0.0.1:{port}\n",
        encoding="utf-8",
    )
    return conf


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder at a time (a test session may be building the same database)."""
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
