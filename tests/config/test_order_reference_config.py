"""Two stores on one ERP refuse to start while their orders could carry the same ERP reference."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.config import parse_settings
from shopbridge.errors import ConfigurationError

TRYTON = {"url": "http://127.0.0.1:1", "database": "db", "password": {"env": "K"}}
ERP = {"vendor": "tryton", "tryton": TRYTON}


def shop(name: str, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "domain": f"brand-{name}.myshopify.com",
        "access_token": {"env": "T"},
        "webhook_secrets": [{"env": "S"}],
        **more,
    }


@pytest.mark.parametrize(
    ("shops", "clash"),
    [
        ([shop("uk")], None),  # one store: nothing to collide with
        ([shop("uk"), shop("eu")], ("uk", "eu", "no order_reference_prefix")),
        ([shop("uk", order_reference_prefix="UK-"), shop("eu", order_reference_prefix="EU-")], None),
        ([shop("uk"), shop("eu", order_reference_prefix="EU-")], None),  # one may keep the bare name
        (
            [shop("uk", order_reference_prefix="X-"), shop("eu", order_reference_prefix="X-")],
            ("uk", "eu", "the same order_reference_prefix 'X-'"),
        ),
        ([shop("uk"), shop("eu", order_names_distinct=True)], None),  # said explicitly
        (
            [shop("uk"), shop("eu", order_reference_prefix="EU-"), shop("us")],
            ("uk", "us", "no order_reference_prefix"),
        ),
        (
            [shop("uk", order_names_distinct=True), shop("eu"), shop("us")],
            ("eu", "us", "no order_reference_prefix"),  # uk's flag speaks for uk only
        ),
    ],
)
def test_stores_sharing_the_erp_need_distinct_references(
    shops: list[dict[str, Any]], clash: tuple[str, str, str] | None
) -> None:
    data = {"shops": shops, "erp": ERP}
    if clash is None:
        assert len(parse_settings(data).shops) == len(shops)
        return
    with pytest.raises(ConfigurationError) as caught:
        parse_settings(data)
    message = str(caught.value)
    first, second, why = clash
    assert f"shops {first!r} and {second!r}" in message and why in message
    assert caught.value.key == "shops.order_reference_prefix"
    assert "order_names_distinct = true" in message  # the fix, either way
    assert f"give {second!r} its own order_reference_prefix" in message and f"{second.upper()}-" in message


def test_without_an_erp_yet_two_stores_are_not_checked() -> None:
    assert len(parse_settings({"shops": [shop("uk"), shop("eu")]}).shops) == 2


@pytest.mark.parametrize("prefix", ["UK 1", "a-very-long-prefix", "UK\n"])
def test_a_prefix_is_short_and_plain(prefix: str) -> None:
    with pytest.raises(ConfigurationError, match="order_reference_prefix"):
        parse_settings({"shops": [shop("uk", order_reference_prefix=prefix)]})
