"""The fulfilment plan of a dispatch, as tables of cases: lines, splits, bundles, moves, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopbridge.domain.fulfilment import (
    FulfilmentOrder,
    FulfilmentOrderLine,
    FulfilmentPlan,
    FulfilmentRules,
    Move,
    OrderedLine,
    OrderFulfilments,
    Refusal,
    RefusalKind,
    ShippedFulfilment,
    carrier_for,
    find_created,
    plan_fulfilment,
)
from shopbridge.domain.records import BundleComponent, Dispatch, DispatchLine

HERE = "gid://shopify/Location/1"
THERE = "gid://shopify/Location/2"
RULES = FulfilmentRules(
    bundles={"KIT": (BundleComponent("TEE-M", 1), BundleComponent("MUG-01", 2))},
    locations={"MAIN": (HERE,), "NORTH": (THERE,), "BOTH": (THERE, HERE)},
    carriers={"DPD UK": "DPD UK", "RM": "Royal Mail"},
)


def order(*lines: tuple[str, int, int], cancelled: bool = False, status: str = "OPEN") -> OrderFulfilments:
    """Lines as (sku, ordered, remaining), all on one fulfilment order at HERE."""
    ordered = tuple(OrderedLine(f"L-{sku}", sku, qty) for sku, qty, _ in lines)
    fo_lines = tuple(FulfilmentOrderLine(f"FL-{sku}", f"L-{sku}", left) for sku, _, left in lines)
    return OrderFulfilments(
        "gid://shopify/Order/1",
        "#1001",
        cancelled,
        ordered,
        (FulfilmentOrder("FO-1", HERE, status, fo_lines),),
    )


def dispatch(
    *lines: tuple[str, int], warehouse: str = "MAIN", numbers: tuple[str, ...] = ("T1",)
) -> Dispatch:
    return Dispatch(
        erp_id="D1",
        order_reference="#1001",
        dispatched_at=datetime(2026, 1, 2, tzinfo=UTC),
        lines=tuple(DispatchLine(sku, qty) for sku, qty in lines),
        carrier="DPD UK",
        tracking_numbers=numbers,
        tracking_url="https://track.example/T1",
        warehouse=warehouse,
    )


def planned(result: FulfilmentPlan | Refusal) -> FulfilmentPlan:
    assert isinstance(result, FulfilmentPlan), result
    return result


@pytest.mark.parametrize(
    ("lines", "shipped", "groups"),
    [
        ([("TEE-M", 2, 2)], [("TEE-M", 2)], (("FO-1", (("FL-TEE-M", 2),)),)),  # whole
        ([("TEE-M", 3, 3)], [("TEE-M", 1)], (("FO-1", (("FL-TEE-M", 1),)),)),  # partial
        ([("TEE-M", 3, 1)], [("TEE-M", 1)], (("FO-1", (("FL-TEE-M", 1),)),)),  # the rest of a split
        ([("TEE-M", 1, 1), ("MUG-01", 2, 2)], [("MUG-01", 2)], (("FO-1", (("FL-MUG-01", 2),)),)),  # one line
        ([("TEE-M", 2, 2)], [("TEE-M", 1), ("TEE-M", 1)], (("FO-1", (("FL-TEE-M", 2),)),)),  # split ERP lines
    ],
)
def test_dispatched_units_fulfil_the_open_units_of_their_lines(
    lines: list[tuple[str, int, int]], shipped: list[tuple[str, int]], groups: tuple[object, ...]
) -> None:
    plan = planned(plan_fulfilment(dispatch(*shipped), order(*lines), RULES, {}))
    assert plan.request is not None and plan.request.groups == groups
    assert plan.moves == ()


def test_several_parcels_go_as_several_tracking_numbers_on_one_fulfilment() -> None:
    plan = planned(
        plan_fulfilment(dispatch(("TEE-M", 2), numbers=("P1", "P2")), order(("TEE-M", 2, 2)), RULES, {})
    )
    assert plan.request is not None
    assert (plan.request.numbers, plan.request.company, plan.request.urls) == (
        ("P1", "P2"),
        "DPD UK",
        ("https://track.example/T1",),
    )
    assert plan.request.notify_customer is True


def test_a_dispatch_from_a_warehouse_mapped_to_another_location_moves_the_lines_there_first() -> None:
    plan = planned(
        plan_fulfilment(dispatch(("TEE-M", 1), warehouse="NORTH"), order(("TEE-M", 3, 3)), RULES, {})
    )
    assert plan.moves == (Move("FO-1", THERE, (("FL-TEE-M", 1),)),)
    assert plan.request is not None and plan.request.groups == ()


def test_once_moved_the_lines_at_the_dispatching_location_are_fulfilled_without_another_move() -> None:
    moved = OrderFulfilments(
        "gid://shopify/Order/1",
        "#1001",
        False,
        (OrderedLine("L-TEE-M", "TEE-M", 3),),
        (
            FulfilmentOrder("FO-1", HERE, "OPEN", (FulfilmentOrderLine("FL-A", "L-TEE-M", 2),)),
            FulfilmentOrder("FO-2", THERE, "OPEN", (FulfilmentOrderLine("FL-B", "L-TEE-M", 1),)),
        ),
    )
    plan = planned(plan_fulfilment(dispatch(("TEE-M", 1), warehouse="NORTH"), moved, RULES, {}))
    assert plan.moves == ()
    assert plan.request is not None and plan.request.groups == (("FO-2", (("FL-B", 1),)),)


def test_a_warehouse_that_ships_for_several_locations_moves_nothing_assigned_to_one_of_them() -> None:
    plan = planned(
        plan_fulfilment(dispatch(("TEE-M", 1), warehouse="BOTH"), order(("TEE-M", 1, 1)), RULES, {})
    )
    assert plan.moves == () and plan.request is not None


def test_an_unmapped_warehouse_fulfils_from_wherever_shopify_assigned() -> None:
    plan = planned(
        plan_fulfilment(dispatch(("TEE-M", 1), warehouse="ELSEWHERE"), order(("TEE-M", 1, 1)), RULES, {})
    )
    assert plan.moves == () and plan.request is not None


@pytest.mark.parametrize(
    ("progress", "shipped", "fulfilled", "left"),
    [
        ({}, [("TEE-M", 1), ("MUG-01", 2)], {"L-KIT": 1}, {}),  # every component: the bundle
        ({}, [("TEE-M", 1)], {}, {"L-KIT": {"TEE-M": 1}}),  # a component alone: remembered
        ({"L-KIT": {"TEE-M": 1}}, [("MUG-01", 2)], {"L-KIT": 1}, {}),  # the rest: now the bundle
        ({"L-KIT": {"TEE-M": 1}}, [("MUG-01", 1)], {}, {"L-KIT": {"TEE-M": 1, "MUG-01": 1}}),
    ],
)
def test_a_bundle_line_is_fulfilled_once_all_its_components_are_dispatched(
    progress: dict[str, dict[str, int]],
    shipped: list[tuple[str, int]],
    fulfilled: dict[str, int],
    left: dict[str, dict[str, int]],
) -> None:
    plan = planned(plan_fulfilment(dispatch(*shipped), order(("KIT", 1, 1)), RULES, progress))
    assert dict(plan.line_units) == fulfilled
    assert plan.progress == left
    assert (plan.request is None) == (not fulfilled)


def test_a_component_also_sold_on_its_own_fills_the_plain_line_first() -> None:
    plan = planned(
        plan_fulfilment(
            dispatch(("TEE-M", 2), ("MUG-01", 2)), order(("TEE-M", 1, 1), ("KIT", 1, 1)), RULES, {}
        )
    )
    assert dict(plan.line_units) == {"L-TEE-M": 1, "L-KIT": 1}


@pytest.mark.parametrize(
    ("lines", "shipped", "kind", "cancelled", "status"),
    [
        ([("TEE-M", 1, 1)], [("TEE-M", 1)], RefusalKind.ORDER_CANCELLED, True, "OPEN"),
        ([("TEE-M", 2, 0)], [("TEE-M", 1)], RefusalKind.ALREADY_FULFILLED, False, "OPEN"),
        ([("TEE-M", 2, 1), ("MUG-01", 1, 1)], [("TEE-M", 2)], RefusalKind.MORE_THAN_LEFT, False, "OPEN"),
        ([("TEE-M", 1, 1)], [("HAT", 1)], RefusalKind.NOT_ON_ORDER, False, "OPEN"),
        ([("TEE-M", 1, 1)], [("TEE-M", 2)], RefusalKind.MORE_THAN_ORDERED, False, "OPEN"),
        ([("TEE-M", 1, 1)], [("TEE-M", 1)], RefusalKind.ON_HOLD, False, "ON_HOLD"),
    ],
)
def test_refusals_are_typed(
    lines: list[tuple[str, int, int]],
    shipped: list[tuple[str, int]],
    kind: RefusalKind,
    cancelled: bool,
    status: str,
) -> None:
    result = plan_fulfilment(dispatch(*shipped), order(*lines, cancelled=cancelled, status=status), RULES, {})
    assert isinstance(result, Refusal) and result.kind is kind
    assert result.message and result.fix
    assert kind.shopify_refuses == (kind not in (RefusalKind.NOT_ON_ORDER, RefusalKind.MORE_THAN_ORDERED))


@pytest.mark.parametrize(
    ("erp", "company", "mapped"),
    [
        ("DPD UK", "DPD UK", True),
        ("rm", "Royal Mail", True),
        ("Speedy Parcels", "Speedy Parcels", False),
        ("", "", True),
    ],
)
def test_carriers_map_by_lookup_and_unmapped_ones_go_as_custom_names(
    erp: str, company: str, mapped: bool
) -> None:
    chosen = carrier_for(erp, RULES.carriers)
    assert (chosen.company, chosen.mapped) == (company, mapped)


def test_after_a_timeout_the_created_fulfilment_is_the_live_unowned_one_with_the_same_units() -> None:
    made = ShippedFulfilment("F2", "SUCCESS", ("T1",), (("L-TEE-M", 1),))
    fulfilments = [
        ShippedFulfilment("F1", "SUCCESS", ("T1",), (("L-TEE-M", 1),)),  # another dispatch's
        ShippedFulfilment("F0", "CANCELLED", ("T1",), (("L-TEE-M", 1),)),
        ShippedFulfilment("F3", "SUCCESS", ("T9",), (("L-TEE-M", 1),)),
        made,
    ]
    assert find_created({"L-TEE-M": 1}, ["T1"], fulfilments, frozenset({"F1"})) is made
    assert find_created({"L-TEE-M": 2}, ["T1"], fulfilments, frozenset({"F1"})) is None
