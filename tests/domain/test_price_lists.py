"""Table tests for the B2B price list rules: fixed prices per variant, the incremental diff, batches
of Shopify's 250, company locations of the list's customers, and the currency refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopbridge.domain.money import Money
from shopbridge.domain.price_lists import (
    FixedPrice,
    PriceChanges,
    PriceListTarget,
    ShopifyPriceList,
    batches,
    check_currency,
    diff_prices,
    location_changes,
    wanted_locations,
    wanted_prices,
)
from shopbridge.domain.problems import ProblemKind, Team
from shopbridge.domain.records import Price, PriceList

D = Decimal


def gbp(amount: str) -> Money:
    return Money(D(amount), "GBP")


def fixed(variant: str, amount: str, sku: str = "", compare: str | None = None) -> FixedPrice:
    return FixedPrice(variant, sku or variant, D(amount), None if compare is None else D(compare))


TRADE = PriceList(
    "TRADE",
    "GBP",
    prices=(
        Price("TEE-S", gbp("8.00")),
        Price("TEE-M", gbp("9.00"), compare_at=gbp("12.00")),
        Price("TEE-M", gbp("7.50"), min_quantity=10),  # a quantity break: not a fixed price
        Price("GONE", gbp("1.00")),
    ),
)


def test_each_variant_of_a_sku_gets_the_list_price_and_unknown_skus_are_reported() -> None:
    wanted, missing = wanted_prices(TRADE, {"TEE-S": ("v1",), "TEE-M": ("v2", "v3")})
    assert wanted == {
        "v1": FixedPrice("v1", "TEE-S", D("8.00")),
        "v2": FixedPrice("v2", "TEE-M", D("9.00"), D("12.00")),
        "v3": FixedPrice("v3", "TEE-M", D("9.00"), D("12.00")),
    }
    assert missing == ("GONE",)


@pytest.mark.parametrize(
    ("wanted", "pushed", "upserts", "deletes"),
    [
        pytest.param({"a": fixed("a", "1")}, {}, ["a"], [], id="new price is added"),
        pytest.param({"a": fixed("a", "1")}, {"a": fixed("a", "1.00")}, [], [], id="same amount: nothing"),
        pytest.param({"a": fixed("a", "2")}, {"a": fixed("a", "1")}, ["a"], [], id="changed amount"),
        pytest.param(
            {"a": fixed("a", "1", compare="3")}, {"a": fixed("a", "1")}, ["a"], [], id="changed compare-at"
        ),
        pytest.param({}, {"a": fixed("a", "1")}, [], ["a"], id="dropped from the ERP list: deleted"),
        pytest.param(
            {"a": fixed("a", "1"), "b": fixed("b", "5")},
            {"a": fixed("a", "1"), "c": fixed("c", "1")},
            ["b"],
            ["c"],
            id="only the differences",
        ),
    ],
)
def test_diff_sends_only_what_changed_since_the_last_push(
    wanted: dict[str, FixedPrice], pushed: dict[str, FixedPrice], upserts: list[str], deletes: list[str]
) -> None:
    changes = diff_prices(wanted, pushed)
    assert [p.variant_id for p in changes.upserts] == upserts
    assert list(changes.deletes) == deletes
    assert changes.empty is (not upserts and not deletes)


@pytest.mark.parametrize(
    ("adds", "deletes", "calls", "last"),
    [
        (0, 0, 0, None),
        (1, 0, 1, (1, 0)),
        (250, 0, 1, (250, 0)),
        (251, 0, 2, (1, 0)),
        (600, 10, 3, (100, 0)),
        (10, 300, 2, (0, 50)),
        (500, 500, 2, (250, 250)),
    ],
)
def test_batches_hold_at_most_250_of_each_and_are_as_few_as_that_allows(
    adds: int, deletes: int, calls: int, last: tuple[int, int] | None
) -> None:
    changes = PriceChanges(
        tuple(fixed(f"v{i}", "1") for i in range(adds)), tuple(f"d{i}" for i in range(deletes))
    )
    found = batches(changes)
    assert len(found) == calls
    assert all(len(b.upserts) <= 250 and len(b.deletes) <= 250 for b in found)
    assert sum(len(b.upserts) for b in found) == adds and sum(len(b.deletes) for b in found) == deletes
    if last is not None:
        assert (len(found[-1].upserts), len(found[-1].deletes)) == last


def test_a_batch_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        batches(PriceChanges(), size=0)


@pytest.mark.parametrize(
    ("accounts", "expected"),
    [
        (("TRADE01",), ("loc-1", "loc-2")),
        (("TRADE01", "TRADE02"), ("loc-1", "loc-2", "loc-3")),
        (("NOBODY",), ()),
        ((), ()),
    ],
)
def test_the_catalog_reaches_the_locations_of_the_companies_buying_on_the_list(
    accounts: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    company_accounts = {"101": "TRADE01", "gid://shopify/Company/102": "TRADE02", "103": "RETAIL"}
    locations = {"101": ("loc-2", "loc-1"), "gid://shopify/Company/102": ("loc-3",), "103": ("loc-9",)}
    assert wanted_locations(accounts, company_accounts, locations) == expected


@pytest.mark.parametrize(
    ("wanted", "current", "add", "remove"),
    [
        (("a", "b"), (), ("a", "b"), ()),
        (("a",), ("a",), (), ()),
        (("a",), ("a", "x"), (), ("x",)),
        ((), ("x",), (), ("x",)),
    ],
)
def test_location_changes(
    wanted: tuple[str, ...], current: tuple[str, ...], add: tuple[str, ...], remove: tuple[str, ...]
) -> None:
    changes = location_changes(wanted, current)
    assert (changes.add, changes.remove) == (add, remove)


TARGET = PriceListTarget("TRADE", "Trade", "GBP")


@pytest.mark.parametrize(
    ("erp_currency", "target_currency", "shopify_currency", "refused_against"),
    [
        ("GBP", "GBP", None, None),
        ("GBP", "GBP", "GBP", None),
        ("EUR", "GBP", None, "GBP"),
        ("GBP", "EUR", None, "EUR"),
        ("GBP", "GBP", "EUR", "EUR"),  # someone changed the Shopify price list's currency
    ],
)
def test_a_list_in_another_currency_than_its_price_list_is_refused(
    erp_currency: str, target_currency: str, shopify_currency: str | None, refused_against: str | None
) -> None:
    erp_list = PriceList("TRADE", erp_currency, prices=(Price("A", Money(D("1"), erp_currency)),))
    target = PriceListTarget("TRADE", "Trade", target_currency)
    existing = None if shopify_currency is None else ShopifyPriceList("pl", "Trade", shopify_currency)
    refusal = check_currency(erp_list, target, existing)
    if refused_against is None:
        assert refusal is None
    else:
        assert refusal is not None and refusal.shopify_currency == refused_against


def test_the_refusal_is_a_price_list_mismatch_problem_for_ecommerce() -> None:
    refusal = check_currency(PriceList("TRADE", "EUR"), TARGET, None)
    assert refusal is not None
    problem = refusal.problem("uk")
    assert problem.kind is ProblemKind.PRICE_LIST_MISMATCH and problem.owner is Team.ECOMMERCE
    assert (problem.entity_type, problem.entity_id, problem.shop) == ("price_list", "TRADE", "uk")
    assert "EUR" in problem.message and "GBP" in problem.message
