"""Which flows run dry, and the flow context a dry-run flow gets.

A flow runs dry when ``shopbridge run --dry-run`` says so (every flow), or when ``[dryrun] flows``
names it and ``shopbridge golive enable`` has not switched it live since (``golive_flows``).
"""

from __future__ import annotations

from dataclasses import replace

from shopbridge.config import Settings
from shopbridge.dryrun.ports import DryRunShopify, dry_run_erp
from shopbridge.dryrun.recorder import StoreRecorder
from shopbridge.dryrun.uow import DryRunUnitOfWork
from shopbridge.engine import golive_state
from shopbridge.engine.clock import Clock
from shopbridge.engine.job import Job
from shopbridge.engine.store import Store
from shopbridge.flows import FLOWS
from shopbridge.flows.spec import FlowContext
from shopbridge.golive.catch_up import is_catch_up, rearm
from shopbridge.ports.shopify import ShopifyPort

__all__ = ["dry_run_context", "dry_run_flows", "runs_dry"]


def dry_run_flows(settings: Settings, store: Store, *, forced: bool = False) -> set[str]:
    """The flow switches running dry now."""
    if forced:
        return {flow.switch for flow in FLOWS}
    with store.begin() as conn:
        switches = golive_state.flow_switches(conn)
    return {name for name in settings.dryrun.flows if not (name in switches and switches[name].live)}


def runs_dry(settings: Settings, store: Store, switch: str, *, forced: bool = False) -> bool:
    if forced:
        return True
    if switch not in settings.dryrun.flows:
        return False  # no read of the store for an installation without dry runs
    return switch in dry_run_flows(settings, store)


def dry_run_context(context: FlowContext, store: Store, clock: Clock, flow: str, job: Job) -> FlowContext:
    """``context`` with its ports and unit of work seen through the dry-run wrappers."""
    subject = str(job.payload.get("order_id") or job.payload.get("shopify_id") or "")
    if is_catch_up(job.payload):  # a go-live catch-up seen dry: the next live run enqueues it again
        rearm(store, context.shop.name, subject)
    recorder = StoreRecorder(store, clock, shop=context.shop.name, flow=flow, subject=subject)
    shopify: ShopifyPort = DryRunShopify(context.shopify, recorder)
    return replace(
        context,
        erp=dry_run_erp(context.erp, recorder),
        shopify=shopify,
        uow=DryRunUnitOfWork(context.uow),
    )
