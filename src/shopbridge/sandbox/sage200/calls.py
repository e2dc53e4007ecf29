"""What a sandbox operation handler receives and how it refuses a request (Sage-shaped 400)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from shopbridge.sandbox.sage200.state import SageState


class SageError(Exception):
    """A refusal, answered as Sage does: the status and ``{"statusCode": ..., "message": ...}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Call:
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = None

    def id(self, name: str = "Id") -> int:
        return whole(self.path_params[name], name)

    def json(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise SageError("The request body must be a JSON object.")
        return self.body


Handler = Callable[[SageState, Call], Any]


def whole(value: Any, name: str) -> int:
    """An id as Sage reads it: a whole number (``12``, ``12.0``), else a 400 naming the field."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SageError(f"The value '{value}' is not valid for {name}.") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise SageError(f"The value '{value}' is not valid for {name}.")
    return int(number)


def pick(given: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The fields of a request body the sandbox keeps (it stores what it understands, no more)."""
    return {f: given[f] for f in fields if f in given and given[f] is not None}


def dec(value: Any) -> Decimal:
    """A JSON number as an exact decimal (via its text, never through binary float arithmetic)."""
    return Decimal(str(value if value is not None else 0))


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": status, "message": message}
