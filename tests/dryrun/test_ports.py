"""The dry-run ports: every method of every port is wrapped, reads pass, writes never reach the system.

The methods are enumerated from the port Protocols themselves, so a write method added to a port
later fails here until ``shopbridge.dryrun.ports`` wraps it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Customer,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
)
from shopbridge.dryrun import DRY_RUN_PREFIX
from shopbridge.dryrun.ports import DryRunErp, DryRunReconcilableErp, DryRunShopify, dry_run_erp, kind_of
from shopbridge.ports.erp import CustomerMissing, ErpPort, ErpReconcileReads
from shopbridge.ports.shopify import (
    LevelWrite,
    ShopifyCatalogueChanges,
    ShopifyInventoryPort,
    ShopifyPort,
    ShopifyReconcileReads,
)

ERP_PORTS = (ErpPort, ErpReconcileReads)
SHOPIFY_PORTS = (ShopifyPort, ShopifyInventoryPort, ShopifyReconcileReads, ShopifyCatalogueChanges)
WRITE_VERBS = ("create", "set", "update", "post", "cancel", "amend", "publish", "unpublish", "push", "repair",
               "move", "activate", "record", "delete")  # fmt: skip


def port_methods(*protocols: type) -> list[str]:
    """Every public method and property a port Protocol declares."""
    names: list[str] = []
    for protocol in protocols:
        for name, value in vars(protocol).items():
            if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                names.append(name)
    return sorted(set(names))


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def record(self, kind: str, entity_id: str, payload: dict[str, Any]) -> None:
        self.calls.append((kind, entity_id, payload))


class Spy:
    """A system that notes every call made to it and answers nothing."""

    vendor = "spy"
    field_limits = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        def call(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))

        return call


class Anything:
    """An argument of any record type: every attribute is a string."""

    def __getattr__(self, name: str) -> str:
        return f"{name}-1"


def arguments(method: Callable[..., Any]) -> tuple[list[Any], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for parameter in inspect.signature(method).parameters.values():
        text = str(parameter.annotation)
        if text.startswith("Sequence") or text.startswith("tuple"):
            value: Any = []
        elif text == "str":
            value = "ref-1"
        elif text == "Decimal":
            value = Decimal("5")
        elif text.startswith("Callable") or text.endswith("None"):
            value = None
        else:
            value = Anything()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = value
        else:
            args.append(value)
    return args, kwargs


@pytest.mark.parametrize(
    ("wrapper", "protocols"), [(DryRunReconcilableErp, ERP_PORTS), (DryRunShopify, SHOPIFY_PORTS)]
)
def test_every_port_method_is_written_out_and_marked(wrapper: type, protocols: tuple[type, ...]) -> None:
    for name in port_methods(*protocols):
        found = inspect.getattr_static(wrapper, name, None)
        assert found is not None, f"{wrapper.__name__} does not wrap {name}: a dry run would fail or write"
        if isinstance(found, property):
            continue  # capabilities: a value, not an operation
        assert kind_of(found), f"{wrapper.__name__}.{name} is neither marked a read nor a would-do"
        if name.split("_")[0] in WRITE_VERBS:
            assert kind_of(found).startswith("write:"), f"{name} looks like a write but is passed through"
    assert not hasattr(wrapper, "__getattr__"), "nothing may be forwarded unseen"


def _writes(wrapper: type, protocols: tuple[type, ...]) -> list[str]:
    names = port_methods(*protocols)
    return [n for n in names if kind_of(inspect.getattr_static(wrapper, n, None)).startswith("write:")]


def test_the_ports_have_the_writes_the_issue_names() -> None:
    # A guard on the guard: the writes found by introspection include the ones issue 14 lists.
    erp = _writes(DryRunReconcilableErp, ERP_PORTS)
    shopify = _writes(DryRunShopify, SHOPIFY_PORTS)
    assert {"create_sales_order", "create_credit_note", "post_payout"} <= set(erp)
    assert {"set_available", "activate_inventory", "create_fulfilment", "set_product_status"} <= set(shopify)
    assert {"record_erp_order", "update_fixed_prices"} <= set(shopify)


def _reads_of(wrapper: type) -> set[str]:
    return {n for n, v in vars(wrapper).items() if kind_of(v) == "read"} | {
        n for base in wrapper.__mro__ for n, v in vars(base).items() if kind_of(v) == "read"
    }


@pytest.mark.parametrize("name", _writes(DryRunReconcilableErp, ERP_PORTS))
def test_an_erp_write_reaches_only_reads_and_is_recorded(name: str) -> None:
    spy, recorder = Spy(), Recorder()
    erp = DryRunReconcilableErp(spy, recorder)  # type: ignore[arg-type]
    method = getattr(erp, name)
    args, kwargs = arguments(method)
    if name == "find_or_create_customer":
        spy.__dict__["find_or_create_customer"] = _missing_customer(spy)
        args = [Customer(email="new@example.com")]
    method(*args, **kwargs)
    reads = _reads_of(DryRunReconcilableErp)
    for called, _args, call_kwargs in spy.calls:
        if called == "find_or_create_customer":
            assert call_kwargs == {"create": False}  # only ever a look-up
        else:
            assert called in reads, f"{name} called {called} on the ERP"
    assert [kind for kind, _entity, _payload in recorder.calls] == [kind_of(getattr(DryRunErp, name))[6:]]


def _missing_customer(spy: Spy) -> Callable[..., None]:
    def find(customer: Customer, *, create: bool = True) -> None:
        spy.calls.append(("find_or_create_customer", (customer,), {"create": create}))
        raise CustomerMissing(customer.email)

    return find


@pytest.mark.parametrize("name", _writes(DryRunShopify, SHOPIFY_PORTS))
def test_a_shopify_write_reaches_only_reads_and_is_recorded(name: str) -> None:
    spy, recorder = Spy(), Recorder()
    shopify = DryRunShopify(spy, recorder)
    method = getattr(shopify, name)
    args, kwargs = arguments(method)
    if name == "set_available":
        args = [[LevelWrite("gid://shopify/InventoryItem/1", "gid://shopify/Location/1", 5, 3)]]
    method(*args, **kwargs)
    reads = _reads_of(DryRunShopify)
    assert all(called in reads for called, _a, _k in spy.calls), spy.calls
    assert len(recorder.calls) == 1
    assert recorder.calls[0][0] == kind_of(getattr(DryRunShopify, name))[6:]


def test_a_sales_order_gets_a_dry_run_id_and_its_full_payload_on_record() -> None:
    spy, recorder = Spy(), Recorder()
    erp = DryRunErp(spy, recorder)  # type: ignore[arg-type]
    request = _request()
    posted = erp.create_sales_order(request)
    assert posted.erp_id == f"{DRY_RUN_PREFIX}order:#1001" and not posted.existed
    kind, entity, payload = recorder.calls[0]
    assert (kind, entity) == ("erp.create_sales_order", "#1001")
    assert payload["order"]["customer_account"] == "WEB01"
    assert payload["order"]["lines"][0]["unit_price"]["amount"] == "12.50"  # Decimal kept exact


def test_an_order_the_erp_has_already_is_answered_as_it_is_and_nothing_is_recorded() -> None:
    class Has(Spy):
        def find_sales_order(self, reference: str) -> SalesOrder:
            return SalesOrder("77", reference, "WEB01", SalesOrderStatus.OPEN, erp_number="SO77")

    recorder = Recorder()
    posted = DryRunErp(Has(), recorder).create_sales_order(_request())  # type: ignore[arg-type]
    assert (posted.erp_id, posted.number, posted.existed) == ("77", "SO77", True)
    assert recorder.calls == []


def test_the_reconcile_reads_are_offered_only_where_the_adapter_has_them() -> None:
    class Plain:
        vendor = "plain"
        field_limits = None

    class Reconcilable(Plain):
        def credit_notes_held(self, refunds: object) -> dict[str, object]:
            return {}

        def orders_held(self, references: object) -> dict[str, object]:
            return {}

    assert not isinstance(dry_run_erp(Plain(), Recorder()), ErpReconcileReads)  # type: ignore[arg-type]
    assert isinstance(dry_run_erp(Reconcilable(), Recorder()), ErpReconcileReads)  # type: ignore[arg-type]


def _request() -> SalesOrderRequest:
    gbp = Decimal("12.50")
    line = SalesOrderLine("SKU-1", 1, Money(gbp, "GBP"), Money(Decimal("2.50"), "GBP"))
    return SalesOrderRequest("#1001", "WEB01", "GBP", date(2026, 1, 1), (line,))
