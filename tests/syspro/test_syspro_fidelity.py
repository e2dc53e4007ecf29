"""The SYSPRO adapter and sandbox against the public evidence of SYSPRO's real wire format.

The fixtures in ``tests/fixtures/syspro`` are written in our own words from the element names and
structure the public sources show (``SOURCES.md`` names the source of each fact). Three kinds of
check, each able to fail on a single renamed or moved element:
- the adapter's XmlIn equals the evidence-shaped document element by element, in order;
- the sandbox accepts each evidence-shaped XmlIn and answers with the evidence's element paths;
- the adapter reads each evidence-shaped XmlOut; and every fixture keeps the schema's element order.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from syspro_evidence import FIXTURES, SCHEMA_ORDER, flatten, gbp, in_schema_order, load, nodes, paths

from shopbridge.connectors.erp.syspro import xmlmap as xm
from shopbridge.connectors.erp.syspro import xmlorders as xo
from shopbridge.connectors.erp.syspro import xmlstock as xs
from shopbridge.connectors.erp.syspro.errors import error_from_body, unwrap
from shopbridge.domain.records import (
    Address,
    JournalEntry,
    JournalLine,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
)
from shopbridge.errors import ConfigurationError
from shopbridge.sandbox.syspro import SysproSandbox

PASSWORD = "s3cret-operator"  # the sandbox fixture's operator password (conftest.py)


def _add_request() -> SalesOrderRequest:
    """The order the evidence-shaped ``sortoi-add-doc.xml`` describes."""
    address = Address(
        line1="14 Canal Wharf",
        line2="Unit 3",
        city="Leeds",
        region="West Yorkshire",
        postcode="LS11 5PS",
        country_code="GB",
    )
    return SalesOrderRequest(
        "#SB-2001",
        "C00001",
        "GBP",
        date(2026, 11, 20),
        (SalesOrderLine("MUG-WHITE", 2, gbp("8.00"), gbp("3.20"), tax_code="A"),),
        shipping=gbp("3.95"),
        shipping_method="DPD",
        delivery_address=address,
    )


def _change_request() -> SalesOrderRequest:
    line = SalesOrderLine("TSHIRT-RED-M", 1, gbp("12.50"), gbp("2.50"))
    return SalesOrderRequest("#SB-2001", "C00001", "GBP", date(2026, 11, 20), (line,))


def _payout() -> JournalEntry:
    lines = (
        JournalLine("1200", "bank", debit=gbp("96.10")),
        JournalLine("7900", "fees", debit=gbp("3.90")),
        JournalLine("1100", "clearing", credit=gbp("100.00")),
    )
    return JournalEntry("PAYOUT-88001", date(2026, 11, 21), "GBP", lines, narrative="Shopify payout 88001")


# --- the adapter's XmlIn is the evidence's document ----------------------------------------------
@pytest.mark.parametrize(
    ("fixture", "built"),
    [
        ("sortoi-params.xml", xo.sortoi_parameters),
        ("sortoi-add-doc.xml", lambda: xo.sortoi_xml(_add_request(), warehouse="FG")),
        (
            "sortoi-change-doc.xml",
            lambda: xo.sortoi_xml(
                _change_request(),
                warehouse="FG",
                action="C",
                sales_order="000001",
                replace=[("StockLine", "1")],
            ),
        ),
        ("sortoi-cancel-doc.xml", lambda: xo.sortoi_cancel_xml("#SB-2001", "000001")),
        ("gentjl-params.xml", xm.gentjl_parameters),
        ("arsqry-query.xml", lambda: xm.arsqry_xml("C00002")),
        ("gentjl-doc.xml", lambda: xm.gentjl_xml(_payout())),
        ("invqry-query.xml", lambda: xs.invqry_xml("MUG-WHITE", ["FG"])),
        ("sorqry-query.xml", lambda: xo.sorqry_xml("000001")),
        (
            "comfnd-query.xml",
            lambda: xm.find_xml(
                "InvMaster",
                ("StockCode", "Description"),
                xm.any_of("StockCode", ["MUG-WHITE", "CAP-BLACK"]),
                rows=10,
                order_by="StockCode",
            ),
        ),
    ],
)
def test_the_adapters_xml_in_is_the_evidence_shaped_document(fixture: str, built: object) -> None:
    assert callable(built)
    assert flatten(fromstring(built())) == flatten(load(fixture))


# --- every fixture keeps the schema's element order ------------------------------------------------
@pytest.mark.parametrize(
    ("fixture", "prefix"),
    [
        ("sortoi-params.xml", ""),
        ("sortoi-add-doc.xml", ""),
        ("sortoi-change-doc.xml", ""),
        ("sortoi-cancel-doc.xml", ""),
        ("sortoi-out-warned.xml", ""),
        ("sortoi-out-clean.xml", ""),
        ("invqry-query.xml", "INVQRY:"),
        ("invqry-out.xml", ""),
        ("sorqry-query.xml", "SORQRY:"),
        ("comfnd-query.xml", "COMFND:"),
        ("gentjl-params.xml", ""),
        ("gentjl-doc.xml", ""),
        ("gentjl-out.xml", ""),
        ("arsqry-query.xml", "ARSQRY:"),
        ("arsqry-out.xml", ""),
    ],
)
def test_each_fixture_keeps_the_schemas_element_order(fixture: str, prefix: str) -> None:
    checked = 0
    for path, node in nodes(load(fixture)):
        order = SCHEMA_ORDER.get(prefix + path)
        if order is not None:
            assert in_schema_order([child.tag for child in node], order), f"{fixture}: {path}"
            checked += 1
    assert checked, f"{fixture} has no element whose schema order is recorded"


def test_the_path_comparison_catches_a_renamed_element() -> None:
    evidence = load("invqry-out.xml")
    renamed = load("invqry-out.xml")
    node = renamed.find("WarehouseItem/AvailableQty")
    assert node is not None
    node.tag = "QtyAvailable"  # the name a guess would use
    assert paths(renamed) != paths(evidence)


# --- the adapter reads the evidence's XmlOut -----------------------------------------------------
def test_a_clean_import_echoes_no_order_and_a_warned_one_echoes_its_number() -> None:
    assert xo.sortoi_result(load("sortoi-out-clean.xml")) is None
    assert xo.sortoi_result(load("sortoi-out-warned.xml")) == "000002"


def test_free_stock_is_the_warehouse_items_available_quantity() -> None:
    level = xs.stock_by_warehouse(load("invqry-out.xml"), "MUG-WHITE")["FG"]
    assert (level.free, level.on_hand, level.allocated) == (Decimal(94), Decimal(100), Decimal(6))


def test_a_sales_order_query_is_read_from_its_flat_header_and_merchandise_lines() -> None:
    root = load("sorqry-out.xml")
    order = xo.order_from_sorqry(root, "GBP")
    assert (order.erp_id, order.reference, order.status) == ("000001", "#SB-2001", SalesOrderStatus.OPEN)
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == [("MUG-WHITE", 2, gbp("8.00"))]
    assert xo.existing_lines(root) == [("StockLine", "1"), ("FreightLine", "2")]


def test_a_journal_is_known_by_year_period_and_journal_number() -> None:
    assert xm.journal_number(load("gentjl-out.xml")) == "2026-11-4"


def test_credit_exposure_is_the_balance_plus_open_orders_against_the_limit() -> None:
    assert xm.credit_from_arsqry(load("arsqry-out.xml")) == (Decimal(500), Decimal(200))


def test_a_generic_find_answer_is_read_row_by_row() -> None:
    rows = xm.find_rows(load("comfnd-out.xml"))
    assert [row["StockCode"] for row in rows] == ["CAP-BLACK", "MUG-WHITE"]


@pytest.mark.parametrize(
    "line",
    [
        ln
        for ln in (FIXTURES / "enet-error-bodies.txt").read_text(encoding="utf-8").splitlines()
        if "\t" in ln
    ],
)
def test_each_unlicensed_wording_is_a_configuration_problem(line: str) -> None:
    _, body = line.split("\t", 1)
    assert isinstance(error_from_body(body, business_object="ARSTPY"), ConfigurationError)


def test_a_logon_answer_quoted_as_json_gives_the_bare_session_id() -> None:
    session = unwrap((FIXTURES / "logon-answer.json").read_text(encoding="utf-8"))
    assert session and '"' not in session and not session.startswith("ERROR")


# --- the sandbox accepts the evidence's XmlIn and answers in the evidence's shape ------------------
class Enet:
    """Raw e.net REST calls to the sandbox, with the evidence-shaped documents as they are."""

    def __init__(self, sandbox: SysproSandbox) -> None:
        self.base = sandbox.base_url
        self.http = httpx.Client(timeout=5)
        logon = {"Operator": "SHOPBRIDGE", "OperatorPassword": PASSWORD, "CompanyId": "EDU1"}
        self.logon_body = self.http.get(f"{self.base}/Logon", params=logon).text
        self.user_id = json.loads(self.logon_body)

    def query(self, business_object: str, xml_in: ET.Element | str) -> str:
        params = {"UserId": self.user_id, "BusinessObject": business_object, "XmlIn": _text(xml_in)}
        return self.http.get(f"{self.base}/Query/Query", params=params).text

    def post(
        self, business_object: str, xml_in: ET.Element | str, parameters: str = "sortoi-params.xml"
    ) -> str:
        params = {
            "UserId": self.user_id,
            "BusinessObject": business_object,
            "XmlParameters": _text(load(parameters)),
            "XmlIn": _text(xml_in),
        }
        return self.http.get(f"{self.base}/Transaction/Post", params=params).text


def _text(xml: ET.Element | str) -> str:
    return xml if isinstance(xml, str) else ET.tostring(xml, encoding="unicode")


def _with(root: ET.Element, changes: dict[str, str]) -> ET.Element:
    for path, value in changes.items():
        node = root.find(path)
        assert node is not None, path
        node.text = value
    return root


@pytest.fixture
def enet(sandbox: SysproSandbox) -> Iterator[Enet]:
    client = Enet(sandbox)
    yield client
    client.http.close()


def _added(enet: Enet) -> str:
    """Import the evidence's add document; the sales order number, read back by PO number."""
    answer = fromstring(enet.post("SORTOI", load("sortoi-add-doc.xml")))
    assert paths(answer) == paths(load("sortoi-out-clean.xml"))
    where = xm.find_xml("SorMaster", ("SalesOrder",), [xm.Condition("CustomerPoNumber", "EQ", "#SB-2001")])
    return xm.find_rows(fromstring(enet.query("COMFND", where)))[0]["SalesOrder"]


