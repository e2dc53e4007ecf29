"""Webhook signature verification: base64(HMAC-SHA256(app secret, raw body)).

Shopify signs the exact bytes it sends, so verification runs on the raw body before any JSON
parsing. During a secret rotation the shop has two secrets (old and new) and either may sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

__all__ = ["sign", "verify_signature"]


def sign(secret: str, body: bytes) -> str:
    """The value Shopify puts in ``X-Shopify-Hmac-Sha256`` for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(secrets: Iterable[str], body: bytes, header: str | None) -> bool:
    """True when ``header`` is the signature of ``body`` under any of ``secrets``.

    Each comparison is constant-time (``hmac.compare_digest``) and every secret is always tried, so
    the time taken does not reveal which secret (if any) matched.
    """
    if not header:
        return False
    given = header.strip().encode("ascii", errors="replace")
    matched = False
    for secret in secrets:
        expected = sign(secret, body).encode("ascii")
        matched |= hmac.compare_digest(expected, given)
    return matched
