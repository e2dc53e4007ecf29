"""Shopify shapes -> canonical records: REST-shaped webhook bodies and GraphQL answers.

Webhook bodies use numeric ids and amounts as strings; GraphQL uses GIDs and ``MoneyBag``s. Both
come out as the same :class:`~shopbridge.domain.records.Order`, with GIDs as ids, shop-currency
amounts and Shopify's own tax figures (never recomputed). Malformed input raises
:class:`~shopbridge.errors.BadInput` naming what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Address,
    Customer,
    DiscountAllocation,
    FinancialStatus,
    Order,
    OrderLine,
    ShippingLine,
    TaxLine,
    Transaction,
)
from shopbridge.errors import BadInput

__all__ = [
    "gid",
    "numeric_id",
    "order_from_graphql",
    "order_from_rest",
    "order_location",
    "parse_time",
    "sold_quantity",
]

Json = Mapping[str, Any]


def gid(kind: str, value: Any) -> str:
    """``gid://shopify/<kind>/<id>`` from a numeric id, or the GID unchanged."""
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def numeric_id(value: Any) -> str:
    """The trailing number of a GID (``gid://shopify/Order/5`` -> ``5``), or the id as text."""
    return str(value).rsplit("/", 1)[-1]


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp with an offset -> aware UTC; ``None`` stays ``None``."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(f"not a timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        raise BadInput(f"timestamp without a time zone: {value!r}")
    return parsed.astimezone(UTC)


def _status(value: Any) -> FinancialStatus:
    try:
        return FinancialStatus(str(value or "pending").lower())
    except ValueError:
        return FinancialStatus.PENDING


def _require(body: Json, *keys: str) -> None:
    missing = [k for k in keys if body.get(k) in (None, "")]
    if missing:
        raise BadInput(f"Shopify order body lacks {', '.join(missing)}", details={"missing": missing})


# -- REST (webhook bodies) ---------------------------------------------------------------------


def _rest_money(value: Any, currency: str) -> Money:
    return Money.of(str(value or "0"), currency)


def _rest_taxes(lines: Sequence[Json] | None, currency: str) -> tuple[TaxLine, ...]:
    return tuple(
        TaxLine(
            str(t.get("title", "")), Decimal(str(t.get("rate") or 0)), _rest_money(t.get("price"), currency)
        )
        for t in lines or ()
    )


def _rest_address(body: Json | None) -> Address | None:
    if not body:
        return None
    return Address(
        line1=body.get("address1") or "",
        line2=body.get("address2") or "",
        city=body.get("city") or "",
        region=body.get("province_code") or body.get("province") or "",
        postcode=body.get("zip") or "",
        country_code=body.get("country_code") or "",
        company=body.get("company") or "",
        name=body.get("name") or " ".join(filter(None, [body.get("first_name"), body.get("last_name")])),
        phone=body.get("phone") or "",
    )


def _rest_line(body: Json, currency: str) -> OrderLine:
    return OrderLine(
        line_id=gid("LineItem", body["id"]),
        sku=body.get("sku") or "",
        quantity=int(body.get("quantity") or 0),
        unit_price=_rest_money(body.get("price"), currency),
        title=body.get("name") or body.get("title") or "",
        tax_lines=_rest_taxes(body.get("tax_lines"), currency),
        discounts=tuple(
            DiscountAllocation(_rest_money(d.get("amount"), currency))
            for d in body.get("discount_allocations") or ()
        ),
        variant_id=gid("ProductVariant", body["variant_id"]) if body.get("variant_id") else "",
        requires_shipping=bool(body.get("requires_shipping", True)),
        is_gift_card=bool(body.get("gift_card")),
    )


def _rest_customer(body: Json | None, email: str) -> Customer | None:
    if not body and not email:
        return None
    body = body or {}
    return Customer(
        email=body.get("email") or email,
        first_name=body.get("first_name") or "",
        last_name=body.get("last_name") or "",
        shopify_id=gid("Customer", body["id"]) if body.get("id") else "",
        phone=body.get("phone") or "",
    )


