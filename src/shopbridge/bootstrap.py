"""The composition root: the one place that wires settings, store, clock, connectors and flows.

Entrypoints (the CLI's ``run``, ``worker`` and ``demo``, the web app, tests) call
:func:`build_services`, then :class:`Runtime` for workers and the scheduler; nothing else constructs
connectors. The worker registry, the webhook topic table and the scheduler's plan are all built from
one list, :data:`shopbridge.flows.FLOWS` (the enabled ones, by ``[flows]``), plus the intake's own
order sweep. Nothing here runs at import time, and connectors are built on first use, so a command
that only reads the queue never needs a Shopify token or an ERP.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field, replace

from shopbridge.alerts import sweep as alert_sweep
from shopbridge.config import Settings, ShopSettings, database_url, load_settings
from shopbridge.connectors.erp import build_erp
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.dryrun.mode import dry_run_context, runs_dry
from shopbridge.engine import queue_admin
from shopbridge.engine.clock import Clock, SystemClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.scheduler import Schedule, Scheduler, schedules_from_settings, sweep_kind
from shopbridge.engine.slots import erp_slots
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.engine.worker import Handler, HandlerContext, Registry, Worker, default_worker_name
from shopbridge.errors import ConfigurationError
from shopbridge.flows import FLOWS, Flow, FlowContext
from shopbridge.flows.order_items import RecentItems
from shopbridge.golive.catch_up import CATCH_UP_KIND, catch_up_when_live, handle_catch_up
from shopbridge.intake import order_sweep
from shopbridge.intake.webhooks import TopicRoute, routes_for
from shopbridge.logs import setup_logging
from shopbridge.ports.erp import ErpPort

__all__ = [
    "DRY_RUN_ENV",
    "REGISTRY_FACTORY",
    "Runtime",
    "Services",
    "build_registry",
    "build_services",
    "check_pending_kinds",
    "enabled_flows",
    "per_shop",
    "worker_registry",
]

# What `shopbridge worker` hands the engine runner, so each spawned process wires itself.
REGISTRY_FACTORY = "shopbridge.bootstrap:worker_registry"
DRY_RUN_ENV = "SHOPBRIDGE_DRY_RUN"  # "1": spawned workers run every flow dry (`worker --dry-run`)


@dataclass
class Services:
    """Everything a handler, the CLI or the web app needs, built once per process."""

    settings: Settings
    store: Store
    clock: Clock
    _shopify: dict[str, ShopifyClient] = field(default_factory=dict, repr=False)
    _erp: ErpPort | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    dry_run: bool = False  # `shopbridge run --dry-run`: every flow reads only (shopbridge.dryrun)
    _order_items: RecentItems | None = field(default=None, repr=False)

    def shopify(self, shop: str) -> ShopifyClient:
        """The Shopify client of the store named ``shop`` (built on first use, then shared)."""
        with self._lock:
            if shop not in self._shopify:
                self._shopify[shop] = _build_shopify_client(self.settings, shop)
            return self._shopify[shop]

    @property
    def erp(self) -> ErpPort:
        """The ERP adapter named by ``[erp] vendor`` (built on first use)."""
        with self._lock:
            if self._erp is None:
                self._erp = _build_erp(self.settings, self.store)
            return self._erp

    @property
    def routes(self) -> dict[str, TopicRoute]:
        """The webhook topic table of the enabled flows."""
        return routes_for(enabled_flows(self.settings), several_shops=len(self.settings.shops) > 1)

    def flow_context(self, shop: str) -> FlowContext:
        """What a flow's handler gets for a job of ``shop`` (the first store when the job names none)."""
        settings = _shop_settings(self.settings, shop)
        return FlowContext(
            erp=self.erp,
            shopify=self.shopify(settings.name),
            uow=StoreUnitOfWork(self.store, self.clock),
            clock=self.clock,
            settings=self.settings,
            shop=settings,
            order_items=self.order_items,
        )

    @property
    def order_items(self) -> RecentItems:
        """The order flow's memory of active ERP items, one for the process's workers."""
        with self._lock:
            if self._order_items is None:
                seconds = self.settings.erp.order_item_memory_seconds if self.settings.erp else 0.0
                self._order_items = RecentItems(seconds)
            return self._order_items

    def close(self) -> None:
        """Close the connectors built so far (their HTTP pools), then the store."""
        with self._lock:
            for resource in [*self._shopify.values(), self._erp]:
                close = getattr(resource, "close", None)
                if callable(close):
                    close()
            self._shopify.clear()
            self._erp = None
        self.store.close()


