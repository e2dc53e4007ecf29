"""The order trail links the ERP's sales order where the ERP has an address for it: Tryton's web
client by default, any ERP through ``[erp] document_url_template``, and no link otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from cli.live_server import serve
from cli.signing import add_user, signed_in_client
from shopbridge.bootstrap import build_services
from shopbridge.config import parse_settings
from shopbridge.config.erp import ErpSettings
from shopbridge.connectors.erp.tryton import build
from shopbridge.domain.access import Role
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import order_syncs
from shopbridge.engine.store import Store
from shopbridge.ports.erp import DOCUMENT_CREDIT_NOTE, DOCUMENT_SALES_ORDER, document_url
from shopbridge.web.app import create_app

ORDER_ID = "gid://shopify/Order/5550007"
SECRET = {"env": "T_TRAIL_SECRET"}
TRYTON = {
    "vendor": "tryton",
    "tryton": {"url": "http://127.0.0.1:8000/", "database": "shop db", "password": SECRET},
}
SYSPRO = {
    "vendor": "syspro",
    "syspro": {
        "base_url": "http://erp:20080",
        "operator": "op",
        "operator_password": SECRET,
        "company_id": "A",
    },
}


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_TRAIL_SECRET", "not-a-real-secret-1234")


def trail_page(store: Store, clock: FakeClock, erp: dict[str, Any]) -> tuple[str, str]:
    """Order #1007, posted as ERP id 42 (SO 42): its trail page, and the ERP link the API gives."""
    shop = {"name": "uk", "domain": "uk.myshopify.com", "access_token": SECRET, "webhook_secrets": [SECRET]}
    services = build_services(parse_settings({"shops": [shop], "erp": erp}), store=store, clock=clock)
    add_user(services, "vera", Role.VIEWER)
    with store.begin() as conn:
        conn.execute(
            order_syncs.insert().values(
                shop="uk",
                order_id=ORDER_ID,
                name="#1007",
                status="posted",
                erp_id="42",
                erp_number="SO 42",
                missing_skus=[],
                posted_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    with serve(create_app(services)) as base, signed_in_client(base, "vera") as client:
        page = client.get("/orders", params={"q": "#1007"}).text
        events = client.get("/api/orders", params={"q": "#1007"}).json()["events"]
    return page, next(e["link"] for e in events if e["side"] == "erp")


def erp_link(page: str) -> str:
    anchor = page.split('class="erp-document"')[0].rsplit("<a ", 1)[1] if "erp-document" in page else ""
    return anchor.split('href="')[1].split('"')[0] if anchor else ""


def test_a_tryton_sales_order_links_to_tryton_s_web_client(
    sqlite_store: Store, fake_clock: FakeClock
) -> None:
    page, api_link = trail_page(sqlite_store, fake_clock, TRYTON)
    assert erp_link(page) == "http://127.0.0.1:8000/#shop%20db/model/sale.sale/42" == api_link
    assert 'href="https://uk.myshopify.com/admin/orders/5550007"' in page  # Shopify's admin, as before


def test_tryton_s_web_client_may_live_elsewhere(sqlite_store: Store, fake_clock: FakeClock) -> None:
    elsewhere = {**TRYTON, "tryton": {**TRYTON["tryton"], "web_url": "https://erp.example.com/sao/"}}
    page, _ = trail_page(sqlite_store, fake_clock, elsewhere)
    assert erp_link(page) == "https://erp.example.com/sao/#shop%20db/model/sale.sale/42"


def test_a_configured_template_links_any_erp(sqlite_store: Store, fake_clock: FakeClock) -> None:
    templated = {
        **SYSPRO,
        "document_url_template": "https://portal.example.com/{kind}?id={erp_id}&n={number}",
    }
    page, api_link = trail_page(sqlite_store, fake_clock, templated)
    expected = "https://portal.example.com/sales_order?id=42&n=SO%2042"
    assert api_link == expected and erp_link(page) == expected.replace("&", "&amp;")


def test_an_erp_without_an_address_gets_no_link(sqlite_store: Store, fake_clock: FakeClock) -> None:
    page, api_link = trail_page(sqlite_store, fake_clock, SYSPRO)
    assert "sales order SO 42" in page and erp_link(page) == "" and api_link == ""


def test_the_port_s_default_is_no_link_and_tryton_links_its_own_kinds() -> None:
    settings = ErpSettings.model_validate(TRYTON)
    assert settings.tryton is not None
    tryton = build(settings.tryton)
    try:
        assert document_url(tryton, DOCUMENT_CREDIT_NOTE, "7") == (
            "http://127.0.0.1:8000/#shop%20db/model/account.invoice/7"
        )
        assert document_url(tryton, "nonsense", "7") is None
        assert document_url(tryton, DOCUMENT_SALES_ORDER, "SO7") is None  # an id, never a number
        assert document_url(object(), DOCUMENT_SALES_ORDER, "7") is None
    finally:
        tryton.close()


def test_a_template_with_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="document_url_template"):
        ErpSettings.model_validate({**SYSPRO, "document_url_template": "https://x/{order}"})
