"""SYSPRO's answers translated into shopbridge errors (a pure table, tested row by row).

e.net answers most failures with HTTP 200 and a body that starts with ``ERROR``; only the web
service itself (IIS, a proxy, the WCF host) answers with an HTTP status. Business-object validation
errors arrive inside an otherwise successful XmlOut (``<ErrorDescription>``, ``<ErrorMessages>``).
Each branch keeps SYSPRO's own words in ``details["syspro"]``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as DET

from shopbridge.domain.problems import ProblemKind, Team
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, Throttled

UNLICENSED_MARK = "e.net exception 100000"
# SYSPRO answers an object that is not licensed, or not registered at all (a wrong name such as the
# UI program ARSPAY instead of the object ARSTPY), with exception 100000, worded both ways below.
_UNLICENSED = re.compile(r"e\.net exception(?: raised)?:?\s*100000", re.IGNORECASE)
_SESSION_WORDS = ("userid", "user id", "session")
_SESSION_STATES = ("invalid", "expired", "not logged", "not found", "timed out")


class SessionExpired(RetryLater):
    """The UserId is no longer valid (someone else logged on as the operator, or it timed out)."""


def unwrap(body: str) -> str:
    """The text of an answer; some e.net versions send it as a JSON string ("\"...\"")."""
    text = body.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            decoded = json.loads(text)
        except ValueError:
            return text
        return decoded.strip() if isinstance(decoded, str) else text
    return text


def is_error_body(body: str) -> bool:
    return body.lstrip().upper().startswith("ERROR")


def is_session_error(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in _SESSION_WORDS) and any(s in lowered for s in _SESSION_STATES)


def error_from_body(body: str, *, business_object: str) -> Exception:
    """The exception for an ``ERROR ...`` body answered by ``business_object``."""
    text = body.strip()
    details = {"syspro": text, "business_object": business_object}
    if _UNLICENSED.search(text):
        return ConfigurationError(
            f"SYSPRO business object {business_object} is not licensed for this operator ({text})",
            key=f"erp.syspro business object {business_object}",
            fix=f"license {business_object} for the operator in e.net License Apportionment, "
            "or turn off the flow that needs it",
            details=details,
        )
    if is_session_error(text):
        return SessionExpired(f"SYSPRO session ended: {text}", retry_after=0, details=details)
    return NeedsPerson(
        f"SYSPRO {business_object} refused the request: {text}",
        kind=ProblemKind.REMOTE_REJECTED,
        details=details,
    )


def is_unlicensed(exc: Exception) -> bool:
    """Whether ``exc`` is SYSPRO's exception 100000 (not a refused logon, also a ConfigurationError)."""
    details = getattr(exc, "details", None) or {}
    return isinstance(exc, ConfigurationError) and bool(_UNLICENSED.search(str(details.get("syspro", ""))))


def error_from_status(status: int, body: str, *, business_object: str) -> Exception:
    """The exception for a non-200 HTTP answer from the e.net web service."""
    snippet = body.strip()[:300]
    details = {"status": status, "syspro": snippet, "business_object": business_object}
    if status == 429:
        return Throttled(f"SYSPRO web service throttled {business_object} (HTTP 429)", details=details)
    if status >= 500:
        return RetryLater(f"SYSPRO web service failed on {business_object} (HTTP {status})", details=details)
    return NeedsPerson(
        f"SYSPRO web service rejected {business_object} (HTTP {status}): {snippet}",
        kind=ProblemKind.REMOTE_REJECTED,
        details=details,
    )


def parse_xml(body: str, *, business_object: str) -> ET.Element:
    """Parse an XmlOut safely: entity tricks are refused, garbage is treated as a transient fault."""
    if not body.strip():
        raise RetryLater(f"SYSPRO answered {business_object} with an empty body", retry_after=30)
    try:
        return DET.fromstring(body)
    except defusedxml.DefusedXmlException as exc:
        raise NeedsPerson(
            f"SYSPRO's answer to {business_object} declares entities or a DTD; refused as unsafe",
            kind=ProblemKind.REMOTE_REJECTED,
            team=Team.TECHNICAL,
            details={"business_object": business_object, "syspro": body[:300]},
        ) from exc
    except ET.ParseError as exc:
        raise RetryLater(
            f"SYSPRO answered {business_object} with text that is not XML ({exc})",
            retry_after=30,
            details={"business_object": business_object, "syspro": body[:300]},
        ) from exc


def validation_messages(root: ET.Element) -> list[str]:
    """Every ``ErrorDescription`` text in an XmlOut (or a bare ``ErrorMessages`` text), in order."""
    found: list[str] = []
    for node in root.iter():
        bare = node.tag in ("ErrorMessages", "ErrorMessage") and len(node) == 0
        if node.tag == "ErrorDescription" or bare:
            text = " ".join(t.strip() for t in node.itertext() if t.strip())
            if text:
                found.append(text)
    return found


def raise_for_validation(root: ET.Element, *, business_object: str) -> None:
    messages = validation_messages(root)
    if messages:
        raise NeedsPerson(
            f"SYSPRO {business_object} rejected the document: {'; '.join(messages)}",
            kind=ProblemKind.REMOTE_REJECTED,
            details={"syspro": messages, "business_object": business_object},
        )