def build_services(settings: Settings, *, store: Store | None = None, clock: Clock | None = None) -> Services:
    """Wire the services; pass ``store`` to reuse an open one (tests, the web app beside workers)."""
    if store is None:
        store = Store.connect(database_url(settings), pool_size=settings.database.pool_size)
    return Services(settings=settings, store=store, clock=clock or SystemClock())


def enabled_flows(settings: Settings) -> list[Flow]:
    """The flows ``[flows]`` turns on, in the order of :data:`FLOWS`."""
    return [flow for flow in FLOWS if getattr(settings.flows, flow.switch)]


def build_registry(services: Services) -> Registry:
    """Every enabled flow's handler and the intake's sweep, by job kind; checked for gaps."""
    registry = Registry()
    registry.shops = tuple(shop.name for shop in services.settings.shops)  # fair claiming across them
    for flow in enabled_flows(services.settings):
        registry.register(flow.kind, _run_flow(flow, services), retry=flow.retry)
    for kind in order_sweep.KINDS:
        registry.register(kind, order_sweep.handle_sweep)
    for kind in alert_sweep.KINDS:
        registry.register(kind, alert_sweep.handle_sweep)
    registry.register(CATCH_UP_KIND, handle_catch_up)  # queued by `golive enable orders`
    _check_every_route_has_a_handler(services.routes, registry)
    return registry


def _run_flow(flow: Flow, services: Services) -> Handler:
    def run(job: Job, _ctx: HandlerContext) -> None:
        context = services.flow_context(job.shop)
        if runs_dry(services.settings, services.store, flow.switch, forced=services.dry_run):
            context = dry_run_context(context, services.store, services.clock, flow.switch, job)
        flow.handle(job, context)

    run.__name__ = f"run_{flow.kind.replace('.', '_')}"
    return run


def _check_every_route_has_a_handler(routes: dict[str, TopicRoute], registry: Registry) -> None:
    missing = sorted({route.kind for route in routes.values()} - registry.kinds())
    if missing:
        raise ConfigurationError(
            f"job kind(s) {', '.join(missing)} have webhook topics but no handler",
            key="flows",
            fix="add the flow that handles them to shopbridge.flows.FLOWS",
        )


# Worker threads mostly wait on the ERP and Shopify, and a thread holds its ERP slot until it has read
# the answer. A thread whose answer has come takes the GIL only when the running thread lets it go:
# every 5 ms by default, so with 20 workers a slot's answer waited for it several times a request,
# the ERP's slot idle meanwhile. At 1 ms the order burst's slots went from ~0.88 to ~0.91 busy and
# CPU per order did not rise (bench/order_flow.py; docs/decisions.md, the order burst's third pass).
GIL_SWITCH_SECONDS = 0.001


def _hand_the_gil_over_sooner() -> None:
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_SECONDS))


