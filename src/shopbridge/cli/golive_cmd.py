"""``shopbridge golive check|enable``: the gates before go-live, and switching a flow live.

Exit codes: 0 every gate passes (or the flow went live); 1 a gate fails, or enabling was refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shopbridge.cli.common import console, default_actor, open_services
from shopbridge.dryrun.mode import dry_run_flows
from shopbridge.golive.gates import Gate, check_gates
from shopbridge.golive.switch import FLOW_NAMES, Refused, enable_flow, known_flow

__all__ = ["golive_app"]

golive_app = typer.Typer(
    help="Check the go-live gates; switch flows from dry run to live.", no_args_is_help=True
)

EXIT_FAILED = 1


@golive_app.callback()
def _golive() -> None:
    """Go-live gates."""


@golive_app.command("check")
def check(
    ctx: typer.Context,
    flow: Annotated[
        str, typer.Option(help="judge the dry run of this flow only", show_default="every flow in dry run")
    ] = "",
) -> None:
    """Print each gate, pass or fail, with what to do; exit 1 when any fails."""
    with open_services(ctx, check_secrets=False) as services:
        switches = [known_flow(flow)] if flow else sorted(dry_run_flows(services.settings, services.store))
        gates = check_gates(services, switches)
    console.print(gate_table(gates))
    if not all(gate.passed for gate in gates):
        raise typer.Exit(EXIT_FAILED)


@golive_app.command("enable")
def enable(
    ctx: typer.Context,
    flow: Annotated[str, typer.Argument(help=f"the flow to switch live: {', '.join(FLOW_NAMES)}")],
    override: Annotated[
        bool, typer.Option("--override", help="go live although gates fail (audited)")
    ] = False,
    reason: Annotated[str, typer.Option(help="why, with --override (kept in the audit trail)")] = "",
    by: Annotated[str, typer.Option(help="who switches it (the audit's actor)", show_default="$USER")] = "",
) -> None:
    """Switch a flow from dry run to live, only when its gates pass (or with --override and a reason)."""
    known_flow(flow)  # an unknown flow is refused before any system is asked
    with open_services(ctx, check_secrets=False) as services:
        try:
            switched = enable_flow(
                services, flow, actor=by or default_actor(), override=override, reason=reason
            )
        except Refused as exc:
            console.print(gate_table(exc.failed))
            raise
    console.print(gate_table(switched.gates))
    how = "[yellow]overriding failing gates (audited)[/yellow]" if switched.override else "every gate passed"
    console.print(f"{escape(flow)} is live: {how}")
    if switched.caught_up:
        console.print(
            f"{len(switched.caught_up)} order(s) the dry run would have posted are queued for the ERP"
            " (each once; an order the ERP already has is linked, not posted again)"
        )


def gate_table(gates: Sequence[Gate]) -> Table:
    table = Table(title="go-live gates")
    for column in ("gate", "status", "detail", "what to do"):
        table.add_column(column)
    for gate in gates:
        status = "[green]pass[/green]" if gate.passed else "[red]fail[/red]"
        table.add_row(escape(gate.name), status, escape(gate.detail), escape(gate.fix))
    return table
