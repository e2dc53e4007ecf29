"""Webhook HMAC verification over the raw body, with rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from shopbridge.connectors.shopify.verify import sign, verify_signature

BODY = b'{"id": 450789469, "name": "#1001"}'


def test_sign_matches_shopifys_recipe() -> None:
    expected = base64.b64encode(hmac.new(b"secret", BODY, hashlib.sha256).digest()).decode()
    assert sign("secret", BODY) == expected


@pytest.mark.parametrize(
    ("secrets", "header", "valid"),
    [
        (["new"], sign("new", BODY), True),
        (["old", "new"], sign("old", BODY), True),  # rotation: the old secret still signs
        (["old", "new"], sign("new", BODY), True),
        (["new"], sign("old", BODY), False),
        (["new"], sign("new", BODY + b" "), False),  # a changed body
        (["new"], "", False),
        (["new"], None, False),
        (["new"], "not base64 at all ✓", False),
        ([], sign("new", BODY), False),
    ],
)
def test_verify_signature(secrets: list[str], header: str | None, valid: bool) -> None:
    assert verify_signature(secrets, BODY, header) is valid
