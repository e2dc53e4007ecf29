"""The Prima sandbox's dispatch: a ``<Request>`` document in, a ``<Result>`` document out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from shopbridge.sandbox.prima import accounts, handlers
from shopbridge.sandbox.prima.handlers import BAD_DOCUMENT, PrimaError
from shopbridge.sandbox.prima.state import PrimaCompany

Handler = Callable[[PrimaCompany, ET.Element], list[ET.Element]]
HANDLERS: dict[str, Handler] = {
    "OrderStatus": handlers.order_status,
    "MultiAvailableToSell": handlers.multi_available_to_sell,
    "ProductAvailableToSell": handlers.product_available_to_sell,
    "AmendOrder": handlers.amend_order,
    "CancelOrder": handlers.cancel_order,
    "StockEnquiry": handlers.stock_enquiry,
    "ProductEnquiry": handlers.product_enquiry,
    "DespatchEnquiry": handlers.despatch_enquiry,
    "CustomerEnquiry": accounts.customer_enquiry,
    "NewCustomer": accounts.new_customer,
    "NewCredit": accounts.new_credit,
    "Journal": accounts.journal,
    "JournalEnquiry": accounts.journal_enquiry,
    "PriceEnquiry": accounts.price_enquiry,
}
LATIN1_DECLARATION = '<?xml version="1.0" encoding="ISO-8859-1" ?>\n'


def failed(request_type: str, company_id: str, text: str) -> ET.Element:
    """A document-level ERROR: on ``Result`` itself, as Prima answers a document it cannot read."""
    result = ET.Element(
        "Result", Company=company_id, Error=text, RequestStatus="ERROR", RequestType=request_type
    )
    ET.SubElement(result, "RequestError", Error=text)
    return result


def handle(company: PrimaCompany, request: ET.Element, company_id: str) -> ET.Element:
    request_type = request.get("RequestType", "")
    datas = request.findall("Data")
    if request.tag != "Request" or not datas:
        text = f"({BAD_DOCUMENT}) The document must be <Request RequestType=...><Data .../></Request>"
        return failed(request_type, company_id, text)
    if request_type == "MultiNewOrder":
        result = ET.Element("Result", Company=company_id, RequestType=request_type)
        with company.lock:
            result.extend(handlers.new_order(company, data) for data in datas)
        return result
    if request_type not in HANDLERS:
        return failed(request_type, company_id, f"({BAD_DOCUMENT}) Unknown request type '{request_type}'")
    try:
        with company.lock:
            children = HANDLERS[request_type](company, datas[0])
    except PrimaError as exc:
        return failed(request_type, company_id, str(exc))
    result = ET.Element("Result", Company=company_id, RequestStatus="OK", RequestType=request_type)
    result.extend(children)
    return result


def serialise(result: ET.Element) -> str:
    return LATIN1_DECLARATION + ET.tostring(result, encoding="unicode")
