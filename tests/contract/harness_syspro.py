"""The SYSPRO adapter against the SYSPRO sandbox (e.net REST shape, in this process)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from harness import STANDARD_CUSTOMER_EMAIL, STANDARD_ITEMS, STANDARD_NOMINALS
from lever_harness import LeverHarnessMixin

from shopbridge.config.erp import SysproSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.syspro import SysproAdapter
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.syspro import Credentials, SysproSandbox
from shopbridge.sandbox.syspro.app import Faults
from shopbridge.sandbox.syspro.state import SEED_BANKS, SEED_ITEMS

PASSWORD = "contract-secret"
CASH_BOOK = "SHOP"  # the sandbox's bank whose cash ledger is the suite's bank nominal


class SysproHarness(LeverHarnessMixin):
    vendor = "syspro"

    def __init__(self) -> None:
        self.sandbox = SysproSandbox(Credentials(operator_password=PASSWORD))
        self.adapter: SysproAdapter | None = None
        self._secrets = tempfile.TemporaryDirectory()

    def start(self) -> ErpPort:
        base_url = self.sandbox.start()
        self._check_seed()
        secret = Path(self._secrets.name) / "operator_password"
        secret.write_text(PASSWORD, encoding="utf-8")
        settings = SysproSettings(
            base_url=base_url,
            operator="SHOPBRIDGE",
            operator_password=SecretRef(file=str(secret)),
            company_id="EDU1",
            timeout_seconds=5,
            cash_book=CASH_BOOK,  # payouts: GENTJL first, ARSTPY where it is not licensed
        )
        self.adapter = SysproAdapter(settings)
        return self.adapter

    def _check_seed(self) -> None:
        """The sandbox seeds the standard catalogue itself; fail loudly if the two drift apart."""
        assert SEED_ITEMS == STANDARD_ITEMS, "sandbox/syspro/state.py SEED_ITEMS drifted from the suite"
        emails = {row["Email"] for row in self.sandbox.state.company.table("ArCustomer").values()}
        assert STANDARD_CUSTOMER_EMAIL in emails
        ledgers = {bank: ledger for bank, _name, _currency, ledger in SEED_BANKS}
        assert ledgers[CASH_BOOK] == STANDARD_NOMINALS["bank"], "the SYSPRO sandbox's cash book drifted"

    def stop(self) -> None:
        self.sandbox.state.faults = Faults()  # so the logoff is not failed on purpose
        try:
            if self.adapter is not None:
                self.adapter.client.close()
        finally:
            self.sandbox.stop()
            self._secrets.cleanup()

    def count_sales_orders(self, reference: str) -> int:
        with self.sandbox.state.company.lock:
            return len(self.sandbox.state.company.orders_with_po(reference))

    def count_credit_notes(self, order_reference: str) -> int:
        """Credit notes (SorMaster documents of type C) naming the order or crediting its invoice."""
        with self.sandbox.state.company.lock:
            return len(self.sandbox.state.company.credit_notes_for(order_reference))


def make_harness() -> SysproHarness:
    return SysproHarness()
