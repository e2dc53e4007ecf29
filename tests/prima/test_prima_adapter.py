"""The Prima adapter against the Prima sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopbridge.config.erp import PrimaSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.prima import PrimaAdapter
from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.connectors.erp.prima.errors import PrimaRejected
from shopbridge.domain.money import Money
from shopbridge.domain.records import CreditNote, CreditNoteLine, Customer, SalesOrderLine, SalesOrderRequest
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater
from shopbridge.ports.erp import CreditLimitExceeded
from shopbridge.sandbox.prima import Login, PrimaSandbox


def _order(
    reference: str, account: str = "CUST001", sku: str = "MUG-WHITE", qty: int = 1
) -> SalesOrderRequest:
    line = SalesOrderLine(sku, qty, Money.of("8.00", "GBP"), Money.of("1.60", "GBP"))
    return SalesOrderRequest(reference, account, "GBP", date(2026, 11, 22), (line,))


def test_wsomhandler_is_used_when_no_company_is_set(settings: PrimaSettings) -> None:
    adapter = PrimaAdapter(settings.model_copy(update={"company_id": None}))
    try:
        assert adapter.client.operation == "wsomhandler"
        assert adapter.check().authenticated
    finally:
        adapter.client.close()


def test_an_unknown_company_is_refused_by_comwsomhandler(settings: PrimaSettings) -> None:
    adapter = PrimaAdapter(settings.model_copy(update={"company_id": "99"}))
    try:
        with pytest.raises(NeedsPerson, match="unknown company id '99'"):
            adapter.get_items(["MUG-WHITE"])
    finally:
        adapter.client.close()


def test_without_credentials_no_authorization_is_sent_to_a_prima_that_asks_none() -> None:
    open_prima = PrimaSandbox(Login(username=None))
    open_prima.start()
    adapter = PrimaAdapter(PrimaSettings(base_url=open_prima.service_url))
    try:
        assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].sku == "MUG-WHITE"
    finally:
        adapter.client.close()
        open_prima.stop()


def test_without_credentials_a_prima_that_asks_for_them_is_a_configuration_problem(
    sandbox: PrimaSandbox,
) -> None:
    adapter = PrimaAdapter(PrimaSettings(base_url=sandbox.service_url))
    try:
        with pytest.raises(ConfigurationError, match="credentials"):
            adapter.get_items(["MUG-WHITE"])
    finally:
        adapter.client.close()


def test_a_username_without_a_password_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match=r"erp\.prima\.username and erp\.prima\.password together"):
        PrimaSettings(base_url="http://prima-host:8080/wsa/wsa1", username="shopbridge")


def test_a_wrong_password_is_a_configuration_problem(settings: PrimaSettings, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-it", encoding="utf-8")
    adapter = PrimaAdapter(settings.model_copy(update={"password": SecretRef(file=str(wrong))}))
    try:
        health = adapter.check()
        assert (health.reachable, health.authenticated) == (True, False)
        with pytest.raises(ConfigurationError, match="credentials"):
            adapter.get_items(["MUG-WHITE"])
    finally:
        adapter.client.close()


def test_a_server_fault_is_retried_later_then_succeeds(adapter: PrimaAdapter, sandbox: PrimaSandbox) -> None:
    sandbox.levers.apply("faults", {"server_faults": 1})
    with pytest.raises(RetryLater, match="Prima database is busy"):
        adapter.get_items(["MUG-WHITE"])
    assert set(adapter.get_items(["MUG-WHITE"])) == {"MUG-WHITE"}


def test_a_hung_call_times_out_as_retry_later(adapter: PrimaAdapter, sandbox: PrimaSandbox) -> None:
    sandbox.levers.apply("faults", {"hangs": 1, "hang_seconds": 3})
    with pytest.raises(RetryLater, match="in time"):
        adapter.get_items(["MUG-WHITE"])


def test_primas_own_words_reach_the_person(adapter: PrimaAdapter, sandbox: PrimaSandbox) -> None:
    with pytest.raises(PrimaRejected, match="Customer 'NOBODY' not found"):
        adapter.create_sales_order(_order("#P1", account="NOBODY"))
    sandbox.levers.apply("set_item_active", {"sku": "MUG-WHITE", "active": False})
    with pytest.raises(NeedsPerson, match="Product 'MUG-WHITE' is discontinued"):
        adapter.create_sales_order(_order("#P2"))


def test_a_despatched_order_cannot_be_amended_or_cancelled(
    adapter: PrimaAdapter, sandbox: PrimaSandbox
) -> None:
    adapter.create_sales_order(_order("#P3"))
    sandbox.levers.apply("despatch", {"reference": "#P3", "carrier": "DPD", "tracking": "T1"})
    with pytest.raises(PrimaRejected, match="despatched and cannot be amended"):
        adapter.amend_sales_order(_order("#P3", qty=2))
    with pytest.raises(PrimaRejected, match="cannot be cancelled"):
        adapter.cancel_sales_order("#P3")


def test_a_restocking_credit_puts_the_stock_back(adapter: PrimaAdapter, sandbox: PrimaSandbox) -> None:
    adapter.create_sales_order(_order("#P4", qty=2))
    sandbox.levers.apply("despatch", {"reference": "#P4", "carrier": "DPD", "tracking": "T2"})
    line = CreditNoteLine("MUG-WHITE", 1, Money.of("8.00", "GBP"), Money.of("1.60", "GBP"), restock=True)
    posted = adapter.create_credit_note(CreditNote("gid://shopify/Refund/1", "#P4", "GBP", (line,)))
    assert posted.erp_id.startswith("CN")
    assert sandbox.state.company.stock[("MUG-WHITE", "MAIN")].on_hand == Decimal(99)


def test_open_orders_count_against_the_credit_limit(adapter: PrimaAdapter) -> None:
    adapter.check_credit("TRADE01", Money.of("400", "GBP"))
    adapter.create_sales_order(_order("#P5", account="TRADE01", qty=50))
    with pytest.raises(CreditLimitExceeded):
        adapter.check_credit("TRADE01", Money.of("200", "GBP"))


def test_a_lost_race_on_the_reference_returns_the_order_that_won(
    adapter: PrimaAdapter, sandbox: PrimaSandbox
) -> None:
    adapter.create_sales_order(_order("#P6"))
    real_find = adapter.find_sales_order
    calls: list[str] = []

    def find_blind_once(reference: str) -> object:
        calls.append(reference)
        return None if len(calls) == 1 else real_find(reference)  # the first look-up raced the other worker

    adapter.find_sales_order = find_blind_once  # type: ignore[method-assign,assignment]
    posted = adapter.create_sales_order(_order("#P6"))
    assert posted.existed and sum(o.reference == "#P6" for o in sandbox.state.company.orders.values()) == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<soap:Envelope", "not well-formed"),
        ('<!DOCTYPE e [<!ENTITY x "y">]><e>&x;</e>', "DTD or entities"),
        (
            '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>',
            "carries no wsomhandler",
        ),
    ],
)
def test_the_sandbox_answers_broken_envelopes_with_a_soap_fault(
    sandbox: PrimaSandbox, body: str, words: str
) -> None:
    answer = httpx.post(sandbox.service_url, content=body, auth=("shopbridge", "prima-s3cret"))
    assert answer.status_code == 500
    assert "SOAP-ENV:Client" in answer.text and "<errorMessage>" in answer.text and words in answer.text


def test_an_unknown_request_type_is_an_error_response(adapter: PrimaAdapter) -> None:
    with pytest.raises(PrimaRejected, match="Unknown request type 'Teleport'"):
        adapter.client.call('<Request RequestType="Teleport"><Data/></Request>')


def test_the_erp_factory_builds_the_prima_adapter_from_settings(settings: PrimaSettings) -> None:
    from shopbridge.config.erp import ErpSettings
    from shopbridge.connectors.erp import build_erp
    from shopbridge.ports.erp import ErpPort

    port = build_erp(ErpSettings(vendor="prima", prima=settings))
    try:
        assert isinstance(port, ErpPort) and port.check().authenticated
    finally:
        assert isinstance(port, PrimaAdapter)
        port.client.close()


def test_available_to_sell_reads_primas_own_stock_calls(adapter: PrimaAdapter, sandbox: PrimaSandbox) -> None:
    sandbox.levers.apply("set_stock", {"sku": "CAP-BLACK", "warehouse": "MAIN", "free": 6})
    listed = adapter.available_to_sell(["CAP-BLACK", "MUG-WHITE"])
    everything = adapter.available_to_sell()
    assert [(s.sku, s.free) for s in listed] == [("CAP-BLACK", Decimal(6)), ("MUG-WHITE", Decimal(100))]
    assert {s.sku for s in everything} == {"CAP-BLACK", "MUG-WHITE", "TSHIRT-BLU-L", "TSHIRT-RED-M"}


def test_an_order_prima_already_holds_is_found_after_e21_even_when_the_first_look_missed(
    adapter: PrimaAdapter, sandbox: PrimaSandbox
) -> None:
    first = adapter.create_sales_order(_order("#P7"))
    assert first.erp_id == "SBP7"
    blind = adapter.find_sales_order
    adapter.find_sales_order = lambda reference: None  # type: ignore[method-assign]
    with pytest.raises(PrimaRejected) as caught:
        adapter.create_sales_order(_order("#P7"))
    assert "E:21" in caught.value.codes  # with every look-up blind, Prima's own refusal still stops it
    adapter.find_sales_order = blind  # type: ignore[method-assign]
    assert sum(o.reference == "#P7" for o in sandbox.state.company.orders.values()) == 1


def test_with_a_carriage_product_shipping_is_a_line_that_keeps_its_vat(
    settings: PrimaSettings, sandbox: PrimaSandbox
) -> None:
    sandbox.levers.apply("add_item", {"sku": "CARRIAGE", "description": "Carriage", "price": "0"})
    adapter = PrimaAdapter(settings.model_copy(update={"carriage_product": "CARRIAGE"}))
    shipping, vat = Money.of("3.29", "GBP"), Money.of("0.66", "GBP")
    try:
        adapter.create_sales_order(replace(_order("#CARRY-1"), shipping=shipping, shipping_tax=vat))
    finally:
        adapter.client.close()
    order = sandbox.state.company.order_by_ref("#CARRY-1")
    assert order is not None and order.charges == 0  # no charge: a charge would drop the VAT
    carriage = [(ln.product, ln.quantity, ln.price, ln.tax) for ln in order.lines if ln.product == "CARRIAGE"]
    assert carriage == [("CARRIAGE", 1, Decimal("3.29"), Decimal("0.66"))]


def test_a_customer_created_by_another_worker_meanwhile_is_the_account_found(
    adapter: PrimaAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = Customer(email="racing@example.com", first_name="Ray")
    created_by_the_other_worker = adapter.find_or_create_customer(customer).account
    # Our enquiry by email ran before the other worker's create: it finds nothing, then our create
    # meets Prima's "already exists".
    enquiry = rq.customer_enquiry
    monkeypatch.setattr(rq, "customer_enquiry", lambda email: enquiry("nobody@example.com"))
    match = adapter.find_or_create_customer(customer)
    assert (match.account, match.created) == (created_by_the_other_worker, False)


# --- exact or not at all: shipping-only and appeasement credits ----------------------------------
def _gbp(value: str) -> Money:
    return Money.of(value, "GBP")


def _shipping_only(refund: str, order: str) -> CreditNote:
    return CreditNote(refund, order, "GBP", (), shipping=_gbp("4.00"), shipping_tax=_gbp("0.80"))


def _appeasement(refund: str, order: str) -> CreditNote:
    return CreditNote(refund, order, "GBP", (), adjustment=_gbp("5.00"))


def test_with_a_carriage_product_a_shipping_only_credit_is_a_carriage_line_with_its_vat(
    settings: PrimaSettings, sandbox: PrimaSandbox
) -> None:
    adapter = PrimaAdapter(settings.model_copy(update={"carriage_product": "CARRIAGE"}))
    try:
        adapter.create_sales_order(_order("#CARRY-2"))
        note = _shipping_only("gid://shopify/Refund/21", "#CARRY-2")
        assert adapter.credit_note_gap(note) == ""
        posted = adapter.create_credit_note(note)
    finally:
        adapter.client.close()
    assert sandbox.state.company.credit_values[posted.erp_id] == [
        ("CARRIAGE", Decimal("4.00"), Decimal("0.80"))
    ]


@pytest.mark.parametrize(
    ("make", "gap"),
    [(_shipping_only, "Carriage carries no tax"), (_appeasement, "no adjustment")],
)
def test_a_credit_prima_cannot_carry_exactly_is_refused_to_finance_and_nothing_is_created(
    adapter: PrimaAdapter, sandbox: PrimaSandbox, make: Any, gap: str
) -> None:
    adapter.create_sales_order(_order("#P20"))
    note = make("gid://shopify/Refund/22", "#P20")
    assert gap in adapter.credit_note_gap(note)
    with pytest.raises(NeedsPerson, match=r"cannot credit refund .* exactly") as refused:
        adapter.create_credit_note(note)
    assert (refused.value.kind.value, refused.value.team.value) == ("credit_note_manual", "finance")
    assert sandbox.state.company.credit_values == {}


def test_even_with_a_carriage_product_an_appeasement_has_no_place_in_a_prima_credit(
    settings: PrimaSettings,
) -> None:
    adapter = PrimaAdapter(settings.model_copy(update={"carriage_product": "CARRIAGE"}))
    try:
        assert "no adjustment" in adapter.credit_note_gap(_appeasement("gid://shopify/Refund/23", "#P21"))
    finally:
        adapter.client.close()
