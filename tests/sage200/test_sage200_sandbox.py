"""The Sage 200 sandbox itself: it answers as the specs say, refuses what they refuse, and its levers work."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from shopbridge.sandbox.sage200 import Sage200Sandbox, operations
from shopbridge.sandbox.sage200.calls import Call
from shopbridge.sandbox.sage200.state import SageState


def test_an_operation_in_the_spec_it_does_not_implement_answers_501_naming_it(http: httpx.Client) -> None:
    response = http.get("/sop_quotes")
    assert response.status_code == 501
    assert response.json()["message"] == "The sandbox does not implement GET /sop_quotes."


def test_a_path_not_in_the_spec_answers_404(http: httpx.Client) -> None:
    assert http.get("/sop_returns_that_do_not_exist").status_code == 404


def test_a_method_the_spec_lacks_for_a_path_answers_405(http: httpx.Client) -> None:
    assert http.delete("/sop_despatch_receipts").status_code == 405


def test_a_missing_or_wrong_token_answers_401(sandbox: Sage200Sandbox) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = httpx.get(f"{sandbox.base_url}/products", headers=headers)
        assert response.status_code == 401
        assert "denied" in response.json()["message"]


def test_a_wrong_site_or_company_answers_403(sandbox: Sage200Sandbox) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}", "X-Site": "elsewhere", "X-Company": "1"}
    assert httpx.get(f"{sandbox.base_url}/products", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"customer_id": 1, "document_no": "", "customer_document_no": "#" + "9" * 30}, "too long"),
        ({"customer_id": "one", "document_no": ""}, "is not of type 'integer'"),
        ({"document_no": ""}, "'customer_id' is a required property"),
        ({"id": 5, "customer_id": 1, "document_no": ""}, "read-only"),
    ],
    ids=["customer_document_no over 30", "wrong type", "missing required", "read-only field"],
)
def test_a_request_the_spec_rejects_gets_a_sage_shaped_400(
    http: httpx.Client, body: dict[str, object], words: str
) -> None:
    response = http.post("/sop_orders", json=body)
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert words in response.json()["message"]


def test_a_filter_it_cannot_read_gets_a_400(http: httpx.Client) -> None:
    response = http.get("/products", params={"$filter": "code eq"})
    assert response.status_code == 400


def test_a_response_that_breaks_the_spec_is_a_500_naming_the_reason(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(state: SageState, call: Call) -> object:
        return [{"id": "not a number"}]

    monkeypatch.setitem(operations.IMPLEMENTED, ("GET", "/products"), broken)
    response = http.get("/products")
    assert response.status_code == 500
    assert "sandbox bug: response violates the spec" in response.json()["message"]


def test_select_projects_fields_after_the_full_record_is_validated(http: httpx.Client) -> None:
    rows = http.get("/products", params={"$select": "id,code", "$filter": "code eq 'MUG-WHITE'"}).json()
    assert [set(r) for r in rows] == [{"id", "code"}]


def test_paging_with_top_and_skip_walks_the_catalogue_once(http: httpx.Client) -> None:
    pages = [
        http.get("/products", params={"$orderby": "id", "$top": "3", "$skip": str(s)}).json() for s in (0, 3)
    ]
    codes = [p["code"] for page in pages for p in page]
    assert sorted(codes) == ["CAP-BLACK", "MUG-WHITE", "TSHIRT-BLU-L", "TSHIRT-RED-M"]


def test_the_control_api_adds_an_item_sets_stock_and_deactivates(
    sandbox: Sage200Sandbox, http: httpx.Client
) -> None:
    http.post("/_sandbox/items", json={"sku": "SOCK-1", "price": "3.50"}).raise_for_status()
    http.post("/_sandbox/stock", json={"sku": "SOCK-1", "free": "7"}).raise_for_status()
    http.post("/_sandbox/items/SOCK-1/active", json={"active": False}).raise_for_status()
    product = http.get("/products", params={"$filter": "code eq 'SOCK-1'"}).json()[0]
    holding = http.get("/warehouse_holdings", params={"$filter": f"product_id eq {product['id']}"}).json()[0]
    assert product["product_status_type"] == "Inactive"
    assert holding["free_stock_available"] == 7.0


def test_the_control_api_sets_a_customers_credit_limit(sandbox: Sage200Sandbox, http: httpx.Client) -> None:
    reference = sandbox.state.all("customers")[0]["reference"]
    http.post(f"/_sandbox/customers/{reference}/credit_limit", json={"limit": "250.00"}).raise_for_status()
    assert sandbox.state.first("customers", reference=reference)["credit_limit"] == 250.0


def test_injected_faults_fail_the_next_requests_then_stop(
    sandbox: Sage200Sandbox, http: httpx.Client
) -> None:
    http.post("/_sandbox/faults", json={"status": 503, "times": 2}).raise_for_status()
    statuses = [http.get("/products").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_an_injected_502_looks_like_a_proxy_page(sandbox: Sage200Sandbox, http: httpx.Client) -> None:
    sandbox.fail_next(502)
    response = http.get("/products")
    assert (response.status_code, response.headers["content-type"].split(";")[0]) == (502, "text/html")


def test_despatch_moves_stock_out_and_records_courier_and_consignment(
    sandbox: Sage200Sandbox, http: httpx.Client
) -> None:
    product = http.get("/products", params={"$filter": "code eq 'MUG-WHITE'"}).json()[0]
    customer = http.get("/customer_views").json()[0]
    line = {
        "line_type": "EnumLineTypeStandard",
        "product_id": product["id"],
        "warehouse_id": http.get("/warehouses").json()[0]["id"],
        "code": "MUG-WHITE",
        "description": "White mug",
        "line_quantity": 4,
        "selling_unit_price": 8.0,
    }
    order = {"customer_id": customer["id"], "document_no": "", "customer_document_no": "#D1", "lines": [line]}
    http.post("/sop_orders", json=order).raise_for_status()
    http.post(
        "/_sandbox/despatch", json={"reference": "#D1", "courier": "DPD", "consignment": "C-9"}
    ).raise_for_status()
    holding = http.get("/warehouse_holdings", params={"$filter": f"product_id eq {product['id']}"}).json()[0]
    receipt = http.get("/sop_despatch_receipts").json()[0]
    assert Decimal(str(holding["quantity_in_stock"])) == Decimal(96)
    assert (receipt["courier_name"], receipt["consignment_no"]) == ("DPD", "C-9")


def test_allocation_never_takes_free_stock_below_zero(http: httpx.Client) -> None:
    cap = http.get("/products", params={"$filter": "code eq 'CAP-BLACK'"}).json()[0]
    line = {
        "line_type": "EnumLineTypeStandard",
        "product_id": cap["id"],
        "warehouse_id": http.get("/warehouses").json()[0]["id"],
        "code": "CAP-BLACK",
        "description": "Black cap",
        "line_quantity": 2,
        "selling_unit_price": 15.0,
    }
    customer = http.get("/customer_views").json()[0]
    order = {"customer_id": customer["id"], "document_no": "", "customer_document_no": "#A1", "lines": [line]}
    posted = http.post("/sop_orders", json=order).json()
    holding = http.get("/warehouse_holdings", params={"$filter": f"product_id eq {cap['id']}"}).json()[0]
    assert (posted["lines"][0]["allocated_quantity"], holding["free_stock_available"]) == (0.0, 0.0)
