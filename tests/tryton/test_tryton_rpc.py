"""Tryton JSON-RPC: value encoding both ways, and every kind of bad answer translated to our errors.

The bodies are recorded from trytond 8.2 (``UserError`` on a sale in the wrong state, a warning
when archiving a product with stock, an unknown model, the 401 HTML page of a wrong password).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shopbridge.connectors.erp.tryton.rpc import TrytonRpc, decode, encode, translate_error
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, Throttled

LOGIN_OK = '{"id": 0, "result": [1, "c68eebee4fa5bd120bc8ff6b34d0026", null]}'
PREFS_OK = '{"id": 0, "result": {"company": 1, "language": "en", "locale": {}}}'
USER_ERROR = (
    '{"id":1,"error":["UserError",["You can not call \\"quote\\" on \\"(1)\\" of \\"Sale\\".","",null]]}'
)
USER_WARNING = (
    '{"id":1,"error":["UserWarning",["0b41.deactivate_product_with_stock","The product \\"[TSHIRT-BLU-L]'
    ' T-shirt blue L\\" has still some quantities in locations \\"[STO] Storage Zone\\".",""]]}'
)
UNKNOWN_MODEL = '{"id":1,"error":["\'nothing.here\'",""]}'
ACCESS_ERROR = '{"id":1,"error":["AccessError",["You are not allowed to access \\"Sale\\".",""]]}'
CONCURRENCY = '{"id":1,"error":["ConcurrencyException","Records were modified in the meanwhile"]}'
WRONG_PASSWORD_PAGE = "<!doctype html>\n<html lang=en>\n<title>401 Unauthorized</title>\n"


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (Decimal("36.00"), {"__class__": "Decimal", "decimal": "36.00"}),
        (date(2026, 11, 20), {"__class__": "date", "year": 2026, "month": 11, "day": 20}),
        (
            datetime(2026, 11, 22, 11, 1, 47, 848377, tzinfo=UTC),
            {
                "__class__": "datetime",
                "year": 2026,
                "month": 11,
                "day": 22,
                "hour": 11,
                "minute": 1,
                "second": 47,
                "microsecond": 848377,
            },
        ),
        ([("id", "in", (1, 2))], [["id", "in", [1, 2]]]),
    ],
    ids=["decimal", "date", "datetime", "domain"],
)
def test_values_travel_in_trytons_json_shape_and_come_back(value: Any, wire: Any) -> None:
    assert encode(value) == wire
    back = decode(json.dumps(wire))
    assert back == (json.loads(json.dumps(wire)) if isinstance(value, list) else value)


def test_decimals_inside_a_result_are_decoded_exactly() -> None:
    text = '{"result": [{"list_price": {"__class__": "Decimal", "decimal": "12.50"}}]}'
    assert decode(text)["result"][0]["list_price"] == Decimal("12.50")


@pytest.mark.parametrize(
    ("error", "expected", "says"),
    [
        (json.loads(USER_ERROR)["error"], NeedsPerson, 'You can not call "quote"'),
        (json.loads(USER_WARNING)["error"], NeedsPerson, "still some quantities"),
        (json.loads(ACCESS_ERROR)["error"], ConfigurationError, "not allowed to access"),
        (json.loads(CONCURRENCY)["error"], RetryLater, "modified in the meanwhile"),
        (json.loads(UNKNOWN_MODEL)["error"], NeedsPerson, "nothing.here"),
        (["RateLimitException", []], Throttled, "rate limit"),
        ("not a list", NeedsPerson, "not a list"),
    ],
    ids=["user-error", "user-warning", "access", "concurrency", "unknown-model", "rate-limit", "nonsense"],
)
def test_json_rpc_errors_become_ours_with_trytons_words(
    error: Any, expected: type[Exception], says: str
) -> None:
    translated = translate_error("model.sale.sale.quote", error)
    assert type(translated) is expected
    assert says in str(translated)


def _rpc(answer: Callable[[httpx.Request], httpx.Response]) -> TrytonRpc:
    return TrytonRpc("http://tryton.test", "erp", "admin", "pw", transport=httpx.MockTransport(answer))


def _scripted(*bodies: tuple[int, str]) -> tuple[TrytonRpc, list[dict[str, Any]]]:
    """An RPC whose server answers login, preferences, then ``bodies`` in order; requests are kept."""
    script = [(200, LOGIN_OK), (200, PREFS_OK), *bodies]
    seen: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append({"body": json.loads(request.content), "auth": request.headers.get("Authorization", "")})
        status, text = script.pop(0)
        return httpx.Response(status, text=text)

    return _rpc(answer), seen


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, "<h1>Internal Server Error</h1>", RetryLater),
        (503, "", RetryLater),
        (429, "", Throttled),
        (400, "<h1>Bad Request</h1>", NeedsPerson),
        (403, "", ConfigurationError),
        (200, USER_ERROR, NeedsPerson),
        (200, CONCURRENCY, RetryLater),
        (200, "<html>a proxy's page</html>", ConfigurationError),
        (200, '{"id": 1}', ConfigurationError),
    ],
    ids=["500", "503", "429", "400", "403", "user-error", "concurrency", "html", "no-result"],
)
def test_bad_answers_to_a_model_call_are_translated(
    status: int, body: str, expected: type[Exception]
) -> None:
    rpc, _seen = _scripted((status, body))
    with pytest.raises(expected) as caught:
        rpc.model("sale.sale", "quote", [1])
    assert type(caught.value) is expected
    rpc.close()


def test_a_wrong_password_is_a_configuration_error() -> None:
    rpc = _rpc(lambda request: httpx.Response(401, text=WRONG_PASSWORD_PAGE))
    with pytest.raises(ConfigurationError, match="refused the login"):
        rpc.login()
    rpc.close()


def test_a_refused_connection_is_retried_later() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    rpc = _rpc(refuse)
    with pytest.raises(RetryLater, match="unreachable"):
        rpc.model("product.product", "search", [])
    rpc.close()


def test_an_expired_session_logs_in_again_once_and_carries_the_session_header() -> None:
    rpc, seen = _scripted((401, ""), (200, LOGIN_OK), (200, PREFS_OK), (200, '{"id": 0, "result": [7]}'))
    assert rpc.model("product.product", "search", []) == [7]
    methods = [request["body"]["method"] for request in seen]
    assert methods == [
        "common.db.login",
        "model.res.user.get_preferences",
        "model.product.product.search",
        "common.db.login",
        "model.res.user.get_preferences",
        "model.product.product.search",
    ]
    assert seen[-1]["auth"].startswith("Session ")
    assert seen[-1]["body"]["params"][-1] == {"company": 1, "language": "en"}
    rpc.close()


def test_a_thread_never_calls_with_a_session_whose_context_is_not_loaded_yet() -> None:
    """Two workers start at once: while the first one's preferences are on their way, the second
    must not call with the new session and an empty context (Tryton then refuses a sale line: "User
    in companies"). Every model call the server sees carries the company."""
    import threading

    creates: list[Any] = []
    other: list[threading.Thread] = []
    rpc: TrytonRpc

    def server(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        method = body["method"]
        if method == "common.db.login":
            return httpx.Response(200, text=LOGIN_OK)
        if method == "model.res.user.get_preferences":
            if not other:  # the first login's preferences: a second worker calls meanwhile
                other.append(threading.Thread(target=lambda: rpc.model("sale.sale", "create", [{}])))
                other[0].start()
                other[0].join(timeout=10)
            return httpx.Response(200, text=PREFS_OK)
        creates.append(body["params"][-1])
        return httpx.Response(200, text='{"id": 0, "result": [7]}')

    rpc = TrytonRpc("http://tryton.test", "db", "admin", "pw", transport=httpx.MockTransport(server))
    rpc.model("sale.sale", "create", [{}])
    assert [context.get("company") for context in creates] == [1, 1]
