"""What a flow declares, and what its handler gets.

A flow is one module named for what it moves. It exposes a :class:`Flow`: its job kind, the webhook
topics or the schedule that feed it, its retry policy if not the engine's default, and a handler of a
few lines over a :class:`FlowContext`: typed ports, a unit of work over the store, the clock and the
shop's settings. ``shopbridge.flows.FLOWS`` lists every flow; bootstrap builds the topic table, the
scheduler's plan and the worker registry from that list and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from shopbridge.config import Settings, ShopSettings
from shopbridge.engine.clock import Clock
from shopbridge.engine.job import Job
from shopbridge.engine.retry import RetryPolicy
from shopbridge.flows.order_items import RecentItems
from shopbridge.ports.erp import ErpPort
from shopbridge.ports.shopify import ShopifyPort
from shopbridge.ports.store import UnitOfWork

__all__ = ["Flow", "FlowContext", "FlowHandler"]


@dataclass(frozen=True)
class FlowContext:
    """Everything a flow's handler may use. ``shop`` is the store the job concerns."""

    erp: ErpPort
    shopify: ShopifyPort
    uow: UnitOfWork
    clock: Clock
    settings: Settings
    shop: ShopSettings
    # The order flow's short memory of active ERP items (flows/order_items.py). One per process in
    # production (bootstrap passes it); a context built without one remembers for itself only.
    order_items: RecentItems = field(default_factory=RecentItems)


FlowHandler = Callable[[Job, FlowContext], None]


@dataclass(frozen=True)
class Flow:
    """One flow: its job kind, what feeds it, and its handler.

    ``switch`` names the ``[flows]`` setting that turns it on or off. ``topics`` are the webhooks it
    owns; ``schedule`` the ``[schedules]`` interval that fires it (its kind is then ``sweep.<name>``).
    A scheduled flow runs once per configured shop.
    """

    switch: str
    kind: str
    handle: FlowHandler
    topics: tuple[str, ...] = ()
    schedule: str = ""
    retry: RetryPolicy | None = None

    def __post_init__(self) -> None:
        if self.schedule and self.kind != f"sweep.{self.schedule}":
            raise ValueError(f"flow {self.kind}: a scheduled flow's kind is sweep.{self.schedule}")
