"""A Sage 200 price band's customers: the accounts whose ``price_band_id`` is the band (the standard
band, every account's default, names none)."""

from __future__ import annotations

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.sandbox.sage200 import Sage200Sandbox

SEEDED = "EXIST01"


def _bands(adapter: Sage200Adapter) -> dict[str, tuple[str, ...]]:
    return {pl.code: pl.customer_accounts for pl in adapter.price_lists()}


def test_a_customer_on_the_trade_band_is_one_of_its_customers(
    sandbox: Sage200Sandbox, adapter: Sage200Adapter
) -> None:
    assert _bands(adapter)["TRADE"] == ()
    state = sandbox.state
    with state.lock:
        customer = state.first("customers", reference=SEEDED)
        band = state.first("price_bands", name="TRADE")
        assert customer is not None and band is not None
        customer["price_band_id"] = band["id"]
    assert _bands(adapter)["TRADE"] == (SEEDED,)


def test_the_standard_band_names_no_customers_though_every_account_is_on_it(
    sandbox: Sage200Sandbox, adapter: Sage200Adapter
) -> None:
    standard = [pl for pl in adapter.price_lists() if pl.name == "Standard selling prices"]
    assert len(standard) == 1 and standard[0].customer_accounts == ()
    rows = adapter.client.get_all("/customer_views", {"$select": "reference,price_band_id"})
    assert rows and all(row.get("price_band_id") is not None for row in rows)
