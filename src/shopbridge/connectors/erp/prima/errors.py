"""Prima's answers translated into shopbridge errors (a pure table, tested row by row).

Three layers can fail: HTTP (the web server), SOAP (a ``soap:Fault``: ``Client`` means our envelope
is wrong, ``Server`` that Prima failed), and the Prima document (``<Response Status="Error">`` with
an ``<Error Code="...">`` text). Prima's own words are kept in ``details["prima"]``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as DET

from shopbridge.domain.problems import ProblemKind, Team
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, Throttled


class PrimaRejected(NeedsPerson):
    """Prima answered ``Status="Error"``; ``code`` is its error code (may be empty)."""

    def __init__(self, request_type: str, code: str, text: str) -> None:
        super().__init__(
            f"Prima refused {request_type}: {text}" + (f" (code {code})" if code else ""),
            kind=ProblemKind.REMOTE_REJECTED,
            details={"prima": text, "code": code, "request_type": request_type},
        )
        self.code = code
        self.text = text


def error_from_status(status: int, body: str, *, request_type: str) -> Exception:
    details = {"status": status, "prima": body.strip()[:300], "request_type": request_type}
    if status in (401, 403):
        return ConfigurationError(
            f"Prima refused our credentials for {request_type} (HTTP {status})",
            key="erp.prima.username",
            fix="check erp.prima.username and the password secret, and the company id",
            details=details,
        )
    if status == 429:
        return Throttled(f"Prima throttled {request_type} (HTTP 429)", details=details)
    if status >= 500:
        return RetryLater(f"Prima's web service failed on {request_type} (HTTP {status})", details=details)
    return NeedsPerson(
        f"Prima rejected {request_type} (HTTP {status}): {body.strip()[:200]}", details=details
    )


def error_from_fault(code: str, text: str, *, request_type: str) -> Exception:
    """``soap:Server`` faults are Prima's own failures (retry); anything else is our request (person)."""
    details = {"faultcode": code, "prima": text, "request_type": request_type}
    if code.rsplit(":", 1)[-1] == "Server":
        return RetryLater(f"Prima failed on {request_type}: {text}", retry_after=60, details=details)
    return NeedsPerson(f"Prima refused the {request_type} envelope: {text}", details=details)


def parse(text: str, *, what: str, request_type: str) -> ET.Element:
    """Parse safely: entity tricks are refused, truncated or garbled text is a transient fault."""
    if not text.strip():
        raise RetryLater(f"Prima answered {request_type} with an empty {what}", retry_after=30)
    try:
        return DET.fromstring(text)
    except defusedxml.DefusedXmlException as exc:
        raise NeedsPerson(
            f"Prima's {what} for {request_type} declares entities or a DTD; refused as unsafe",
            team=Team.TECHNICAL,
            details={"prima": text[:300], "request_type": request_type},
        ) from exc
    except ET.ParseError as exc:
        raise RetryLater(
            f"Prima's {what} for {request_type} is not complete XML ({exc})",
            retry_after=30,
            details={"prima": text[:300], "request_type": request_type},
        ) from exc


def check_response(response: ET.Element, *, request_type: str) -> ET.Element:
    """Raise :class:`PrimaRejected` for ``Status="Error"``; return the response otherwise."""
    if response.tag != "Response":
        raise RetryLater(
            f"Prima answered {request_type} with <{response.tag}>, not <Response>", retry_after=30
        )
    if (response.get("Status") or "").lower() != "error":
        return response
    errors = response.findall("Error") or [response]
    code = errors[0].get("Code", "")
    text = "; ".join(" ".join(e.itertext()).strip() or e.get("Message", "") for e in errors)
    raise PrimaRejected(request_type, code, text or "no reason given")
