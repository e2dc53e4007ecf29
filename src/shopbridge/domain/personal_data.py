"""Masking personal data in stored payloads before a person (or a log line) sees them.

Pure functions over JSON-like values (dicts, lists, strings, numbers), keyed on field names as
Shopify writes them in REST webhooks (``first_name``, ``address1``) and in GraphQL
(``firstName``, ``emailAddress``): names, emails, phones and street addresses are masked so a
viewer can still tell values apart (``j•••@e•••.com``) without learning them. Card data is removed
outright, for everyone: :func:`reveal` (what an admin sees) keeps personal data but not cards.

Free text is scanned for email addresses too, since a message may quote one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["CARD_REMOVED", "MASK", "mask_email", "mask_personal_data", "mask_text", "reveal"]

MASK = "•••"
CARD_REMOVED = "[card data removed]"

# Keys compared after lower-casing and dropping "_" and "-", so first_name, firstName and
# first-name are one key.
_EMAIL_KEYS = frozenset({"email", "contactemail", "customeremail", "emailaddress", "buyeremail"})
_PHONE_KEYS = frozenset({"phone", "phonenumber", "mobile", "smsnumber"})
_NAME_KEYS = frozenset({"firstname", "lastname", "displayname", "fullname", "contactname", "customername"})
# Masked whole: street lines, postcodes, coordinates, and the buyer's IP address.
_WHOLE_KEYS = frozenset(
    {"address1", "address2", "street", "zip", "postcode", "postalcode", "latitude", "longitude", "browserip"}
)
# "name" and "company" are personal only inside a person or an address ("name" is also an order's
# "#1001" and a product's title).
_CONTEXT_NAME_KEYS = frozenset({"name", "company"})
_PERSON_CONTEXTS = frozenset(
    {
        "customer",
        "billingaddress",
        "shippingaddress",
        "defaultaddress",
        "addresses",
        "address",
        "destination",
        "origin",
        "contact",
        "purchasingentity",
    }
)
_CARD_MARKERS = ("creditcard", "cardnumber", "paymentdetails", "ccnumber", "cvv", "cvc", "cardbin")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _norm(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def mask_email(email: str) -> str:
    """``jane.doe@example.co.uk`` -> ``j•••@e•••.uk``: the first letters and the last label only."""
    local, _, domain = email.partition("@")
    host, _, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}{MASK}.{tld}" if host else MASK
    return f"{local[:1]}{MASK}@{masked_domain}"


def mask_text(text: str) -> str:
    """Free text with every email address in it masked."""
    return _EMAIL_RE.sub(lambda m: mask_email(m.group(0)), text)


def _mask_name(value: str) -> str:
    return f"{value[:1]}{MASK}" if value else value


def _mask_phone(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    return f"{MASK}{''.join(digits[-2:])}" if digits else value


def _mask_all(value: str) -> str:
    return MASK if value else value


def _masker(key: str, in_person: bool) -> Callable[[str], str] | None:
    if key in _EMAIL_KEYS:
        return mask_email
    if key in _PHONE_KEYS:
        return _mask_phone
    if key in _NAME_KEYS or (in_person and key in _CONTEXT_NAME_KEYS):
        return _mask_name
    if key in _WHOLE_KEYS:
        return _mask_all
    return None


def _is_card(key: str) -> bool:
    return any(marker in key for marker in _CARD_MARKERS)


def _walk(value: Any, *, mask: bool, in_person: bool = False) -> Any:
    if isinstance(value, dict):
        return {k: _field(str(k), v, mask=mask, in_person=in_person) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(item, mask=mask, in_person=in_person) for item in value]
    if isinstance(value, str) and mask:
        return mask_text(value)
    return value


def _field(key: str, value: Any, *, mask: bool, in_person: bool) -> Any:
    norm = _norm(key)
    if _is_card(norm):
        return CARD_REMOVED
    masker = _masker(norm, in_person) if mask else None
    if masker is not None and isinstance(value, str):
        return masker(value)
    if masker is not None and isinstance(value, int | float) and norm in _WHOLE_KEYS:
        return MASK  # coordinates
    return _walk(value, mask=mask, in_person=in_person or norm in _PERSON_CONTEXTS)


def mask_personal_data(value: Any) -> Any:
    """A copy of ``value`` with names, emails, phones and street addresses masked, cards removed."""
    return _walk(value, mask=True)


def reveal(value: Any) -> Any:
    """A copy of ``value`` as an admin may see it: personal data shown, card data still removed."""
    return _walk(value, mask=False)