def order_from_rest(body: Json, *, shop: str = "") -> Order:
    """An ``orders/*`` webhook body (REST shape) as a canonical order."""
    _require(body, "id", "name", "currency", "created_at")
    currency = str(body["currency"])
    try:
        return Order(
            shopify_id=gid("Order", body["id"]),
            name=str(body["name"]),
            currency=currency,
            created_at=parse_time(body["created_at"]) or datetime.min.replace(tzinfo=UTC),
            updated_at=parse_time(body.get("updated_at")),
            cancelled_at=parse_time(body.get("cancelled_at")),
            lines=tuple(_rest_line(line, currency) for line in body.get("line_items") or ()),
            customer=_rest_customer(body.get("customer"), body.get("email") or ""),
            shipping_address=_rest_address(body.get("shipping_address")),
            billing_address=_rest_address(body.get("billing_address")),
            shipping_lines=tuple(
                ShippingLine(
                    title=s.get("title") or "",
                    price=_rest_money(s.get("price"), currency),
                    code=s.get("code") or "",
                    tax_lines=_rest_taxes(s.get("tax_lines"), currency),
                )
                for s in body.get("shipping_lines") or ()
            ),
            financial_status=_status(body.get("financial_status")),
            location_id=gid("Location", body["location_id"]) if body.get("location_id") else "",
            taxes_included=bool(body.get("taxes_included")),
            shop=shop,
            total_price=_rest_money(body.get("total_price"), currency),
            note=body.get("note") or "",
            test=bool(body.get("test")),
            presentment_currency=body.get("presentment_currency") or "",
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise BadInput(f"Shopify order {body.get('name')} cannot be read: {exc}") from exc


# -- GraphQL -----------------------------------------------------------------------------------


def _bag(value: Json | None, currency: str) -> Money:
    """The shop-currency amount of a ``MoneyBag``."""
    shop_money = (value or {}).get("shopMoney") or {}
    return Money.of(str(shop_money.get("amount") or "0"), shop_money.get("currencyCode") or currency)


def _gql_taxes(lines: Sequence[Json] | None, currency: str) -> tuple[TaxLine, ...]:
    return tuple(
        TaxLine(str(t.get("title", "")), Decimal(str(t.get("rate") or 0)), _bag(t.get("priceSet"), currency))
        for t in lines or ()
    )


def _gql_discounts(allocations: Sequence[Json] | None, currency: str) -> tuple[DiscountAllocation, ...]:
    result = []
    for allocation in allocations or ():
        application = allocation.get("discountApplication") or {}
        label = application.get("code") or application.get("title") or ""
        result.append(DiscountAllocation(_bag(allocation.get("allocatedAmountSet"), currency), str(label)))
    return tuple(result)


def _gql_address(body: Json | None) -> Address | None:
    if not body:
        return None
    return Address(
        line1=body.get("address1") or "",
        line2=body.get("address2") or "",
        city=body.get("city") or "",
        region=body.get("province") or "",
        postcode=body.get("zip") or "",
        country_code=body.get("countryCodeV2") or "",
        company=body.get("company") or "",
        name=body.get("name") or "",
        phone=body.get("phone") or "",
    )


def _gql_line(node: Json, currency: str, refunded_units: Mapping[str, int]) -> OrderLine:
    ordered = int(node.get("quantity") or 0)
    return OrderLine(
        line_id=str(node["id"]),
        sku=node.get("sku") or "",
        quantity=sold_quantity(node, refunded_units),
        ordered_quantity=ordered,
        unit_price=_bag(node.get("originalUnitPriceSet"), currency),
        title=node.get("title") or "",
        tax_lines=_gql_taxes(node.get("taxLines"), currency),
        discounts=_gql_discounts(node.get("discountAllocations"), currency),
        variant_id=(node.get("variant") or {}).get("id") or "",
        requires_shipping=bool(node.get("requiresShipping", True)),
        is_gift_card=bool(node.get("isGiftCard")),
    )


def _gql_customer(node: Json | None, email: str) -> Customer | None:
    if not node and not email:
        return None
    node = node or {}
    address = (node.get("defaultEmailAddress") or {}).get("emailAddress")
    return Customer(
        email=address or email,
        first_name=node.get("firstName") or "",
        last_name=node.get("lastName") or "",
        shopify_id=node.get("id") or "",
        phone=(node.get("defaultPhoneNumber") or {}).get("phoneNumber") or "",
    )


def _gql_transaction(node: Json, currency: str) -> Transaction:
    return Transaction(
        kind=str(node.get("kind") or "").lower(),
        status=str(node.get("status") or "").lower(),
        gateway=node.get("gateway") or "",
        amount=_bag(node.get("amountSet"), currency),
        shopify_id=node.get("id") or "",
    )


def order_from_graphql(
    node: Json, *, shop: str = "", refunded_units: Mapping[str, int] | None = None
) -> Order:
    """The answer of ``queries/order_by_id.graphql`` (``data.order``) as a canonical order.

    ``refunded_units`` (units refunded per line item GID) puts refunded units back on their lines, so
    the order reads as sold; each line keeps its ordered quantity, which its tax and discounts cover.
    """
    _require(node, "id", "name", "currencyCode", "createdAt")
    currency = str(node["currencyCode"])
    try:
        return Order(
            shopify_id=str(node["id"]),
            name=str(node["name"]),
            currency=currency,
            created_at=parse_time(node["createdAt"]) or datetime.min.replace(tzinfo=UTC),
            updated_at=parse_time(node.get("updatedAt")),
            cancelled_at=parse_time(node.get("cancelledAt")),
            lines=tuple(
                _gql_line(n, currency, refunded_units or {})
                for n in (node.get("lineItems") or {}).get("nodes") or ()
            ),
            customer=_gql_customer(node.get("customer"), node.get("email") or ""),
            shipping_address=_gql_address(node.get("shippingAddress")),
            billing_address=_gql_address(node.get("billingAddress")),
            shipping_lines=tuple(
                ShippingLine(
                    title=s.get("title") or "",
                    price=_bag(s.get("originalPriceSet"), currency),
                    code=s.get("code") or "",
                    tax_lines=_gql_taxes(s.get("taxLines"), currency),
                    discounts=_gql_discounts(s.get("discountAllocations"), currency),
                )
                for s in (node.get("shippingLines") or {}).get("nodes") or ()
            ),
            transactions=tuple(_gql_transaction(t, currency) for t in node.get("transactions") or ()),
            financial_status=_status(node.get("displayFinancialStatus")),
            location_id=_gql_location(node),
            taxes_included=bool(node.get("taxesIncluded")),
            shop=shop,
            total_price=_bag(node.get("totalPriceSet"), currency),
            note=node.get("note") or "",
            test=bool(node.get("test")),
            company_id=_gql_company(node.get("purchasingEntity")),
            presentment_currency=node.get("presentmentCurrencyCode") or "",
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise BadInput(f"Shopify order {node.get('name')} cannot be read: {exc}") from exc


def sold_quantity(node: Json, refunded_units: Mapping[str, int]) -> int:
    """A ``LineItem``'s units as sold: less the units edits removed, not those refunded
    (``currentQuantity`` drops both, so the line's refunded units are put back)."""
    ordered = int(node.get("quantity") or 0)
    current = int(node.get("currentQuantity", ordered) or 0)
    return min(ordered, current + refunded_units.get(str(node["id"]), 0))


def order_location(node: Json) -> str:
    """Where an ``Order`` node ships from, as :func:`order_from_graphql` reads ``location_id``."""
    return _gql_location(node)


def _gql_location(node: Json) -> str:
    """Where the order ships from: the POS location, else the first fulfillment order's assignment."""
    retail = (node.get("retailLocation") or {}).get("id")
    if retail:
        return str(retail)
    for fulfillment_order in (node.get("fulfillmentOrders") or {}).get("nodes") or ():
        location = ((fulfillment_order.get("assignedLocation") or {}).get("location") or {}).get("id")
        if location:
            return str(location)
    return ""


def _gql_company(entity: Json | None) -> str:
    """The B2B company GID of a ``purchasingEntity`` (``PurchasingCompany``), or ``""``."""
    return str(((entity or {}).get("company") or {}).get("id") or "")
