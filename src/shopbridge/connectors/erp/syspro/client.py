"""Transport to SYSPRO e.net Solutions over its REST shape (every call a GET).

One session (UserId) per operator: SYSPRO ends a session when someone logs on as the same
operator, so a call answered with a session error logs on again once and is repeated. Repeating is
safe because SYSPRO refused the call before the business object ran.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping

import httpx

from shopbridge.config.erp import SysproSettings
from shopbridge.connectors.erp.syspro.errors import (
    SessionExpired,
    error_from_body,
    error_from_status,
    is_error_body,
    parse_xml,
    raise_for_validation,
    unwrap,
)
from shopbridge.errors import ConfigurationError, RetryLater


class SysproClient:
    """Logon, Query, Transaction/Post, Setup/Add and Logoff, with errors translated."""

    def __init__(self, settings: SysproSettings, *, http: httpx.Client | None = None) -> None:
        self._settings = settings
        self._http = http or httpx.Client(timeout=settings.timeout_seconds)
        self._base = settings.base_url.rstrip("/")
        self._user_id: str | None = None
        self._lock = threading.Lock()

    # --- session ---------------------------------------------------------------------------
    def logon(self) -> str:
        with self._lock:
            self._user_id = self._logon()
            return self._user_id

    def _logon(self) -> str:
        params = {
            "Operator": self._settings.operator,
            "OperatorPassword": self._settings.operator_password.resolve("erp.syspro.operator_password"),
            "CompanyId": self._settings.company_id,
            "CompanyPassword": self._company_password(),
        }
        body = self._get("/Logon", params, business_object="Logon")
        if is_error_body(body):
            raise ConfigurationError(
                f"SYSPRO refused the logon of operator {self._settings.operator}: {body}",
                key="erp.syspro.operator",
                fix="check the operator, its password, the company id and the company password",
                details={"syspro": body},
            )
        if not body or "<" in body or " " in body:
            raise RetryLater(f"SYSPRO logon answered no session id: {body[:200]!r}", retry_after=30)
        return body

    def _company_password(self) -> str:
        ref = self._settings.company_password
        return ref.resolve("erp.syspro.company_password") if ref is not None else ""

    def _session(self) -> str:
        with self._lock:
            if self._user_id is None:
                self._user_id = self._logon()
            return self._user_id

    def _forget(self, user_id: str) -> None:
        with self._lock:
            if self._user_id == user_id:
                self._user_id = None

    def logoff(self) -> None:
        with self._lock:
            user_id, self._user_id = self._user_id, None
        if user_id is not None:
            self._get("/Logoff", {"UserId": user_id}, business_object="Logoff")

    def close(self) -> None:
        """Log off if still logged on, then close the pool. A SYSPRO that is already gone has ended
        the session itself: closing never fails for that."""
        try:
            self.logoff()
        except RetryLater:
            pass
        finally:
            self._http.close()

    # --- business objects ------------------------------------------------------------------
    def query(self, business_object: str, xml_in: str) -> ET.Element:
        return self._object_call("/Query/Query", business_object, {"XmlIn": xml_in})

    def post(self, business_object: str, xml_parameters: str, xml_in: str) -> ET.Element:
        params = {"XmlParameters": xml_parameters, "XmlIn": xml_in}
        return self._object_call("/Transaction/Post", business_object, params)

    def setup_add(self, business_object: str, xml_parameters: str, xml_in: str) -> ET.Element:
        params = {"XmlParameters": xml_parameters, "XmlIn": xml_in}
        return self._object_call("/Setup/Add", business_object, params)

    def _object_call(self, path: str, business_object: str, params: Mapping[str, str]) -> ET.Element:
        body = self._with_session(path, business_object, params)
        root = parse_xml(body, business_object=business_object)
        raise_for_validation(root, business_object=business_object)
        return root

    def _with_session(self, path: str, business_object: str, params: Mapping[str, str]) -> str:
        """Call once; if SYSPRO says the session is gone, log on again and call once more."""
        for attempt in (1, 2):
            user_id = self._session()
            body = self._get(
                path,
                {"UserId": user_id, "BusinessObject": business_object, **params},
                business_object=business_object,
            )
            if not is_error_body(body):
                return body
            error = error_from_body(body, business_object=business_object)
            if isinstance(error, SessionExpired) and attempt == 1:
                self._forget(user_id)
                continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, path: str, params: Mapping[str, str], *, business_object: str) -> str:
        try:
            response = self._http.get(self._base + path, params=dict(params))
        except httpx.TimeoutException as exc:
            raise RetryLater(f"SYSPRO did not answer {business_object} in time", retry_after=60) from exc
        except httpx.TransportError as exc:
            raise RetryLater(f"SYSPRO is unreachable at {self._base} ({exc})", retry_after=60) from exc
        if response.status_code != 200:
            raise error_from_status(response.status_code, response.text, business_object=business_object)
        return unwrap(response.text)
