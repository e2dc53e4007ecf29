"""SYSPRO's bad answers and the web tier's, each translated to one error class.

The exception-100000 wordings and the JSON-quoted answer form come from public evidence (see
``tests/fixtures/syspro/SOURCES.md``); the XML validation block and the other bodies are our
assumption of what e.net and IIS send.

The client is driven through httpx's MockTransport so the whole transport path runs (status check,
ERROR-body check, defusedxml parse, validation scan) on the recorded bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from shopbridge.config.erp import SysproSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.syspro.client import SysproClient
from shopbridge.connectors.erp.syspro.errors import SessionExpired, error_from_body, validation_messages
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, ShopbridgeError, Throttled

SORTOI_REJECTED = """<?xml version="1.0" encoding="Windows-1252"?>
<SalesOrders><Order><CustomerPoNumber>#1001</CustomerPoNumber><ErrorMessages>
<ErrorDescription>Customer 'C99999' not on file</ErrorDescription>
<ErrorDescription>Stock code 'NOPE' not on file</ErrorDescription>
</ErrorMessages></Order><StatusOfItems><ItemsProcessed>000000</ItemsProcessed>
<ItemsRejectedWithWarnings>000001</ItemsRejectedWithWarnings></StatusOfItems></SalesOrders>"""
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<COMFND><Row><StockCode>&lol2;</StockCode></Row></COMFND>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><COMFND><Row><StockCode>&xxe;</StockCode></Row></COMFND>"""
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"

# (case, HTTP status, recorded body, expected class, words the message must keep)
TABLE: list[tuple[str, int, str, type[ShopbridgeError], str]] = [
    (
        "unlicensed object",
        200,
        "ERROR: e.net exception 100000: business object SORTOI is not licensed",
        ConfigurationError,
        "SORTOI",
    ),
    ("unlicensed, other wording", 200, "ERROR: e.net exception raised: 100000", ConfigurationError, "100000"),
    ("unlicensed, JSON-quoted", 200, '"ERROR: e.net exception 100000"', ConfigurationError, "100000"),
    ("validation errors in XmlOut", 200, SORTOI_REJECTED, NeedsPerson, "Customer 'C99999' not on file"),
    ("other ERROR body", 200, "ERROR: Warehouse 'ZZ' not on file", NeedsPerson, "Warehouse 'ZZ' not on file"),
    ("HTML 502 from the web tier", 502, HTML_502, RetryLater, "HTTP 502"),
    ("503 with empty body", 503, "", RetryLater, "HTTP 503"),
    ("empty body with 200", 200, "", RetryLater, "empty body"),
    ("not XML with 200", 200, "Service temporarily unavailable, try later", RetryLater, "not XML"),
    ("truncated XmlOut", 200, "<COMFND><Row><StockCode>MUG", RetryLater, "not XML"),
    ("HTTP 400 from WCF", 400, "Bad Request", NeedsPerson, "HTTP 400"),
    ("HTTP 429", 429, "Too many requests", Throttled, "HTTP 429"),
    ("XML bomb", 200, BILLION_LAUGHS, NeedsPerson, "refused as unsafe"),
    ("external entity", 200, EXTERNAL_ENTITY, NeedsPerson, "refused as unsafe"),
]


@pytest.fixture(autouse=True)
def _operator_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPBRIDGE_TEST_SYSPRO_PASSWORD", "pw")


def _client(answer: Callable[[httpx.Request], httpx.Response]) -> SysproClient:
    """A client whose n-th logon answers ``SESSION-n`` and whose other calls get ``answer``."""
    logons = iter(range(1, 100))

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Logon"):
            return httpx.Response(200, text=f"SESSION-{next(logons)}  ")
        return answer(request)

    settings = SysproSettings(
        base_url="http://syspro.test/SYSPROWCFService/Rest",
        operator="OP",
        operator_password=SecretRef(env="SHOPBRIDGE_TEST_SYSPRO_PASSWORD"),
        company_id="1",
    )
    return SysproClient(settings, http=httpx.Client(transport=httpx.MockTransport(route)))


@pytest.mark.parametrize(
    ("case", "status", "body", "expected", "words"), TABLE, ids=[row[0] for row in TABLE]
)
def test_each_recorded_bad_answer_becomes_its_error_class(
    case: str, status: int, body: str, expected: type[ShopbridgeError], words: str
) -> None:
    client = _client(lambda request: httpx.Response(status, text=body))
    with pytest.raises(expected) as caught:
        client.query("COMFND" if "SORTOI" not in body else "SORTOI", "<Query/>")
    assert words in str(caught.value)
    assert not isinstance(caught.value, SessionExpired)


def test_a_timeout_becomes_retry_later() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(RetryLater, match="did not answer COMFND in time"):
        _client(hang).query("COMFND", "<Query/>")


def test_a_refused_connection_becomes_retry_later() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(RetryLater, match="unreachable"):
        _client(refuse).query("COMFND", "<Query/>")


@pytest.mark.parametrize(
    "body",
    [
        "ERROR: Invalid UserId 'ABC': the session has expired or was ended by another logon",
        "ERROR: UserId ABC not found - session timed out",
        "ERROR: The session is invalid",
    ],
)
def test_session_errors_are_recognised(body: str) -> None:
    assert isinstance(error_from_body(body, business_object="COMFND"), SessionExpired)


def test_the_unlicensed_error_names_the_object_and_the_fix() -> None:
    error = error_from_body("ERROR: e.net exception 100000", business_object="GENTJL")
    assert isinstance(error, ConfigurationError)
    assert "GENTJL" in error.key and "license GENTJL" in error.fix and "turn off the flow" in error.fix


def test_validation_messages_are_read_once_each_in_order() -> None:
    from defusedxml.ElementTree import fromstring

    assert validation_messages(fromstring(SORTOI_REJECTED)) == [
        "Customer 'C99999' not on file",
        "Stock code 'NOPE' not on file",
    ]


def test_a_session_error_logs_on_again_once_and_repeats_the_call() -> None:
    used: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        used.append(request.url.params["UserId"])
        if len(used) == 1:
            return httpx.Response(200, text="ERROR: Invalid UserId 'SESSION-1'")
        return httpx.Response(200, text="<COMFND><ReturnedRows>0</ReturnedRows></COMFND>")

    root = _client(answer).query("COMFND", "<Query/>")
    assert root.tag == "COMFND"
    assert used == ["SESSION-1", "SESSION-2"]


def test_a_session_error_after_the_fresh_logon_is_not_retried_forever() -> None:
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, text="ERROR: Invalid UserId")

    with pytest.raises(SessionExpired):
        _client(answer).query("COMFND", "<Query/>")
    assert len(calls) == 2
