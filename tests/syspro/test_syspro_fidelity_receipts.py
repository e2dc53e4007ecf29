"""ARSTPY (A/R miscellaneous receipts) against the public evidence of SYSPRO's schema.

``arstpy-params.xml`` and ``arstpy-doc.xml`` are written in our own words from the element names,
nesting and order of SYSPRO's ARSTPY schema (SOURCES.md, Z3; the parameter order is also what K
sends). ``arstpy-doc-unsourced.xml`` is the shape an unproven builder (R) sends: it is kept to show
the sandbox refuses what the schema does not have. No public ARSTPY answer exists, so the answer's
shape is not checked against evidence (WIRE.md says so).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from syspro_evidence import SCHEMA_ORDER, flatten, load

from shopbridge.connectors.erp.syspro import xmlmap as xm
from shopbridge.connectors.erp.syspro import xmlpayout as xp
from shopbridge.domain.money import Money
from shopbridge.domain.records import JournalEntry, JournalLine
from shopbridge.sandbox.syspro import SysproSandbox

PASSWORD = "s3cret-operator"  # the sandbox fixture's operator password (conftest.py)


def _payout() -> JournalEntry:
    """The payout the evidence-shaped ``arstpy-doc.xml`` (and ``gentjl-doc.xml``) describes."""
    lines = (
        JournalLine("1200", "bank", debit=Money.of("96.10", "GBP")),
        JournalLine("7900", "fees", debit=Money.of("3.90", "GBP")),
        JournalLine("1100", "clearing", credit=Money.of("100.00", "GBP")),
    )
    return JournalEntry("PAYOUT-88001", date(2026, 11, 21), "GBP", lines, narrative="Shopify payout 88001")


def _doc() -> str:
    entry = _payout()
    receipts = xp.misc_receipts(entry, "1200", cash_book="SHOP")
    return xp.arstpy_xml(entry, receipts, cash_book="SHOP", bank_ledger="1200")


@pytest.mark.parametrize(
    ("fixture", "built"),
    [("arstpy-params.xml", xp.arstpy_parameters), ("arstpy-doc.xml", _doc)],
)
def test_the_adapters_arstpy_xml_in_is_the_evidence_shaped_document(fixture: str, built: object) -> None:
    assert callable(built)
    assert flatten(fromstring(built())) == flatten(load(fixture))


@pytest.mark.parametrize(
    ("fixture", "path"),
    [
        ("arstpy-params.xml", "PostArPayment/Parameters"),
        ("arstpy-doc.xml", "PostArPayment/Item/MiscellaneousReceipt"),
    ],
)
def test_the_arstpy_fixtures_keep_the_schemas_element_order(fixture: str, path: str) -> None:
    order = SCHEMA_ORDER[path]
    nodes = load(fixture).findall(path.split("/", 1)[1])
    assert nodes
    for node in nodes:
        positions = [order.index(child.tag) if child.tag in order else -1 for child in node]
        assert -1 not in positions and positions == sorted(positions), fixture


def test_the_unproven_payments_shape_is_not_the_schemas() -> None:
    tags = {child.tag for child in load("arstpy-doc-unsourced.xml").iterfind("Item/*")}
    assert tags == {"Payments"} and not tags & {"Payment", "Adjustments", "MiscellaneousReceipt"}
    assert "CheckAmount" not in SCHEMA_ORDER["PostArPayment/Item/Payment"]


# --- the sandbox against the evidence's documents ----------------------------------------------
class Enet:
    def __init__(self, sandbox: SysproSandbox) -> None:
        self.base = sandbox.base_url
        self.http = httpx.Client(timeout=5)
        logon = {"Operator": "SHOPBRIDGE", "OperatorPassword": PASSWORD, "CompanyId": "EDU1"}
        self.user_id = json.loads(self.http.get(f"{self.base}/Logon", params=logon).text)

    def post(self, xml_in: ET.Element, parameters: ET.Element) -> str:
        params = {
            "UserId": self.user_id,
            "BusinessObject": "ARSTPY",
            "XmlParameters": ET.tostring(parameters, encoding="unicode"),
            "XmlIn": ET.tostring(xml_in, encoding="unicode"),
        }
        return self.http.get(f"{self.base}/Transaction/Post", params=params).text

    def cash_rows(self, reference: str) -> list[dict[str, str]]:
        where = [xm.Condition("TrnReference", "EQ", reference)]
        query = xm.find_xml("CshTransactions", xp.RECEIPT_COLUMNS, where)
        params = {"UserId": self.user_id, "BusinessObject": "COMFND", "XmlIn": query}
        return xm.find_rows(fromstring(self.http.get(f"{self.base}/Query/Query", params=params).text))


@pytest.fixture
def enet(sandbox: SysproSandbox) -> Iterator[Enet]:
    client = Enet(sandbox)
    yield client
    client.http.close()


def _params(**changes: str) -> ET.Element:
    root = load("arstpy-params.xml")
    for name, value in changes.items():
        node = root.find(f"Parameters/{name}")
        assert node is not None, name
        node.text = value
    return root


def _errors(answer: str) -> list[str]:
    return [node.text or "" for node in fromstring(answer).iter("ErrorDescription")]


def test_the_sandbox_posts_the_evidence_document_into_the_cash_book(enet: Enet) -> None:
    answer = enet.post(load("arstpy-doc.xml"), _params())
    assert not _errors(answer) and fromstring(answer).findtext("StatusOfItems/ItemsProcessed") == "000002"
    rows = enet.cash_rows("PAYOUT-88001")
    assert sorted((r["Bank"], r["TrnType"], r["TrnValue"]) for r in rows) == [
        ("SHOP", "D", "100.00"),
        ("SHOP", "W", "3.90"),
    ]


def test_a_negative_receipt_is_a_warning_that_blocks_the_document_unless_warnings_are_ignored(
    enet: Enet,
) -> None:
    answer = enet.post(load("arstpy-doc.xml"), _params(IgnoreWarnings="N"))
    assert any("negative" in message for message in _errors(answer))
    assert enet.cash_rows("PAYOUT-88001") == []  # all or none: the positive receipt waits too


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("MiscellaneousReceiptValue", "zero is invalid"),
        ("JournalNotation", "Journal notation is required"),
        ("Bank", "not on file"),
        ("CreditLedgerCode", "not a valid general ledger code"),
    ],
)
def test_the_sandbox_refuses_a_receipt_the_schema_refuses(enet: Enet, change: str, message: str) -> None:
    doc = load("arstpy-doc.xml")
    node = doc.find(f"Item/MiscellaneousReceipt/{change}")
    assert node is not None
    node.text = {"MiscellaneousReceiptValue": "0.00", "JournalNotation": ""}.get(change, "NOPE")
    assert any(message in error for error in _errors(enet.post(doc, _params())))
    assert enet.cash_rows("PAYOUT-88001") == []


def test_the_sandbox_refuses_the_unproven_payments_shape(enet: Enet) -> None:
    errors = _errors(enet.post(load("arstpy-doc-unsourced.xml"), _params()))
    assert errors and "MiscellaneousReceipt" in errors[0]


def test_ignore_warnings_takes_n_or_y_only(enet: Enet) -> None:
    answer = enet.post(load("arstpy-doc.xml"), _params(IgnoreWarnings="W"))
    assert answer.startswith("ERROR") and "IgnoreWarnings" in answer


def test_validate_only_posts_nothing_and_the_empty_probe_is_answered(enet: Enet) -> None:
    answer = enet.post(load("arstpy-doc.xml"), _params(ValidateOnly="Y"))
    assert not _errors(answer) and enet.cash_rows("PAYOUT-88001") == []
    probe = enet.post(ET.Element("PostArPayment"), fromstring(xp.arstpy_parameters(validate_only=True)))
    assert not probe.startswith("ERROR") and not _errors(probe)
