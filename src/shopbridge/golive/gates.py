"""The go-live gates: each pass or fail, with what to do. ``shopbridge golive check`` prints them.

Each gate reuses the command that proves it (``connect shopify --check``, ``connect erp``,
``link catalogue``, the reconciliation's parity gate, ``alerts test``) and never raises: a system
that cannot be reached fails its gate with the reason, and the other gates are still checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from shopbridge.bootstrap import Services, enabled_flows
from shopbridge.domain.problems import Team
from shopbridge.engine import golive_state
from shopbridge.engine.schema import JobState, jobs, problems
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import ShopbridgeError
from shopbridge.flows import FLOWS
from shopbridge.flows.daily_reconciliation import parity
from shopbridge.onboarding import catalogue_link, connect, lookups_check

__all__ = ["SYSTEM_GATES", "Gate", "check_gates", "flow_kinds", "record_gates", "system_gates"]


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str
    fix: str = ""


def _gate(name: str, failures: Sequence[str], fix: str, ok: str) -> Gate:
    if failures:
        return Gate(name, False, "; ".join(failures), fix)
    return Gate(name, True, ok)


# -- connection, scopes, webhooks: `connect shopify --check` --------------------------------------


def _shop_reports(services: Services) -> list[connect.ShopReport]:
    from shopbridge.connectors.shopify.client import ShopifyClient
    from shopbridge.intake.webhooks import routes_for
    from shopbridge.web.intake import WEBHOOK_PATH

    settings = services.settings
    address = connect.intake_address(settings.web.public_url, WEBHOOK_PATH)
    flows = enabled_flows(settings)
    uow = StoreUnitOfWork(services.store, services.clock)
    reports = []
    for shop in settings.shops:
        with ShopifyClient.from_settings(shop) as client:
            reports.append(
                connect.connect_shop(
                    client,
                    uow,
                    shop=shop.name,
                    token_key=f"shops[{shop.name}].access_token",
                    switches=sorted({flow.switch for flow in flows}),
                    topics=routes_for(flows),
                    address=address,
                    check=True,
                )
            )
    return reports


def connection_gates(services: Services) -> list[Gate]:
    if not services.settings.shops:
        fix = "add a [[shops]] section, then run `shopbridge connect shopify`"
        return [
            Gate("connection and scopes", False, "no store configured", fix),
            Gate("webhooks", False, "no store", fix),
        ]
    try:
        reports = _shop_reports(services)
    except (ShopbridgeError, OSError) as exc:
        fix = "run `shopbridge connect shopify` and follow what it says"
        return [
            Gate("connection and scopes", False, str(exc), fix),
            Gate("webhooks", False, "not checked", fix),
        ]
    lacking = [
        f"{r.shop} lacks {', '.join(sorted({s for v in r.missing.values() for s in v}))}"
        for r in reports
        if r.missing
    ]
    drift = [f"{r.shop} {s.topic}: {s.status}" for r in reports for s in r.drift]
    return [
        _gate(
            "connection and scopes",
            lacking,
            "grant the scopes to the custom app in Shopify admin and reinstall it",
            f"connected to {len(reports)} store(s), every scope granted",
        ),
        _gate(
            "webhooks",
            drift,
            "run `shopbridge connect shopify` (add --force for ones pointing elsewhere)",
            "every subscription registered",
        ),
    ]


# -- the ERP's lookups: `connect erp` ---------------------------------------------------------------


def lookups_gate(services: Services) -> Gate:
    fix = "create the codes in the ERP or correct them in the config, then `shopbridge connect erp`"
    try:
        results = lookups_check.check_lookups(services.erp, lookups_check.config_lookups(services.settings))
    except (ShopbridgeError, OSError) as exc:
        return Gate(
            "lookups complete", False, str(exc), "run `shopbridge connect erp` and follow what it says"
        )
    missing = [
        f"{r.lookup.kind} {r.lookup.code} ({r.lookup.key})"
        for r in results
        if r.status == lookups_check.MISSING
    ]
    return _gate("lookups complete", missing, fix, f"{len(results)} lookups found in the ERP")


# -- the catalogue: `link catalogue` ---------------------------------------------------------------


def catalogue_gate(services: Services) -> Gate:
    fix = "run `shopbridge link catalogue`, fix each mismatch in its report (CSV), then run it again"
    try:
        items = catalogue_link.all_erp_items(services.erp)
        uow = StoreUnitOfWork(services.store, services.clock)
        reports = [
            catalogue_link.link_catalogue(shop.name, services.shopify(shop.name).catalogue(), items, uow)
            for shop in services.settings.shops
        ]
    except (ShopbridgeError, OSError) as exc:
        return Gate("catalogue linked", False, str(exc), fix)
    counts = [f"{r.shop}: {_mismatch_counts(r)}" for r in reports if r.mismatches]
    linked = sum(r.linked for r in reports)
    return _gate("catalogue linked", counts, fix, f"{linked} variants linked, 0 mismatches")


def _mismatch_counts(report: catalogue_link.LinkReport) -> str:
    return ", ".join(f"{report.count(kind)} {kind}" for kind in catalogue_link.KINDS if report.count(kind))


# -- the dry run, over N days ------------------------------------------------------------------------


def flow_kinds(switches: Sequence[str]) -> set[str]:
    return {flow.kind for flow in FLOWS if flow.switch in switches}


def dry_run_gate(services: Services, switches: Sequence[str]) -> Gate:
    """Clean: the flows' jobs began at least N days ago, none died and no problem opened since."""
    days = services.settings.dryrun.clean_days
    name = f"dry run clean {days} days"
    if not switches:
        return Gate(
            name, False, "no flow is in dry run", "list the flows in [dryrun] flows and run them N days"
        )
    now = services.clock.now()
    since = now - timedelta(days=days)
    kinds = flow_kinds(switches)
    with services.store.begin() as conn:
        first = conn.execute(
            sa.select(sa.func.min(jobs.c.created_at)).where(jobs.c.kind.in_(kinds))
        ).scalar_one()
        dead = conn.execute(
            sa.select(jobs.c.kind, sa.func.count())
            .where(jobs.c.kind.in_(kinds), jobs.c.state == JobState.DEAD.value, jobs.c.updated_at >= since)
            .group_by(jobs.c.kind)
        ).all()
        opened = conn.execute(
            sa.select(problems.c.kind, sa.func.count())
            .where(problems.c.first_seen >= since)
            .group_by(problems.c.kind)
        ).all()
    failures = []
    if first is None or first > since:
        began = "never ran" if first is None else f"began {first:%Y-%m-%d %H:%M}"
        failures.append(f"{', '.join(switches)} {began}, under {days} days ago")
    failures += [f"{count} dead {kind} job(s)" for kind, count in dead]
    failures += [f"{count} {kind} problem(s) opened" for kind, count in opened]
    fix = f"resolve them (`shopbridge problems list`, `shopbridge jobs list`), then run {days} clean days"
    return _gate(name, failures, fix, f"{', '.join(switches)}: {days} days without dead jobs or problems")


