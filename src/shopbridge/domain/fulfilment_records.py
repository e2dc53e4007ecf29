"""The records of the dispatch flow's plan: an order's fulfilment state as Shopify has it, the rules
from configuration, and what the plan answers (a plan, or a typed refusal). Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from shopbridge.domain.records import BundleComponent

__all__ = [
    "FULFILLABLE",
    "HELD",
    "BundleProgress",
    "Carrier",
    "FulfilmentOrder",
    "FulfilmentOrderLine",
    "FulfilmentPlan",
    "FulfilmentRequest",
    "FulfilmentRules",
    "Move",
    "OrderFulfilments",
    "OrderedLine",
    "Refusal",
    "RefusalKind",
    "ShippedFulfilment",
]

FULFILLABLE = frozenset({"OPEN", "IN_PROGRESS"})
HELD = frozenset({"ON_HOLD"})

# line item GID -> component SKU -> units dispatched that are not yet a whole bundle
BundleProgress = Mapping[str, Mapping[str, int]]


# -- records -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderedLine:
    """One order line as sold now (edits applied): ``quantity`` is Shopify's current quantity."""

    line_item_id: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class FulfilmentOrderLine:
    id: str  # FulfillmentOrderLineItem GID
    line_item_id: str
    remaining: int


@dataclass(frozen=True)
class FulfilmentOrder:
    id: str
    location_id: str
    status: str  # Shopify's FulfillmentOrderStatus: OPEN, IN_PROGRESS, ON_HOLD, CLOSED, ...
    lines: tuple[FulfilmentOrderLine, ...]


@dataclass(frozen=True)
class ShippedFulfilment:
    """A fulfilment Shopify holds for the order."""

    id: str
    status: str  # SUCCESS, CANCELLED, ...
    tracking_numbers: tuple[str, ...]
    lines: tuple[tuple[str, int], ...]  # (line item GID, quantity)


@dataclass(frozen=True)
class OrderFulfilments:
    """An order as the dispatch flow reads it from Shopify."""

    order_id: str
    name: str
    cancelled: bool
    lines: tuple[OrderedLine, ...]
    fulfilment_orders: tuple[FulfilmentOrder, ...]
    fulfilments: tuple[ShippedFulfilment, ...] = ()


@dataclass(frozen=True)
class FulfilmentRules:
    """What the plan needs from configuration."""

    bundles: Mapping[str, tuple[BundleComponent, ...]] = field(default_factory=dict)
    # ERP warehouse -> the Shopify location GIDs it ships for (the first is where lines move to)
    locations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    carriers: Mapping[str, str] = field(default_factory=dict)  # ERP courier -> Shopify carrier
    notify_customer: bool = True


@dataclass(frozen=True)
class Carrier:
    """The carrier as Shopify is told it; ``mapped`` False: a custom name operations should map."""

    company: str
    mapped: bool


@dataclass(frozen=True)
class Move:
    """Move these fulfilment order lines (id, quantity) to ``location_id`` before fulfilling."""

    fulfilment_order_id: str
    location_id: str
    lines: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class FulfilmentRequest:
    """``fulfillmentCreate``'s input, in canonical form."""

    groups: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # fulfilment order -> (line, qty)
    company: str
    numbers: tuple[str, ...]
    urls: tuple[str, ...]
    notify_customer: bool


@dataclass(frozen=True)
class FulfilmentPlan:
    """What to do for one dispatch. No ``request`` (only bundle progress): nothing to fulfil yet."""

    line_units: Mapping[str, int]  # line item GID -> units this fulfilment ships
    progress: BundleProgress  # the bundle progress once this dispatch counts
    carrier: Carrier
    moves: tuple[Move, ...] = ()
    request: FulfilmentRequest | None = None


class RefusalKind(StrEnum):
    ORDER_CANCELLED = "order_cancelled"  # Shopify: fulfilment rejected
    ALREADY_FULFILLED = "already_fulfilled"  # Shopify: fulfilment rejected
    MORE_THAN_LEFT = "more_than_left"  # Shopify: fulfilment rejected
    ON_HOLD = "on_hold"  # Shopify: fulfilment rejected
    NOT_ON_ORDER = "not_on_order"  # the dispatch does not match the order
    MORE_THAN_ORDERED = "more_than_ordered"  # the dispatch does not match the order

    @property
    def shopify_refuses(self) -> bool:
        """True: Shopify's state stops it (FULFILMENT_REJECTED); False: the dispatch is wrong."""
        return self not in (RefusalKind.NOT_ON_ORDER, RefusalKind.MORE_THAN_ORDERED)


@dataclass(frozen=True)
class Refusal:
    kind: RefusalKind
    message: str
    fix: str
    skus: tuple[str, ...] = ()
