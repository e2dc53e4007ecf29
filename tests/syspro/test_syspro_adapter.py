"""The SYSPRO adapter against the SYSPRO sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from shopbridge.config.erp import SysproSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.syspro import SysproAdapter
from shopbridge.domain.money import Money
from shopbridge.domain.records import JournalEntry, JournalLine, SalesOrderLine, SalesOrderRequest
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, UnsupportedOperation
from shopbridge.ports.erp import Capability, CreditLimitExceeded
from shopbridge.sandbox.syspro import SysproSandbox


def _order(
    reference: str, account: str = "C00001", sku: str = "MUG-WHITE", qty: int = 1
) -> SalesOrderRequest:
    line = SalesOrderLine(sku, qty, Money.of("8.00", "GBP"), Money.of("1.60", "GBP"))
    return SalesOrderRequest(reference, account, "GBP", date(2026, 11, 22), (line,))


def _payout(reference: str) -> JournalEntry:
    lines = (
        JournalLine("1200", "bank", debit=Money.of("10", "GBP")),
        JournalLine("1100", "clearing", credit=Money.of("10", "GBP")),
    )
    return JournalEntry(reference, date(2026, 11, 20), "GBP", lines)


def test_an_evicted_session_is_replaced_by_one_new_logon(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    adapter.get_items(["MUG-WHITE"])
    sandbox.levers.apply("evict_session", {})
    assert set(adapter.get_items(["MUG-WHITE"])) == {"MUG-WHITE"}
    assert sandbox.state.logons == 2


def test_a_person_logging_on_as_the_same_operator_does_not_break_the_integration(
    adapter: SysproAdapter, settings: SysproSettings
) -> None:
    adapter.get_items(["MUG-WHITE"])
    person = SysproAdapter(settings)
    try:
        person.get_items(["MUG-WHITE"])  # evicts the integration's session
        assert adapter.create_sales_order(_order("#E1")).existed is False
        assert person.find_sales_order("#E1") is not None  # and the integration evicted the person's
    finally:
        person.client.close()


def test_an_unlicensed_sortoi_is_a_configuration_problem_naming_the_object(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    sandbox.levers.apply("faults", {"unlicense": ["SORTOI"]})
    with pytest.raises(ConfigurationError) as caught:
        adapter.create_sales_order(_order("#E2"))
    assert "SORTOI" in str(caught.value) and "license" in caught.value.fix


def test_an_unlicensed_journal_turns_the_capability_off_at_check(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    assert Capability.JOURNAL in adapter.check().capabilities
    sandbox.levers.apply("faults", {"unlicense": ["GENTJL"]})
    health = adapter.check()
    assert Capability.JOURNAL not in health.capabilities and "GENTJL" in health.detail
    with pytest.raises(UnsupportedOperation):
        adapter.post_payout(_payout("PAYOUT-1"))


def test_an_unlicensed_journal_found_while_posting_raises_and_turns_journals_off(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    sandbox.levers.apply("faults", {"unlicense": ["GENTJL"]})
    with pytest.raises(ConfigurationError):
        adapter.post_payout(_payout("PAYOUT-2"))
    assert Capability.JOURNAL not in adapter.capabilities


def test_a_hung_call_times_out_as_retry_later(adapter: SysproAdapter, sandbox: SysproSandbox) -> None:
    adapter.get_items(["MUG-WHITE"])
    sandbox.levers.apply("faults", {"hangs": 1, "hang_seconds": 3})
    with pytest.raises(RetryLater, match="in time"):
        adapter.get_items(["MUG-WHITE"])


def test_syspros_validation_text_reaches_the_person(adapter: SysproAdapter, sandbox: SysproSandbox) -> None:
    with pytest.raises(NeedsPerson, match="Customer 'NOBODY' not on file"):
        adapter.create_sales_order(_order("#E4", account="NOBODY"))
    sandbox.levers.apply("set_item_active", {"sku": "MUG-WHITE", "active": False})
    with pytest.raises(NeedsPerson, match="Stock code 'MUG-WHITE' is on hold"):
        adapter.create_sales_order(_order("#E5"))


def test_a_despatched_order_cannot_be_amended_and_syspro_says_why(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    adapter.create_sales_order(_order("#E6"))
    sandbox.levers.apply("despatch", {"reference": "#E6", "carrier": "DPD", "tracking": "T1"})
    with pytest.raises(NeedsPerson, match="cannot be changed"):
        adapter.amend_sales_order(_order("#E6", qty=3))


def test_a_despatch_of_several_parcels_is_one_dispatch_with_every_tracking_number(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    adapter.create_sales_order(_order("#E7"))
    parcels = ["JD0001", "JD0002", "JD0003"]
    sandbox.levers.apply("despatch", {"reference": "#E7", "carrier": "DPD", "tracking": parcels})
    dispatches = [d for d in adapter.dispatches_since(None).items if d.order_reference == "#E7"]
    assert [(d.carrier, d.tracking_numbers) for d in dispatches] == [("DPD", tuple(parcels))]


@pytest.mark.parametrize(
    ("sku", "echoed"),
    [("MUG-WHITE", False), ("CAP-BLACK", True)],  # CAP-BLACK has no free stock: a back-order warning
)
def test_the_order_number_is_read_when_echoed_and_looked_up_when_not(
    adapter: SysproAdapter, sandbox: SysproSandbox, monkeypatch: pytest.MonkeyPatch, sku: str, echoed: bool
) -> None:
    lookups: list[str] = []
    query = adapter.client.query

    def counting(business_object: str, xml_in: str) -> object:
        if business_object == "COMFND" and "SorMaster" in xml_in:
            lookups.append(xml_in)
        return query(business_object, xml_in)

    monkeypatch.setattr(adapter.client, "query", counting)
    posted = adapter.create_sales_order(_order(f"#E9-{sku}", sku=sku))
    assert len(lookups) == (1 if echoed else 2)  # the dedup lookup, plus one when SYSPRO echoed no number
    found = adapter.find_sales_order(f"#E9-{sku}")
    assert found is not None and posted.erp_id == found.erp_id and posted.existed is False
    assert sandbox.state.company.table("SorMaster")[posted.erp_id]["CustomerPoNumber"] == f"#E9-{sku}"


def test_an_amend_cancels_the_old_lines_and_a_cancel_releases_the_allocated_stock(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    stock = sandbox.state.company.table("InvWarehouse")
    adapter.create_sales_order(_order("#E10", qty=5))
    adapter.amend_sales_order(_order("#E10", sku="TSHIRT-RED-M", qty=2))
    assert (stock["MUG-WHITE|FG"]["QtyAllocated"], stock["TSHIRT-RED-M|FG"]["QtyAllocated"]) == ("0", "2")
    adapter.cancel_sales_order("#E10")
    assert stock["TSHIRT-RED-M|FG"]["QtyAllocated"] == "0"


def test_open_orders_count_against_the_credit_limit(adapter: SysproAdapter) -> None:
    adapter.check_credit("C00002", Money.of("400", "GBP"))
    adapter.create_sales_order(_order("#E7", account="C00002", qty=50))  # 400.00 on order
    with pytest.raises(CreditLimitExceeded):
        adapter.check_credit("C00002", Money.of("200", "GBP"))


def test_a_wrong_operator_password_is_a_configuration_problem(
    settings: SysproSettings, tmp_path: object
) -> None:
    from pathlib import Path

    wrong = Path(str(tmp_path)) / "wrong"
    wrong.write_text("not-it", encoding="utf-8")
    adapter = SysproAdapter(settings.model_copy(update={"operator_password": SecretRef(file=str(wrong))}))
    try:
        health = adapter.check()
        assert (health.reachable, health.authenticated) == (True, False)
        assert "Invalid operator" in health.detail
    finally:
        adapter.client.close()


@pytest.mark.parametrize(
    ("xml_in", "words"),
    [
        ("<Query><TableName>InvMaster", "not well formed"),
        ('<!DOCTYPE q [<!ENTITY a "b">]><Query>&a;</Query>', "DTD or entities"),
        ("", "empty"),
    ],
)
def test_the_sandbox_answers_bad_xml_in_as_syspro_does(
    sandbox: SysproSandbox, xml_in: str, words: str
) -> None:
    base = sandbox.base_url
    with httpx.Client() as http:
        logon = {"Operator": "SHOPBRIDGE", "OperatorPassword": "s3cret-operator", "CompanyId": "EDU1"}
        user_id = http.get(f"{base}/Logon", params=logon).json()  # a JSON string, as e.net sends it
        answer = http.get(
            f"{base}/Query/Query", params={"UserId": user_id, "BusinessObject": "COMFND", "XmlIn": xml_in}
        )
    assert answer.status_code == 200
    assert answer.text.startswith("ERROR") and words in answer.text


def test_levers_work_over_http_for_people_with_curl(sandbox: SysproSandbox, adapter: SysproAdapter) -> None:
    with httpx.Client() as http:
        added = http.post(f"{sandbox.base_url}/_sandbox/add_item", json={"sku": "CURL-1", "price": "2.50"})
        unknown = http.post(f"{sandbox.base_url}/_sandbox/no_such_lever", json={})
    assert (
        added.json() == {"ok": True} and unknown.status_code == 400 and "levers:" in unknown.json()["error"]
    )
    item = adapter.get_items(["CURL-1"])["CURL-1"]
    assert item.unit_price == Money.of("2.50", "GBP")


def test_the_erp_factory_builds_the_syspro_adapter_from_settings(settings: SysproSettings) -> None:
    from shopbridge.config.erp import ErpSettings
    from shopbridge.connectors.erp import build_erp
    from shopbridge.ports.erp import ErpPort

    port = build_erp(ErpSettings(vendor="syspro", syspro=settings))
    try:
        assert isinstance(port, ErpPort) and port.check().authenticated
    finally:
        assert isinstance(port, SysproAdapter)
        port.client.close()