# -- reconciliation parity ----------------------------------------------------------------------------


def parity_gate(services: Services) -> Gate:
    needed = services.settings.reconcile.parity_days
    uow = StoreUnitOfWork(services.store, services.clock)
    failures = []
    for shop in services.settings.shops:
        gate = parity(uow, shop.name, needed)
        if not gate.confirmed:
            failures.append(f"{shop.name}: {gate.streak} of {needed} days passing in a row")
    if not services.settings.shops:
        failures.append("no store configured")
    fix = "run `shopbridge reconcile` daily and clear each mismatch it reports"
    return _gate(f"reconciliation parity {needed} days", failures, fix, f"the last {needed} days passed")


# -- alerts and owners ------------------------------------------------------------------------------------


def alerts_gate(services: Services) -> Gate:
    routes = [route.name for route in services.settings.alerts.routes]
    if not routes:
        return Gate(
            "alert routes tested", False, "no [[alerts.routes]] configured", "add a route for each team"
        )
    with services.store.begin() as conn:
        tests = golive_state.alert_test_results(conn)
    failures = [
        f"{name}: {'never tested' if name not in tests else 'last test failed: ' + tests[name].detail}"
        for name in routes
        if name not in tests or not tests[name].ok
    ]
    return _gate(
        "alert routes tested",
        failures,
        "run `shopbridge alerts test`",
        f"{len(routes)} route(s) delivered a test",
    )


def owners_gate(services: Services) -> Gate:
    owners = services.settings.golive.owners
    missing = [team.value for team in Team if not owners.get(team, "").strip()]
    failures = [f"no owner for {', '.join(missing)}"] if missing else []
    fix = 'name one in [golive] owners, e.g. finance = "Ann Smith"'
    return _gate(
        "an owner for each team",
        failures,
        fix,
        ", ".join(f"{t.value}: {owners[t]}" for t in Team if t in owners),
    )


# The gates that ask Shopify and the ERP, in the order system_gates gives them.
SYSTEM_GATES = ("connection and scopes", "webhooks", "lookups complete", "catalogue linked")


def system_gates(services: Services) -> list[Gate]:
    """The gates that ask Shopify and the ERP (the catalogue gate links what matches, as the command)."""
    return [*connection_gates(services), lookups_gate(services), catalogue_gate(services)]


def record_gates(services: Services, switches: Sequence[str]) -> list[Gate]:
    """The gates judged from shopbridge's own records and config: no other system is asked."""
    return [
        dry_run_gate(services, switches),
        parity_gate(services),
        alerts_gate(services),
        owners_gate(services),
    ]


def check_gates(services: Services, switches: Sequence[str]) -> list[Gate]:
    """Every gate, the dry run judged over ``switches`` (the flows about to go live)."""
    return [*system_gates(services), *record_gates(services, switches)]
