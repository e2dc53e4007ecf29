"""Prima's answers translated into shopbridge errors (a pure table, tested row by row).

Three layers can fail: HTTP (the web server), SOAP (an OpenEdge WSA ``Fault``: ``Client`` means our
envelope is wrong, ``Server`` that the WSA or Prima failed), and the Prima document
(``RequestStatus="ERROR"`` with ``RequestError Error="(E:nn) text"``). Prima's own words are kept in
``details["prima"]``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as DET

from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.domain.problems import ProblemKind, Team
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, Throttled


class PrimaRejected(NeedsPerson):
    """Prima answered ``RequestStatus="ERROR"``; ``codes`` are its ``(E:nn)`` codes (may be empty)."""

    def __init__(self, request_type: str, codes: tuple[str, ...], text: str) -> None:
        shown = ", ".join(codes)
        super().__init__(
            f"Prima refused {request_type}: {text}" + (f" ({shown})" if shown else ""),
            kind=ProblemKind.REMOTE_REJECTED,
            details={"prima": text, "code": shown, "request_type": request_type},
        )
        self.codes = codes
        self.code = codes[0] if codes else ""
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


def error_from_fault(fault: rq.Fault, *, request_type: str) -> Exception:
    """``Server`` faults are the WSA's or Prima's own failures (retry); others are our request (person).

    OpenEdge's ``faultstring`` is general; the cause is in ``FaultDetail/errorMessage``, so both
    are kept, with the ``requestID`` the WSA log can be searched by.
    """
    text = "; ".join(t for t in (fault.text, fault.detail) if t) or "no reason given"
    details = {
        "faultcode": fault.code,
        "prima": text,
        "request_id": fault.request_id,
        "request_type": request_type,
    }
    if fault.code.rsplit(":", 1)[-1] == "Server":
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


def check_response(result: ET.Element, *, request_type: str) -> ET.Element:
    """Raise :class:`PrimaRejected` for ``RequestStatus="ERROR"``; return the ``<Result>`` otherwise."""
    if result.tag != "Result":
        raise RetryLater(f"Prima answered {request_type} with <{result.tag}>, not <Result>", retry_after=30)
    messages = rq.read_messages(result)
    if messages is None:
        return result
    codes = tuple(dict.fromkeys(m.code for m in messages if m.code))
    text = "; ".join(m.text for m in messages)
    raise PrimaRejected(request_type, codes, text or "no reason given")