def test_the_sandbox_answers_logon_with_a_json_quoted_session_id_like_the_evidence(enet: Enet) -> None:
    evidence = json.loads((FIXTURES / "logon-answer.json").read_text(encoding="utf-8"))
    assert isinstance(evidence, str) and isinstance(enet.user_id, str)
    assert enet.logon_body.startswith('"') and re.fullmatch(r"[0-9A-Fa-f-]+", enet.user_id)


def test_a_clean_import_answers_status_of_items_only_with_syspros_root_attributes(enet: Enet) -> None:
    answer = fromstring(enet.post("SORTOI", load("sortoi-add-doc.xml")))
    evidence = load("sortoi-out-clean.xml")
    assert paths(answer) == paths(evidence)
    assert set(answer.attrib) == set(evidence.attrib)
    assert all(re.fullmatch(r"\d{6}", node.text or "") for node in answer.iterfind("StatusOfItems/*"))


def test_an_import_with_a_warning_echoes_the_order_with_its_number(enet: Enet) -> None:
    doc = _with(
        load("sortoi-add-doc.xml"),
        {
            "Orders/OrderHeader/CustomerPoNumber": "#SB-2002",
            "Orders/OrderDetails/StockLine/StockCode": "CAP-BLACK",
        },
    )
    answer = fromstring(enet.post("SORTOI", doc))  # CAP-BLACK has no free stock: back-ordered
    assert paths(answer) == paths(load("sortoi-out-warned.xml"))
    assert answer.findtext("Order/SalesOrder") and answer.findtext("Order/CustomerPoNumber") == "#SB-2002"


