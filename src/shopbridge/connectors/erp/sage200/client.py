"""HTTP to the Sage 200 API, and the translation of every failure into shopbridge's error classes.

Translation table (tested in ``tests/sage200/test_sage200_errors.py``):

=============================================  ===========================================================
timeout, connection refused/reset, 5xx         RetryLater (``Retry-After`` honoured, seconds or HTTP date)
429                                            Throttled (Sage publishes no rate limit, gateways may)
401                                            ConfigurationError on ``erp.sage200.access_token``
403                                            ConfigurationError on ``erp.sage200.site_id``/``company_id``
other 4xx (400, 404, 409, 422, ...)            NeedsPerson (REMOTE_REJECTED), Sage's own message kept
2xx that is not JSON (an HTML proxy page)      RetryLater: usually a gateway or proxy glitch that passes;
                                               if it persists the worker dead-letters the job to a person
2xx JSON of the wrong shape                    NeedsPerson: it will not change by retrying (wrong
                                               ``base_url`` or API version); a person must look
=============================================  ===========================================================

The specs document no error body (every 400 has ``content: {}``); Sage's guides show
``{"statusCode": 400, "message": "..."}`` and ASP.NET gateways answer ``{"Message": "..."}``, so the
message is read from either, or from a list of such objects, else from the raw text.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from shopbridge.config.erp import Sage200Settings
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, Throttled

JsonObject = dict[str, Any]
KEY = "erp.sage200"


class Sage200Client:
    """Authenticated JSON calls with OData paging; raises only shopbridge errors."""

    def __init__(
        self,
        settings: Sage200Settings,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        event_hooks: Mapping[str, list[Any]] | None = None,
    ) -> None:
        self.settings = settings
        self.http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "X-Site": settings.site_id,
                "X-Company": settings.company_id,
                "Accept": "application/json",
            },
            timeout=settings.timeout_seconds,
            transport=transport,
            event_hooks=dict(event_hooks or {}),
        )

    def close(self) -> None:
        self.http.close()

    # --- verbs -----------------------------------------------------------------------------------
    def get_list(self, path: str, query: Mapping[str, str] | None = None) -> list[JsonObject]:
        return _objects(self.request("GET", path, params=query), path)

    def get_all(
        self, path: str, query: Mapping[str, str] | None = None, *, page_size: int = 0
    ) -> list[JsonObject]:
        """Every row, paging with ``$top``/``$skip`` until a short page."""
        return list(self.iter_pages(path, query, page_size=page_size))

    def iter_pages(
        self, path: str, query: Mapping[str, str] | None = None, *, page_size: int = 0, skip: int = 0
    ) -> Iterator[JsonObject]:
        size = page_size or self.settings.page_size
        while True:
            page = self.get_list(path, {**(query or {}), "$top": str(size), "$skip": str(skip)})
            yield from page
            if len(page) < size:
                return
            skip += size

    def get_object(self, path: str) -> JsonObject:
        return _object(self.request("GET", path), path)

    def post(self, path: str, body: JsonObject) -> JsonObject:
        return _object(self.request("POST", path, json_body=body), path)

    def put(self, path: str, body: JsonObject) -> JsonObject:
        return _object(self.request("PUT", path, json_body=body), path)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: JsonObject | None = None,
    ) -> Any:
        where = f"{method} {path}"
        try:
            response = self.http.request(method, path, params=dict(params or {}), json=json_body)
        except httpx.TimeoutException as exc:
            raise RetryLater(
                f"Sage 200 at {self.settings.base_url} did not answer {where} within "
                f"{self.settings.timeout_seconds}s (config key erp.sage200.base_url)",
                details={"url": self.settings.base_url},
            ) from exc
        except httpx.TransportError as exc:
            raise RetryLater(
                f"Sage 200 at {self.settings.base_url} is unreachable for {where} ({exc}); is the API "
                "running and is erp.sage200.base_url right?",
                details={"url": self.settings.base_url},
            ) from exc
        raise_for_status(response, where)
        return decode_json(response, where)


# --- translation (module functions so tests can feed recorded responses straight in) -----------------
def raise_for_status(response: httpx.Response, where: str) -> None:
    status = response.status_code
    if status < 400:
        return
    said = sage_message(response)
    details = {"status": status, "operation": where, "sage_message": said}
    if status >= 500:
        raise RetryLater(
            f"Sage 200 failed on {where} (HTTP {status}): {said}",
            retry_after=retry_after(response),
            details=details,
        )
    if status == 429:
        raise Throttled(
            f"Sage 200 throttled {where}: {said}", retry_after=retry_after(response), details=details
        )
    if status == 401:
        raise ConfigurationError(
            f"Sage 200 refused the access token on {where}: {said}",
            key=f"{KEY}.access_token",
            fix="renew the Sage ID OAuth token and update the secret it is read from",
            details=details,
        )
    if status == 403:
        raise ConfigurationError(
            f"Sage 200 forbade {where}: {said}",
            key=f"{KEY}.site_id / {KEY}.company_id",
            fix="check X-Site/X-Company against GET /sites and the Sage user's permissions",
            details=details,
        )
    raise NeedsPerson(f"Sage 200 rejected {where} (HTTP {status}): {said}", details=details)


def sage_message(response: httpx.Response) -> str:
    """Sage's own words from an error response, whatever its shape."""
    text = response.text.strip()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return _squash(text) or response.reason_phrase or f"HTTP {response.status_code}"
    found = _message_in(body)
    return found or _squash(text) or response.reason_phrase or f"HTTP {response.status_code}"


def _message_in(body: Any) -> str:
    if isinstance(body, list):
        return "; ".join(m for m in (_message_in(item) for item in body) if m)
    if isinstance(body, dict):
        for key in ("message", "Message", "error_description", "error", "ExceptionMessage"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        for key in ("errors", "Errors", "details"):
            if key in body:
                return _message_in(body[key])
    if isinstance(body, str):
        return body
    return ""


def _squash(text: str) -> str:
    return " ".join(text.split())[:300]


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def decode_json(response: httpx.Response, where: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        kind = response.headers.get("content-type", "unknown content type")
        excerpt = _squash(response.text)[:120]
        raise RetryLater(
            f"Sage 200 answered {where} with something that is not JSON ({kind}): {excerpt}",
            details={"status": response.status_code, "operation": where},
        ) from exc


def _objects(body: Any, where: str) -> list[JsonObject]:
    if isinstance(body, list) and all(isinstance(item, dict) for item in body):
        return body
    raise _wrong_shape(body, "a JSON array of objects", where)


def _object(body: Any, where: str) -> JsonObject:
    if isinstance(body, dict):
        return body
    raise _wrong_shape(body, "a JSON object", where)


def _wrong_shape(body: Any, wanted: str, where: str) -> NeedsPerson:
    return NeedsPerson(
        f"Sage 200 answered {where} with {type(body).__name__}, expected {wanted}; "
        "check that erp.sage200.base_url points at the Sage 200 API root",
        details={"operation": where, "body": _squash(json.dumps(body))[:300]},
    )


def odata_quote(value: str) -> str:
    """A string literal for ``$filter`` (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def any_of(field: str, values: Sequence[str]) -> str:
    return " or ".join(f"{field} eq {odata_quote(v)}" for v in values)


def any_id(field: str, values: Sequence[int]) -> str:
    return " or ".join(f"{field} eq {v}" for v in values)
