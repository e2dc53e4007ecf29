"""What each ERP needs to offer the shared contract suite.

NOTE (helper H, additive changes to this harness): every harness also provides
``count_credit_notes(order_reference) -> int`` (credit notes the ERP holds against the order carrying
that Shopify reference; the suite checks it is 1 after posting the same refund twice). The payout test
posts a journal on the nominal codes in ``STANDARD_NOMINALS`` (seed them, or accept any code). The
suite lives in ``test_contract*.py``; run one vendor with ``pytest tests/contract -k <vendor>``.

Every adapter under test comes with a harness: it starts the system behind the adapter (a sandbox in
this process or a real server), returns the adapter wired to it, and gives the suite the levers a
test needs that are not part of the ERP port (seed an item, record a despatch, inject a fault).
A new adapter joins the suite by adding ``harness_<vendor>.py`` beside this file with a
``make_harness()`` function; ``conftest.py`` discovers it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from shopbridge.ports.erp import ErpPort


class ErpHarness(Protocol):
    vendor: str

    def start(self) -> ErpPort:
        """Start (or reset) the ERP behind the adapter, seeded with the standard catalogue below."""
        ...

    def stop(self) -> None:
        """Stop everything ``start`` started."""
        ...

    # Levers on the ERP side (what a warehouse clerk or the product team would do in the ERP)
    def add_item(self, sku: str, *, price: Decimal = Decimal("10.00"), active: bool = True) -> None: ...

    def set_item_active(self, sku: str, active: bool) -> None: ...

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None: ...

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        """Give customer ``account`` a credit limit of ``limit`` in the ERP's currency."""
        ...

    def dispatch(self, reference: str, *, carrier: str, tracking: str) -> None:
        """Despatch every open line of the sales order carrying Shopify ``reference``."""
        ...

    def count_sales_orders(self, reference: str) -> int:
        """How many ERP sales orders carry ``reference`` (the suite checks this is never 2)."""
        ...

    def fail_next(self, status: int, times: int = 1) -> None:
        """Make the next ``times`` requests fail with HTTP ``status`` (or the vendor's equivalent)."""
        ...

    def count_credit_notes(self, order_reference: str) -> int:
        """How many credit notes reference the sales order carrying Shopify ``order_reference``."""
        ...


# The standard catalogue every harness seeds on start (SKU, description, unit price, free stock in
# the default warehouse). Tests rely on these being present and active.
STANDARD_ITEMS: tuple[tuple[str, str, Decimal, Decimal], ...] = (
    ("TSHIRT-RED-M", "T-shirt red M", Decimal("12.50"), Decimal(40)),
    ("TSHIRT-BLU-L", "T-shirt blue L", Decimal("12.50"), Decimal(25)),
    ("MUG-WHITE", "White mug", Decimal("8.00"), Decimal(100)),
    ("CAP-BLACK", "Black cap", Decimal("15.00"), Decimal(0)),
)
STANDARD_CUSTOMER_EMAIL = "existing@example.com"  # seeded as an ERP account on start

# Nominal (GL) codes the payout test posts to: the bank, the Shopify clearing account and fees.
STANDARD_NOMINALS: dict[str, str] = {"bank": "1200", "clearing": "1100", "fees": "7900"}
