"""Tryton's JSON-RPC over HTTP: transport, value encoding, session and error translation.

Tryton serves ``POST /<database>/rpc/`` with ``{"id", "method", "params"}``. ``common.db.login``
returns ``[user_id, token, ...]``; later calls carry ``Authorization: Session
base64(login:user_id:token)``. Model calls are ``model.<name>.<method>`` with the context as their
last parameter. Decimals, dates and datetimes travel as ``{"__class__": ..., ...}`` objects.

Errors arrive three ways and each becomes one of ours (``raise ... from`` keeps the original):
HTTP status (401 -> log in again once, then configuration; 429 -> throttled; 5xx -> retry later;
other 4xx -> a person), a JSON ``error`` member (``UserError``/``UserWarning`` -> a person, with
Tryton's own words; access and login errors -> configuration; concurrency -> retry later), and
network failures (-> retry later).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx

from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, Throttled

__all__ = ["TrytonRpc", "decode", "encode", "translate_error"]

_DATETIME_PARTS = ("year", "month", "day", "hour", "minute", "second", "microsecond")


def encode(value: Any) -> Any:
    """Our values in Tryton's JSON shape (datetimes are naive UTC on the Tryton side)."""
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return {"__class__": "datetime", **{part: getattr(naive, part) for part in _DATETIME_PARTS}}
    if isinstance(value, date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def _decode_object(obj: dict[str, Any]) -> Any:
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "datetime":
        year, month, day, hour, minute, second, micro = (int(obj.get(part, 0)) for part in _DATETIME_PARTS)
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    if kind == "date":
        return date(obj["year"], obj["month"], obj["day"])
    if kind == "time":
        return time(obj.get("hour", 0), obj.get("minute", 0), obj.get("second", 0))
    if kind == "timedelta":
        return timedelta(seconds=obj["seconds"])
    if kind == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def decode(text: str | bytes) -> Any:
    """Tryton's JSON text to Python values (datetimes come back timezone-aware UTC)."""
    return json.loads(text, object_hook=_decode_object)


def translate_error(method: str, error: Any) -> Exception:
    """A JSON-RPC ``error`` member as one of our errors, keeping Tryton's words in the message."""
    if not isinstance(error, list) or not error:
        return NeedsPerson(f"Tryton failed on {method}: {error!r}", details={"tryton_error": error})
    name, args = str(error[0]), error[1] if len(error) > 1 else None
    words = _words(args)
    details = {"tryton_error": name, "method": method, "tryton_message": words, "tryton_args": args}
    if name in ("UserError", "UserWarning"):
        return NeedsPerson(f"Tryton refused {method}: {words}", details=details)
    if name in ("AccessError", "LoginException", "NotLogged", "RPCAccessError"):
        return ConfigurationError(
            f"Tryton denied {method}: {words or name}",
            key="erp.tryton.username",
            fix="give the Tryton user access to this model, or check the credentials",
            details=details,
        )
    if name in ("ConcurrencyException", "DatabaseOperationalError"):
        return RetryLater(f"Tryton was busy on {method}: {words or name}", details=details)
    if name == "RateLimitException":
        return Throttled(f"Tryton rate limit on {method}", retry_after=5.0, details=details)
    return NeedsPerson(f"Tryton failed on {method}: {name} {words}".strip(), details=details)


def _words(args: Any) -> str:
    if isinstance(args, list):
        return " ".join(str(a) for a in args if isinstance(a, str) and a).strip()
    return str(args or "").strip()


class TrytonRpc:
    """One JSON-RPC session to one Tryton database, logged in lazily and again when it expires."""

    def __init__(
        self,
        url: str,
        database: str,
        username: str,
        password: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        company_id: int | None = None,
    ) -> None:
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self._username = username
        self._password = password
        self._company_id = company_id
        self._client = httpx.Client(timeout=timeout, transport=transport)
        self._lock = threading.Lock()
        self._session: str | None = None
        self.context: dict[str, Any] = {}

    def close(self) -> None:
        self._client.close()

    def login(self) -> None:
        """Open a session and load the user's preferences as the context of every model call.

        The session is published together with its context, never before: another thread that saw
        the session while the preferences were still on their way would call without a company, and
        Tryton refuses a sale line then ("User in companies"), as a rehearsal's workers found.
        """
        result = self._post(
            "common.db.login", [self._username, {"password": self._password}, "en"], session=None
        )
        if not isinstance(result, list) or len(result) < 2:
            raise ConfigurationError(f"Tryton login answered {result!r}", key="erp.tryton.url")
        token = f"{self._username}:{result[0]}:{result[1]}"
        session = base64.b64encode(token.encode()).decode()
        prefs = self._post("model.res.user.get_preferences", [True, {}], session=session)
        context = dict(prefs) if isinstance(prefs, dict) else {}
        if self._company_id is not None:
            context["company"] = self._company_id
        with self._lock:
            self.context = {k: v for k, v in context.items() if k in ("company", "language", "companies")}
            self._session = session

    def model(self, name: str, method: str, *args: Any, context: Mapping[str, Any] | None = None) -> Any:
        """``model.<name>.<method>(*args, context)``: the session context plus ``context``."""
        if self._session is None:
            self.login()
        merged = {**self.context, **(context or {})}
        return self.call(f"model.{name}.{method}", *args, merged)

    def call(self, method: str, *params: Any) -> Any:
        if self._session is None and method != "common.db.login":
            self.login()
        try:
            return self._post(method, list(params), session=self._session)
        except _SessionExpired:
            self.login()
            return self._post(method, list(params), session=self._session)

    def _post(self, method: str, params: list[Any], *, session: str | None) -> Any:
        headers = {"Authorization": f"Session {session}"} if session else {}
        body = json.dumps({"id": 0, "method": method, "params": encode(params)})
        try:
            response = self._client.post(
                self.endpoint, content=body, headers={"Content-Type": "application/json", **headers}
            )
        except httpx.TimeoutException as exc:
            raise RetryLater(f"Tryton at {self.endpoint} timed out on {method}") from exc
        except httpx.HTTPError as exc:
            raise RetryLater(
                f"Tryton at {self.endpoint} is unreachable ({exc}); is trytond running and is "
                "erp.tryton.url right?"
            ) from exc
        return self._answer(method, response, logged_in=session is not None)

    def _answer(self, method: str, response: httpx.Response, *, logged_in: bool) -> Any:
        _raise_for_status(method, response, logged_in=logged_in, endpoint=self.endpoint)
        try:
            payload = decode(response.content)
        except ValueError as exc:
            raise _nonsense(self.endpoint, method, response.text) from exc
        if not isinstance(payload, dict) or not ({"result", "error"} & payload.keys()):
            raise _nonsense(self.endpoint, method, response.text)
        if payload.get("error") is not None:
            raise translate_error(method, payload["error"])
        return payload["result"]


class _SessionExpired(Exception):
    """The server forgot our session (restart, timeout): log in again once."""


def _raise_for_status(method: str, response: httpx.Response, *, logged_in: bool, endpoint: str) -> None:
    status = response.status_code
    if status < 400:
        return
    details = {"status": status, "method": method, "body": response.text[:500]}
    if status == 401 and logged_in:
        raise _SessionExpired()
    if status in (401, 403):
        raise ConfigurationError(
            f"Tryton at {endpoint} refused the login for {method} (HTTP {status})",
            key="erp.tryton.password",
            fix="check the Tryton user and password",
            details=details,
        )
    if status == 429:
        raise Throttled(f"Tryton rate limit on {method}", retry_after=_retry_after(response), details=details)
    if status >= 500:
        raise RetryLater(
            f"Tryton answered HTTP {status} on {method}", retry_after=_retry_after(response), details=details
        )
    raise NeedsPerson(f"Tryton rejected {method} with HTTP {status}: {response.text[:200]}", details=details)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _nonsense(endpoint: str, method: str, text: str) -> ConfigurationError:
    return ConfigurationError(
        f"{endpoint} answered {method} with something that is not Tryton JSON-RPC: {text[:120]!r}",
        key="erp.tryton.url",
        fix="point erp.tryton.url at the trytond server root (e.g. http://127.0.0.1:8000)",
    )