class Runtime:
    """Worker threads and the scheduler of one process, built from the flows; ``run`` and ``demo`` use it.

    ``shopbridge worker`` runs the same registry in spawned processes (:func:`worker_registry`).
    """

    def __init__(self, services: Services, *, threads: int, name: str = "") -> None:
        self.services = services
        self.registry = build_registry(services)
        check_pending_kinds(services, self.registry)
        self.scheduler = Scheduler(services.store, self._plan(), clock=services.clock)
        self._stop = threading.Event()
        self._threads = [self._worker_thread(i, name) for i in range(threads)]
        self._threads.append(
            threading.Thread(target=self.scheduler.run_forever, args=(self._stop,), name="scheduler")
        )

    def start(self) -> None:
        _hand_the_gil_over_sooner()
        # The orders only a dry run would have posted, once the flow is live (shopbridge.golive.catch_up).
        services = self.services
        catch_up_when_live(services.store, now=services.clock.now(), forced_dry=services.dry_run)
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Workers finish the job in hand, then leave; the scheduler stops."""
        self._stop.set()
        self.services.store.wakeups.wake_all()  # idle workers leave now, not after poll_seconds
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout)

    def _plan(self) -> list[Schedule]:
        """The configured sweeps that some handler runs (a sweep without one would only pile up).

        A flow's sweep needs a shop and an ERP: an installation without them (a fresh
        ``shopbridge init``) schedules none, rather than failing one every interval. A flow's sweep
        fires once per configured shop (:func:`per_shop`): each store's stock push, payouts and
        dispatches run with that store's client.
        """
        settings = self.services.settings
        plan = schedules_from_settings(settings.schedules)
        scheduled = {flow.kind for flow in enabled_flows(settings) if flow.schedule}
        if settings.erp is None or not settings.shops:
            plan = [schedule for schedule in plan if sweep_kind(schedule.name) not in scheduled]
        plan = per_shop(plan, scheduled, [shop.name for shop in settings.shops])
        return [schedule for schedule in plan if sweep_kind(schedule.name) in self.registry.kinds()]

    def _worker_thread(self, index: int, name: str) -> threading.Thread:
        worker = Worker(
            self.services.store,
            self.registry,
            clock=self.services.clock,
            services=self.services,
            settings=self.services.settings.engine,
            name=default_worker_name(f"{name}{index}"),
        )
        return threading.Thread(target=worker.run_forever, args=(self._stop,), name=worker.name)


def per_shop(plan: list[Schedule], flow_kinds: set[str], shops: list[str]) -> list[Schedule]:
    """The plan with each flow's sweep (its kind in ``flow_kinds``) fired once per shop in ``shops``."""
    return [
        replace(schedule, shops=tuple(shops)) if sweep_kind(schedule.name) in flow_kinds else schedule
        for schedule in plan
    ]


def check_pending_kinds(services: Services, registry: Registry) -> None:
    """Refuse to start while the queue holds pending jobs of a kind no handler runs (they would wait
    forever, unseen): a flow turned off in ``[flows]`` with work still queued, say."""
    with services.store.begin() as conn:
        pending = {row.kind for row in queue_admin.stats(conn) if row.state == JobState.PENDING.value}
    orphans = sorted(pending - registry.kinds())
    if orphans:
        raise ConfigurationError(
            f"pending jobs of kind(s) {', '.join(orphans)} have no handler in this configuration",
            key="flows",
            fix="turn their flow on in [flows], or find them with `shopbridge jobs list` and discard them",
        )


def worker_registry() -> tuple[Registry, Services]:
    """The runner's factory for a worker process: settings from ``$SHOPBRIDGE_CONFIG``."""
    settings = load_settings(os.environ.get("SHOPBRIDGE_CONFIG", "shopbridge.toml"))
    setup_logging(settings)  # a spawned process: JSON lines, redacted, like its parent
    services = build_services(settings)
    services.dry_run = os.environ.get(DRY_RUN_ENV) == "1"  # `shopbridge worker --dry-run`
    registry = build_registry(services)
    check_pending_kinds(services, registry)
    catch_up_when_live(services.store, now=services.clock.now(), forced_dry=services.dry_run)  # as Runtime
    return registry, services


def _shop_settings(settings: Settings, shop: str) -> ShopSettings:
    if not shop and settings.shops:
        return settings.shops[0]
    found = settings.shop_by_name(shop)
    if found is None:
        known = ", ".join(s.name for s in settings.shops) or "none"
        raise ConfigurationError(
            f"no [[shops]] entry is named {shop!r} (configured: {known})",
            key="shops",
            fix=f'add a [[shops]] block with name = "{shop}"',
        )
    return found


def _build_shopify_client(settings: Settings, shop: str) -> ShopifyClient:
    return ShopifyClient.from_settings(_shop_settings(settings, shop))


def _build_erp(settings: Settings, store: Store) -> ErpPort:
    """The configured adapter; its HTTP requests hold one of ``erp.max_concurrency`` shared slots."""
    if settings.erp is None:
        raise ConfigurationError(
            "no ERP is configured", key="erp", fix='add an [erp] section with vendor = "..." and its settings'
        )
    erp: ErpPort = build_erp(settings.erp, limiter=erp_slots(store, settings.erp))
    return erp