def test_the_sales_order_query_answers_in_the_evidences_shape(enet: Enet) -> None:
    number = _added(enet)
    answer = fromstring(enet.query("SORQRY", _with(load("sorqry-query.xml"), {"Key/SalesOrder": number})))
    assert paths(answer) == paths(load("sorqry-out.xml"))
    assert answer.findtext("SalesOrderLine/Merchandise/MStockCode") == "MUG-WHITE"
    assert answer.findtext("SalesOrderLine/Freight/NMscChargeValue") == "3.95"


def test_a_change_cancels_a_line_by_number_and_adds_one_and_a_cancel_cancels_the_order(enet: Enet) -> None:
    number = _added(enet)
    query = _with(load("sorqry-query.xml"), {"Key/SalesOrder": number})
    changed = enet.post(
        "SORTOI", _with(load("sortoi-change-doc.xml"), {"Orders/OrderHeader/SalesOrder": number})
    )
    assert paths(fromstring(changed)) == paths(load("sortoi-out-clean.xml"))
    after = fromstring(enet.query("SORQRY", query))
    assert [n.text for n in after.iterfind("SalesOrderLine/Merchandise/MStockCode")] == ["TSHIRT-RED-M"]
    enet.post("SORTOI", _with(load("sortoi-cancel-doc.xml"), {"Orders/OrderHeader/SalesOrder": number}))
    assert fromstring(enet.query("SORQRY", query)).findtext("OrderStatus") == "\\"


