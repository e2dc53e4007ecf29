"""SYSPRO's reconciliation reads send documents in the schema's shape (``xsd-order.json``)."""

from __future__ import annotations

from xml.etree.ElementTree import fromstring

from syspro_evidence import SCHEMA_ORDER, in_schema_order

from shopbridge.connectors.erp.syspro import reconcile_reads as rr


def test_the_sorqry_asking_for_every_priced_line_keeps_the_schemas_option_order() -> None:
    root = fromstring(rr.sorqry_all_lines_xml("000042"))
    option = root.find("Option")
    assert option is not None
    options = [child.tag for child in option]
    assert options == [
        "IncludeStockedLines",
        "IncludeNonStockedLines",
        "IncludeFreightLines",
        "IncludeCompletedLines",
    ]
    assert in_schema_order(options, SCHEMA_ORDER["SORQRY:Query/Option"])
    assert [child.tag for child in root] == SCHEMA_ORDER["SORQRY:Query"]


def test_one_comfnd_asks_for_a_batch_of_po_numbers_joined_by_or() -> None:
    root = fromstring(rr.po_numbers_xml(["#1001", "#1002"]))
    values = [e.findtext("Value") for e in root.findall("Where/Expression")]
    joins = [e.findtext("AndOr") for e in root.findall("Where/Expression")]
    assert values == ["#1001", "#1002"] and joins == [None, "Or"]
    assert root.findtext("TableName") == "SorMaster" and root.findtext("ReturnRows") == "10"


def test_the_sorqod_asking_for_one_orders_acknowledgement_keeps_the_schemas_order() -> None:
    root = fromstring(rr.sorqod_xml("000042"))
    assert [child.tag for child in root] == SCHEMA_ORDER["SORQOD:Query"]
    option = root.find("Option")
    assert option is not None
    options = [child.tag for child in option]
    assert in_schema_order(options, SCHEMA_ORDER["SORQOD:Query/Option"])
    assert {child.tag: child.text for child in option}["DocumentType"] == "O"  # the acknowledgement
    assert {child.tag: child.text for child in option}["IgnorePrintStatus"] == "Y"
    sales_order = root.find("Filter/SalesOrder")
    assert sales_order is not None and sales_order.attrib == {"FilterType": "S", "FilterValue": "000042"}
