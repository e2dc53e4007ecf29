"""``shopbridge rehearse``: run a peak or failure scenario against the built-in sandboxes (issue 15).

A thin command: the work is in :mod:`shopbridge.rehearse`. SIGTERM is handled like Ctrl-C: the
rehearsal stops every process it started (workers first, then the web intake and the sandboxes) and
writes no report; the next run starts clean.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from rich.live import Live
from rich.table import Table

from shopbridge.cli.common import console

__all__ = ["register"]

EXIT_FINDINGS = 1
EXIT_INTERRUPTED = 130


def rehearse(
    scenario: str = typer.Option(
        "bad-day",
        help="a preset (black-friday, bad-day, month-end, two-stores) or the path of a scenario TOML file",
    ),
    orders: int | None = typer.Option(None, min=1, help="peak orders (default: the scenario's)"),
    workers: int = typer.Option(3, min=1, max=32, help="worker processes (`shopbridge worker`)"),
    threads: int = typer.Option(2, min=1, max=32, help="worker threads in each process"),
    database: str | None = typer.Option(
        None, help="an empty PostgreSQL URL of the rehearsal's own (default: SQLite in the workdir)"
    ),
    erp: str = typer.Option("sage200", help="sage200, syspro, prima (sandboxes) or tryton (a real server)"),
    workdir: str = typer.Option("var/rehearsal", help="config, store, logs and the reports"),
    live: bool = typer.Option(True, "--live/--no-live", help="show progress while it runs"),
    hosts: int = typer.Option(
        1,
        min=1,
        max=16,
        help="spread the workers over this many hosts: Linux network namespaces on veth pairs (root"
        " only; --database: a PostgreSQL on 127.0.0.1 that also listens on the hosts' 10.231.x.x gateways"
        " and lets 10.231.0.0/16 in)",
    ),
) -> None:
    """Rehearse a peak or a bad day on the sandboxes; exit 1 naming what was lost or doubled."""
    from shopbridge.demo.erp_base import ErpUnavailable
    from shopbridge.demo.erps import ERPS
    from shopbridge.rehearse.database import prepare_database
    from shopbridge.rehearse.hosts import HostsUnavailable
    from shopbridge.rehearse.report import clear_reports, write_reports
    from shopbridge.rehearse.runner import Rehearsal
    from shopbridge.rehearse.scenario import load_scenario
    from shopbridge.rehearse.stack import StackSpec
    from shopbridge.rehearse.stores import rehearsal_for

    if erp not in ERPS:
        console.print(f"[red]--erp {erp}: choose one of {', '.join(ERPS)}[/red]")
        raise typer.Exit(2)
    chosen = load_scenario(scenario).scaled(orders)
    folder = Path(workdir)
    folder.mkdir(parents=True, exist_ok=True)
    clear_reports(folder)
    spec = StackSpec(folder, erp, prepare_database(database, folder), workers, threads)
    if hosts > 1 and chosen.second_store is not None:
        console.print(f"[red]--hosts {hosts}: a two-store scenario runs on one host; drop --hosts[/red]")
        raise typer.Exit(2)
    network = _network(hosts)
    # two stores when the scenario has [second_store]; else one, on the network's hosts if any
    rehearsal = rehearsal_for(chosen, spec) if hosts <= 1 else Rehearsal(chosen, spec, _stack_on(network))
    try:
        with _sigterm_as_interrupt(), network, _display(rehearsal, live):
            result = rehearsal.run()
    except ErpUnavailable as exc:
        console.print(f"[red]--erp {erp}: {exc}[/red]")
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        console.print(
            "[yellow]rehearsal interrupted: every process it started is stopped; no report[/yellow]"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except HostsUnavailable as exc:
        console.print(f"[red]--hosts {hosts}: {exc}[/red]")
        raise typer.Exit(2) from exc
    json_path, html_path = write_reports(folder, result)
    _summary(result, json_path, html_path)
    if not result["ok"]:
        raise typer.Exit(EXIT_FINDINGS)


def _network(hosts: int) -> AbstractContextManager[object]:
    """The hosts' network (made on entering, removed on leaving), or nothing to make for one host."""
    from shopbridge.rehearse.hosts import HostNetwork

    return HostNetwork(hosts) if hosts > 1 else nullcontext()


def _stack_on(network: object) -> Any:
    """How the rehearsal makes its stack: on the network's hosts, or the ordinary one."""
    from shopbridge.rehearse.hosts import HostNetwork
    from shopbridge.rehearse.hosts_stack import HostsStack
    from shopbridge.rehearse.stack import RehearsalStack

    if not isinstance(network, HostNetwork):
        return RehearsalStack
    return lambda scenario, spec: HostsStack(scenario, spec, network.hosts)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@contextmanager
def _display(rehearsal: object, live: bool) -> Iterator[None]:
    if not live:
        yield
        return
    with Live(
        get_renderable=lambda: _progress(rehearsal), console=console, refresh_per_second=2, transient=True
    ):
        yield


def _progress(rehearsal: object) -> Table:
    state = rehearsal.state  # type: ignore[attr-defined]
    name = rehearsal.scenario.name  # type: ignore[attr-defined]
    table = Table(title=f"shopbridge rehearse: {name}", show_header=False)
    table.add_row("phase", state.phase)
    table.add_row("peak orders placed", f"{state.orders_placed} of {state.orders_total}")
    sample = state.sampler.latest() if state.sampler else None
    if sample is not None:
        table.add_row("queue", f"{sample.pending} pending, {sample.running} running")
        table.add_row("oldest job", f"{sample.oldest_age:.1f} s")
        table.add_row("Shopify THROTTLED so far", str(sample.shopify_throttled))
    for event in state.events[-3:]:
        table.add_row("fault", f"{event['at']} s: {event['event']}")
    return table


def _summary(result: dict[str, object], json_path: Path, html_path: Path) -> None:
    peak, limits = result["peak"], result["limits"]
    assert isinstance(peak, dict) and isinstance(limits, dict)
    console.print(
        f"{peak['orders_placed']} peak orders, {peak['orders_per_second_sustained']} orders/s sustained,"
        f" peak backlog {peak['peak_backlog']} jobs, oldest {peak['peak_queue_age_seconds']} s,"
        f" drained in {peak['time_to_drain_seconds']} s; ERP concurrency used"
        f" {limits['erp_concurrency_share_used']:.0%},"
        f" Shopify budget {limits['shopify_budget_share_used']:.0%}"
        f" (bound by {limits['bound_by']})",
        highlight=False,
    )
    _store_lines(result)
    hosts = result.get("hosts") or []
    assert isinstance(hosts, list)
    for host in hosts:
        console.print(
            f"host {host['name']} ({host['address']}): {host['workers_started']} workers,"
            f" {host['jobs_claimed']} jobs claimed",
            highlight=False,
        )
    findings = result["findings"]
    assert isinstance(findings, list)
    for finding in findings:
        named = f": {', '.join(finding['entities'][:20])}" if finding["entities"] else ""
        console.print(f"[red]FAIL {finding['check']}: {finding['detail']}{named}[/red]", highlight=False)
    if not findings:
        console.print("[green]PASS: nothing lost, nothing doubled, the books balance[/green]")
    console.print(f"report: {json_path} and {html_path}")


def _store_lines(result: dict[str, object]) -> None:
    """Each store's figures, when the rehearsal ran two (scenario ``[second_store]``)."""
    from shopbridge.rehearse.store_report import summary_lines

    for line in summary_lines(result.get("stores")):
        console.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("rehearse")(rehearse)