def test_the_inventory_query_answers_available_quantity_per_warehouse(enet: Enet) -> None:
    answer = fromstring(enet.query("INVQRY", load("invqry-query.xml")))
    evidence = load("invqry-out.xml")
    assert paths(answer) == paths(evidence)
    figures = [node.text or "" for node in answer.iterfind("WarehouseItem/*") if node.tag.startswith("Qty")]
    widths = {
        len(node.text or "") for node in evidence.iterfind("WarehouseItem/*") if node.tag.startswith("Qty")
    }
    assert figures and all(re.fullmatch(r" +\d+\.\d{6}", f) and len(f) in widths for f in figures)


def test_the_generic_find_answers_under_the_tables_name_with_or_joined_conditions(enet: Enet) -> None:
    answer = fromstring(enet.query("COMFND", load("comfnd-query.xml")))
    evidence = load("comfnd-out.xml")
    assert answer.tag == "InvMaster" and paths(answer) == paths(evidence)
    assert [row.findtext("StockCode") for row in answer.iterfind("Row")] == ["CAP-BLACK", "MUG-WHITE"]
    assert answer.findtext("RowsReturned") == evidence.findtext("RowsReturned")


def test_a_journal_post_answers_the_journals_key_in_the_evidences_shape(enet: Enet) -> None:
    answer = fromstring(enet.post("GENTJL", load("gentjl-doc.xml"), "gentjl-params.xml"))
    assert paths(answer) == paths(load("gentjl-out.xml"))
    assert answer.findtext("Item/Transaction/NumOfEntries") == "3"


def test_the_customer_query_answers_a_statement_header_and_totals(enet: Enet) -> None:
    answer = fromstring(enet.query("ARSQRY", load("arsqry-query.xml")))
    assert paths(answer) == paths(load("arsqry-out.xml"))
    assert answer.findtext("Header/CreditLimit") == "500.00"


def test_a_business_object_syspro_does_not_know_is_exception_100000(enet: Enet) -> None:
    body = enet.query("ARSPAY", "<Query/>")  # the UI program's name, not an e.net object
    assert body.startswith("ERROR") and isinstance(
        error_from_body(body, business_object="ARSPAY"), ConfigurationError
    )


@pytest.mark.parametrize(
    ("xml_out", "key"),
    [("sortoi-out-warned.xml", "SalesOrders/Order"), ("invqry-out.xml", "InvQuery/WarehouseItem")],
)
def test_the_sandboxs_answers_keep_the_schemas_element_order(enet: Enet, xml_out: str, key: str) -> None:
    if xml_out == "invqry-out.xml":
        answer = fromstring(enet.query("INVQRY", load("invqry-query.xml")))
    else:
        doc = _with(load("sortoi-add-doc.xml"), {"Orders/OrderDetails/StockLine/StockCode": "CAP-BLACK"})
        answer = fromstring(enet.post("SORTOI", doc))
    found = [node for path, node in nodes(answer) if path == key]
    assert found and all(in_schema_order([c.tag for c in node], SCHEMA_ORDER[key]) for node in found)
