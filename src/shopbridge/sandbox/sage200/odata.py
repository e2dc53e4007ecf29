"""The subset of OData the Sage 200 API documents: ``$filter $orderby $top $skip $select``.

``$filter`` supports ``eq ne gt ge lt le``, ``and``/``or``/``not``, brackets, ``contains``,
``startswith`` and ``endswith``, string literals in single quotes (``''`` escapes a quote), numbers,
``true``/``false`` and dates or UTC date-times written bare (``2019-12-16T09:03:10.325Z``), as
Sage's query guide shows. A query the sandbox cannot parse is rejected as Sage would: 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]

DEFAULT_TOP = 500  # Sage's documented default page size when $top is absent
MAX_TOP = 500


class ODataError(ValueError):
    """The query cannot be understood; the message is what the sandbox answers with 400."""


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<dt>\d{4}-\d{2}-\d{2}(?:T[0-9:.]+Z)?)|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"contains", "startswith", "endswith"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ODataError(f"$filter: cannot read {text[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return tokens


def _literal(tok: _Tok) -> Any:
    if tok.kind == "str":
        return tok.text[1:-1].replace("''", "'")
    if tok.kind == "dt":
        return _parse_datetime(tok.text)
    if tok.kind == "num":
        return Decimal(tok.text)
    if tok.kind == "word" and tok.text in ("true", "false"):
        return tok.text == "true"
    if tok.kind == "word" and tok.text == "null":
        return None
    raise ODataError(f"$filter: expected a value, found {tok.text!r}")


def _parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _coerce(value: Any, like: Any) -> Any:
    """Bring a row's value to the literal's type so comparisons are meaningful."""
    if value is None or like is None:
        return value
    if isinstance(like, datetime) and isinstance(value, str):
        return _parse_datetime(value)
    if isinstance(like, Decimal) and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return value


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        result = {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]
    except TypeError as exc:
        raise ODataError(f"$filter: cannot compare {left!r} with {right!r}") from exc
    return bool(result)


class _Parser:
    def __init__(self, tokens: Sequence[_Tok]) -> None:
        self.tokens = list(tokens)
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise ODataError("$filter: unexpected end")
        self.pos += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise ODataError(f"$filter: expected {text!r}, found {tok.text!r}")

    def parse_or(self) -> Predicate:
        left = self.parse_and()
        while (tok := self.peek()) is not None and tok.text == "or":
            self.take()
            right = self.parse_and()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def parse_and(self) -> Predicate:
        left = self.parse_term()
        while (tok := self.peek()) is not None and tok.text == "and":
            self.take()
            right = self.parse_term()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def parse_term(self) -> Predicate:
        tok = self.take()
        if tok.text == "(":
            inner = self.parse_or()
            self.expect(")")
            return inner
        if tok.text == "not":
            inner = self.parse_term()
            return lambda row: not inner(row)
        if tok.kind == "word" and tok.text in _FUNCTIONS:
            return self.parse_function(tok.text)
        if tok.kind != "word":
            raise ODataError(f"$filter: expected a field name, found {tok.text!r}")
        op = self.take().text
        if op not in _COMPARE:
            raise ODataError(f"$filter: unknown operator {op!r}")
        value = _literal(self.take())
        field = tok.text
        return lambda row: _compare(op, _coerce(row.get(field), value), value)

    def parse_function(self, name: str) -> Predicate:
        self.expect("(")
        field = self.take().text
        self.expect(",")
        needle = _literal(self.take())
        self.expect(")")
        if not isinstance(needle, str):
            raise ODataError(f"$filter: {name} needs a string")

        def test(row: Row) -> bool:
            value = row.get(field)
            if not isinstance(value, str):
                return False
            text = value.lower()
            probe = needle.lower()
            if name == "contains":
                return probe in text
            return text.startswith(probe) if name == "startswith" else text.endswith(probe)

        return test


def parse_filter(text: str) -> Predicate:
    parser = _Parser(_tokenize(text))
    predicate = parser.parse_or()
    if parser.peek() is not None:
        raise ODataError(f"$filter: unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return predicate


def _order_key(field: str) -> Callable[[Row], tuple[bool, Any]]:
    return lambda row: (row.get(field) is None, row.get(field))


def apply_query(rows: Sequence[Row], query: Mapping[str, str]) -> list[dict[str, Any]]:
    """Filter, order, page and project ``rows`` as Sage would for these query options."""
    chosen = [dict(r) for r in rows]
    if query.get("$filter"):
        predicate = parse_filter(query["$filter"])
        chosen = [r for r in chosen if predicate(r)]
    for clause in reversed([c.strip() for c in query.get("$orderby", "").split(",") if c.strip()]):
        field, _, direction = clause.partition(" ")
        if direction.strip() not in ("", "asc", "desc"):
            raise ODataError(f"$orderby: unknown direction {direction!r}")
        chosen.sort(key=_order_key(field), reverse=direction.strip() == "desc")
    skip = _count(query, "$skip", 0)
    top = min(_count(query, "$top", DEFAULT_TOP), MAX_TOP)
    chosen = chosen[skip : skip + top]
    if query.get("$select"):
        chosen = apply_select(chosen, query["$select"])
    return chosen


def apply_select(rows: Sequence[Row], select: str) -> list[dict[str, Any]]:
    fields = [f.strip() for f in select.split(",") if f.strip()]
    return [{f: r[f] for f in fields if f in r} for r in rows]


def _count(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ODataError(f"{name} must be a non-negative whole number, got {raw!r}")
    return int(raw)
