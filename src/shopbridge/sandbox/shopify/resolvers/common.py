"""Helpers every resolver module shares: money formats, search queries, user errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from graphql import GraphQLError

from ..state import ShopState

_TERM = re.compile(
    r"""(?:(?P<field>\w+):(?P<op>>=|<=|>|<)?(?P<value>"[^"]*"|'[^']*'|\S+))|(?P<bare>"[^"]*"|'[^']*'|\S+)"""
)
Getter = Callable[[dict[str, Any]], Any]


def money_amount(value: Decimal | str | int) -> str:
    """A MoneyV2 ``amount`` as Shopify writes it: "10.0", "31.9", "664.95" (no padding to cents)."""
    text = format(Decimal(value).normalize(), "f")
    return text if "." in text else f"{text}.0"


def money_scalar(value: Decimal | str | int | None) -> str | None:
    """A ``Money`` scalar field (variant price) as Shopify writes it: two decimals, "27.00"."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def money_v2(value: Decimal | str | int, currency: str) -> dict[str, Any]:
    return {"amount": money_amount(value), "currencyCode": currency}


def money_bag(value: Decimal | str | int, currency: str) -> dict[str, Any]:
    money = money_v2(value, currency)
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def user_error(field: list[str] | None, message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field, "message": message}
    error["code"] = code
    return error


def not_found(message: str = "invalid id") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "RESOURCE_NOT_FOUND"})


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" else value


def parse_search(query: str | None) -> list[tuple[str | None, str, str]]:
    """Shopify search syntax, the part the sandbox needs: ``field:value`` terms joined by AND.

    Returns (field or None for free text, operator, value); ``AND`` is implied and skipped.
    """
    terms: list[tuple[str | None, str, str]] = []
    for m in _TERM.finditer(query or ""):
        if m["bare"] is not None:
            if m["bare"].upper() != "AND":
                terms.append((None, "", _unquote(m["bare"])))
            continue
        terms.append((m["field"].lower(), m["op"] or "", _unquote(m["value"])))
    return terms


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if actual is None:
        return False
    if isinstance(actual, list | tuple | set):
        return any(_compare(a, op, wanted) for a in actual)
    have = str(actual)
    if op:
        return {">=": have >= wanted, "<=": have <= wanted, ">": have > wanted, "<": have < wanted}[op]
    if wanted.endswith("*"):
        return have.lower().startswith(wanted[:-1].lower())
    return have.lower() == wanted.lower()


def matches(record: dict[str, Any], query: str | None, fields: Mapping[str, Getter], text: Getter) -> bool:
    """Does ``record`` satisfy every term? Unknown fields match nothing, as Shopify's index does."""
    for field, op, value in parse_search(query):
        if field is None:
            if value.lower() not in str(text(record) or "").lower():
                return False
            continue
        getter = fields.get(field)
        if getter is None or not _compare(getter(record), op, value):
            return False
    return True


def sorted_records(
    state: ShopState, records: dict[str, dict[str, Any]], sort_key: str | None, by: Mapping[str, Getter]
) -> list[dict[str, Any]]:
    """Records in Shopify's default order (by id) or by the given sort key."""
    with state.lock:
        items = list(records.values())
    getter = by.get(sort_key or "ID")
    if getter is None:
        return sorted(items, key=lambda r: _id_order(r["id"]))
    return sorted(items, key=lambda r: (str(getter(r) or ""), _id_order(r["id"])))


def _id_order(gid: str) -> int:
    return int(gid.rsplit("/", 1)[-1].split("?", 1)[0])
