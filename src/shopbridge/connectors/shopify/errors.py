"""Translate Shopify's answers into shopbridge's error tree, keeping Shopify's own words.

Three layers can fail, each with its own table below:

* the HTTP status (401/403 token, 423 locked, 429 throttled, 5xx, timeouts);
* top-level GraphQL ``errors`` (THROTTLED, ACCESS_DENIED, validation of our document);
* a mutation's ``userErrors`` (Shopify understood and refused), by ``code`` where it has one.

Every error carries ``details`` with Shopify's message(s), code(s) and the document name, so the
problem record shows exactly what Shopify said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shopbridge.domain.problems import ProblemKind
from shopbridge.errors import (
    BadInput,
    ConfigurationError,
    NeedsPerson,
    RetryLater,
    ShopbridgeError,
    Throttled,
)

__all__ = [
    "LOCKED_WAIT_SECONDS",
    "StaleQuantity",
    "from_graphql_errors",
    "from_http_status",
    "from_user_errors",
    "is_throttled",
]

# 423 means Shopify locked the shop for this app after repeated throttling abuse (APIS.md): back off
# for minutes, not seconds, or the lock is extended.
LOCKED_WAIT_SECONDS = 300.0


class StaleQuantity(RetryLater):
    """``CHANGE_FROM_QUANTITY_STALE``: the level moved since we read it. Re-read, recompute, resend."""


_RETRY_CODES = {"IDEMPOTENCY_CONCURRENT_REQUEST", "OPERATION_IN_PROGRESS", "INTERNAL_ERROR"}
_BAD_INPUT_CODES = {
    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",  # same key, different input: a bug in how we derive keys
    "INVALID",
    "INVALID_VARIABLE",
    "INVALID_NAME",
    "INVALID_REASON",
    "INVALID_QUANTITY_TOO_HIGH",
    "INVALID_QUANTITY_NEGATIVE",
    "BLANK",
    "TOO_LONG",
    "TAKEN",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
}
_TRANSIENT_GRAPHQL_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}


def is_throttled(status: int, body: Mapping[str, Any] | None) -> bool:
    """HTTP 429, or HTTP 200 with an ``errors[].extensions.code == "THROTTLED"``."""
    if status == 429:
        return True
    return any(_code(error) == "THROTTLED" for error in _errors(body))


def from_http_status(status: int, text: str, document: str) -> ShopbridgeError | None:
    """The error for a non-2xx answer (429 is handled by pacing first); ``None`` when 2xx."""
    details = {"http_status": status, "body": text[:2000], "document": document}
    if 200 <= status < 300:
        return None
    if status in (401, 403):
        return ConfigurationError(
            f"Shopify refused the access token ({status}) for {document}",
            key="shops[].access_token",
            fix="check the token's environment variable and the app's access scopes",
            details=details,
        )
    if status == 423:
        return Throttled(
            f"Shopify locked the shop for this app (423) during {document}",
            retry_after=LOCKED_WAIT_SECONDS,
            details=details,
        )
    if status == 429:
        return Throttled(f"Shopify throttled {document} (429)", details=details)
    if status >= 500:
        return RetryLater(f"Shopify answered {status} to {document}", details=details)
    if status == 404:
        return ConfigurationError(
            f"Shopify has no Admin API at this address (404) for {document}",
            key="shops[].domain",
            fix="check the shop domain, admin_url and that API version 2026-07 is supported",
            details=details,
        )
    return BadInput(f"Shopify rejected {document} with HTTP {status}", details=details)


def from_graphql_errors(errors: Sequence[Mapping[str, Any]], document: str) -> ShopbridgeError:
    """The error for a response with top-level ``errors`` (THROTTLED is retried before this)."""
    codes = [_code(e) for e in errors]
    messages = [str(e.get("message", "")) for e in errors]
    details = {"document": document, "codes": codes, "messages": messages, "errors": list(errors)}
    summary = "; ".join(messages)
    if "THROTTLED" in codes:
        return Throttled(f"Shopify throttled {document}: {summary}", details=details)
    if "ACCESS_DENIED" in codes:
        return ConfigurationError(
            f"Shopify denied access in {document}: {summary}",
            key="shops[].access_token",
            fix="grant the app the access scope Shopify names, then reinstall it",
            details=details,
        )
    if any(code in _TRANSIENT_GRAPHQL_CODES for code in codes):
        return RetryLater(f"Shopify failed {document}: {summary}", details=details)
    return BadInput(f"Shopify rejected the document {document}: {summary}", details=details)


def from_user_errors(user_errors: Sequence[Mapping[str, Any]], document: str) -> ShopbridgeError:
    """The error for a mutation's non-empty ``userErrors``; the first decisive code wins."""
    codes = [str(e.get("code") or "") for e in user_errors]
    messages = [str(e.get("message", "")) for e in user_errors]
    fields = [_field_path(e.get("field")) for e in user_errors]
    details = {"document": document, "codes": codes, "messages": messages, "fields": fields}
    summary = "; ".join(f"{m} ({c})" if c else m for m, c in zip(messages, codes, strict=True))
    message = f"Shopify refused {document}: {summary}"
    if "CHANGE_FROM_QUANTITY_STALE" in codes:
        return StaleQuantity(message, retry_after=0.0, details=details)
    if any(code in _RETRY_CODES for code in codes):
        return RetryLater(message, retry_after=5.0, details=details)
    if codes and all(code in _BAD_INPUT_CODES for code in codes):
        return BadInput(message, details=details)
    return NeedsPerson(message, kind=ProblemKind.REMOTE_REJECTED, details=details)


def _field_path(field: Any) -> list[str] | None:
    """A user error's ``field`` as a list of strings; ``None`` where Shopify answers null (refundCreate,
    orderCancel, bulkOperationRunQuery do) or anything that is not a list. Shopify sometimes writes list
    indexes as numbers although the type is ``[String!]``: they become strings."""
    return [str(part) for part in field] if isinstance(field, list) else None


def _errors(body: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    errors = (body or {}).get("errors")
    if isinstance(errors, list):
        return [e for e in errors if isinstance(e, Mapping)]
    return []


def _code(error: Mapping[str, Any]) -> str:
    extensions = error.get("extensions")
    return str(extensions.get("code", "")) if isinstance(extensions, Mapping) else ""
