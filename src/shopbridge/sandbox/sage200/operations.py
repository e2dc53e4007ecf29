"""THE list of Sage 200 operations the sandbox implements (and the schemathesis run exercises).

Exactly the operations shopbridge's Sage 200 adapter uses. Any other operation in the specs answers
501 naming it; a path not in the specs answers 404.
"""

from __future__ import annotations

from shopbridge.sandbox.sage200 import catalogue, ledger, orders
from shopbridge.sandbox.sage200.calls import Handler

IMPLEMENTED: dict[tuple[str, str], Handler] = {
    ("GET", "/sites"): catalogue.get_sites,
    ("GET", "/products"): catalogue.get_products,
    ("GET", "/warehouses"): catalogue.get_warehouses,
    ("GET", "/warehouse_holdings"): catalogue.get_warehouse_holdings,
    ("GET", "/tax_codes"): catalogue.get_tax_codes,
    ("GET", "/price_bands"): catalogue.get_price_bands,
    ("GET", "/product_price_views"): catalogue.get_product_price_views,
    ("GET", "/customer_views"): catalogue.get_customer_views,
    ("POST", "/customers"): catalogue.post_customer,
    ("GET", "/sop_orders"): orders.get_sop_orders,
    ("POST", "/sop_orders"): orders.post_sop_order,
    ("PUT", "/sop_orders/{Id}"): orders.put_sop_order,
    ("GET", "/sop_despatch_receipts"): orders.get_sop_despatch_receipts,
    ("GET", "/sop_order_despatch_line_views"): orders.get_sop_order_despatch_line_views,
    ("POST", "/sales_credit_notes"): ledger.post_sales_credit_note,
    ("GET", "/sales_posted_transactions"): ledger.get_sales_posted_transactions,
    ("GET", "/banks"): ledger.get_banks,
    ("POST", "/bank_receipt"): ledger.post_bank_receipt,
    ("POST", "/bank_payment"): ledger.post_bank_payment,
    ("GET", "/bank_posted_transactions"): ledger.get_bank_posted_transactions,
    ("GET", "/nominal_codes"): catalogue.get_nominal_codes,
    ("GET", "/couriers"): catalogue.get_couriers,
}

# Operations a client calls before it knows its site and company: no X-Site/X-Company needed.
UNSCOPED: frozenset[tuple[str, str]] = frozenset({("GET", "/sites")})
