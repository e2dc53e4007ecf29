"""The Sage 200 client's error translation, table-tested with recorded bad responses.

The specs document no error body (each 400 has ``content: {}``), so the Sage-shaped bodies below are
the shapes Sage's guides and its ASP.NET gateway use; the rest are what proxies and outages produce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from shopbridge.config.erp import Sage200Settings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.sage200.client import Sage200Client
from shopbridge.domain.problems import ProblemKind
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, ShopbridgeError, Throttled

SAGE_400 = b'{"statusCode":400,"message":"The product \'XYZ\' could not be found."}'
ASPNET_400 = b'{"Message":"The request is invalid.","ModelState":{"sop_order.lines[0].code":["Too long"]}}'
LIST_400 = b'[{"code":"InvalidField","message":"customer_document_no is too long"}]'
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
JSON = {"content-type": "application/json"}
HTML = {"content-type": "text/html"}

# (name, status, headers, body, expected class, words the message must keep)
TABLE: list[tuple[str, int, dict[str, str], bytes, type[ShopbridgeError], str]] = [
    (
        "sage 400 keeps sage's words",
        400,
        JSON,
        SAGE_400,
        NeedsPerson,
        "The product 'XYZ' could not be found.",
    ),
    ("asp.net 400 keeps its message", 400, JSON, ASPNET_400, NeedsPerson, "The request is invalid."),
    (
        "list of errors keeps each message",
        400,
        JSON,
        LIST_400,
        NeedsPerson,
        "customer_document_no is too long",
    ),
    (
        "404 is a rejection",
        404,
        JSON,
        b'{"message":"No HTTP resource was found"}',
        NeedsPerson,
        "No HTTP resource",
    ),
    (
        "409 is a rejection",
        409,
        JSON,
        b'{"message":"The record is locked by another user"}',
        NeedsPerson,
        "locked",
    ),
    ("422 is a rejection", 422, JSON, b'{"message":"Unprocessable"}', NeedsPerson, "Unprocessable"),
    (
        "401 is the token",
        401,
        JSON,
        b'{"message":"Authorization has been denied"}',
        ConfigurationError,
        "access_token",
    ),
    ("403 is site or company", 403, JSON, b'{"message":"Forbidden"}', ConfigurationError, "X-Site/X-Company"),
    ("html 502 from a proxy retries", 502, HTML, HTML_502, RetryLater, "502 Bad Gateway"),
    ("500 with an empty body retries", 500, {}, b"", RetryLater, "HTTP 500"),
    ("503 retries", 503, JSON, b'{"message":"Service Unavailable"}', RetryLater, "Service Unavailable"),
    ("429 throttles", 429, JSON, b'{"message":"Too many requests"}', Throttled, "Too many requests"),
    ("200 html login page retries", 200, HTML, b"<html><body>Sign in</body></html>", RetryLater, "not JSON"),
    ("200 with the wrong json shape", 200, JSON, b'{"value":[]}', NeedsPerson, "expected a JSON array"),
    ("200 with a list of numbers", 200, JSON, b"[1,2,3]", NeedsPerson, "expected a JSON array of objects"),
]


def settings() -> Sage200Settings:
    return Sage200Settings(
        base_url="http://sage.invalid/api",
        site_id="site",
        company_id="1",
        access_token=SecretRef(env="UNUSED"),
        timeout_seconds=1.0,
    )


def client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> Sage200Client:
    return Sage200Client(settings(), "token", transport=httpx.MockTransport(handler))


@pytest.fixture
def recorded() -> Iterator[Callable[[int, dict[str, str], bytes], Sage200Client]]:
    made: list[Sage200Client] = []

    def make(status: int, headers: dict[str, str], body: bytes) -> Sage200Client:
        made.append(client_answering(lambda _req: httpx.Response(status, headers=headers, content=body)))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.mark.parametrize(
    ("name", "status", "headers", "body", "expected", "words"), TABLE, ids=[t[0] for t in TABLE]
)
def test_a_recorded_bad_response_becomes_the_right_error(
    recorded: Callable[[int, dict[str, str], bytes], Sage200Client],
    name: str,
    status: int,
    headers: dict[str, str],
    body: bytes,
    expected: type[ShopbridgeError],
    words: str,
) -> None:
    with pytest.raises(ShopbridgeError) as caught:
        recorded(status, headers, body).get_list("/sop_orders")
    assert type(caught.value) is expected, name
    assert words in caught.value.message


def test_a_rejection_keeps_sages_message_and_the_operation_in_its_details(
    recorded: Callable[[int, dict[str, str], bytes], Sage200Client],
) -> None:
    with pytest.raises(NeedsPerson) as caught:
        recorded(400, JSON, SAGE_400).post("/sop_orders", {"customer_id": 1})
    assert caught.value.kind is ProblemKind.REMOTE_REJECTED
    assert caught.value.details == {
        "status": 400,
        "operation": "POST /sop_orders",
        "sage_message": "The product 'XYZ' could not be found.",
    }


def http_date_in(seconds: int) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [(lambda: "7", 7.0), (lambda: http_date_in(120), 120.0), (lambda: "soon", None)],
    ids=["seconds", "http-date", "garbage"],
)
def test_retry_after_is_honoured_in_seconds_or_as_a_date(
    recorded: Callable[[int, dict[str, str], bytes], Sage200Client],
    header: Callable[[], str],
    expected: float | None,
) -> None:
    with pytest.raises(RetryLater) as caught:
        recorded(503, {"Retry-After": header()}, b"").get_list("/products")
    if expected is None:
        assert caught.value.retry_after is None
    else:
        assert caught.value.retry_after == pytest.approx(expected, abs=2)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("reset"),
    ],
    ids=["refused", "timeout", "reset"],
)
def test_network_failures_retry_later(failure: httpx.HTTPError) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise failure

    client = client_answering(boom)
    try:
        with pytest.raises(RetryLater) as caught:
            client.get_list("/products")
    finally:
        client.close()
    assert caught.value.__cause__ is failure
