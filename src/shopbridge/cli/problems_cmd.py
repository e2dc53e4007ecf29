"""``shopbridge problems list|show|resolve|ignore``."""

from __future__ import annotations

import json

import typer
from rich.markup import escape

from shopbridge import admin
from shopbridge.cli.common import console, default_actor, open_services
from shopbridge.cli.render import problems_table, when
from shopbridge.domain.problems import Problem, ProblemKind

__all__ = ["problems_app"]

problems_app = typer.Typer(help="List, show, resolve and ignore problems.", no_args_is_help=True)

_ACTOR = typer.Option(None, "--actor", help="who is acting (default: $USER); recorded in the audit")


@problems_app.command("list")
def list_problems(
    ctx: typer.Context,
    team: str | None = typer.Option(None, help="finance, operations, ecommerce, merchandising, technical"),
    severity: str | None = typer.Option(None, help="info, warning, error, critical"),
    status: str = typer.Option("open", help="open, resolved, ignored or all"),
    kind: str | None = typer.Option(None, help="a problem kind, e.g. unknown_sku"),
    limit: int = typer.Option(100, min=1),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List problems (open ones by default), most recent first."""
    with open_services(ctx) as services:
        found = admin.list_problems(
            services,
            team=team,
            severity=severity,
            status=None if status == "all" else status,
            kind=kind,
            limit=limit,
        )
    if as_json:
        typer.echo(json.dumps([admin.problem_json(p) for p in found], indent=2))
    else:
        console.print(problems_table(found) if found else "No problems match.")


@problems_app.command("show")
def show(ctx: typer.Context, problem_id: int = typer.Argument(...)) -> None:
    """Show one problem: what, who owns it, what was tried and how it resolves."""
    with open_services(ctx) as services:
        problem = admin.get_problem(services, problem_id)
    for label, value in _lines(problem):
        console.print(f"[bold]{label:>12}[/bold]  {escape(value)}", highlight=False)


def _lines(p: Problem) -> list[tuple[str, str]]:
    return [
        ("problem", f"{p.id} {p.kind} ({p.status})"),
        ("owner", f"{p.team}, {p.severity}"),
        ("entity", f"{p.shop + ': ' if p.shop else ''}{p.entity_type} {p.entity_id}"),
        ("message", p.message),
        ("tried", p.tried or "-"),
        ("resolves by", p.resolution),
        ("advice", ProblemKind(p.kind).advice),
        ("runbook", ProblemKind(p.kind).runbook),
        ("seen", f"{p.count} times, first {when(p.first_seen)}, last {when(p.last_seen)}"),
        ("note", p.note or "-"),
    ]


@problems_app.command("resolve")
def resolve(
    ctx: typer.Context,
    problem_id: int = typer.Argument(...),
    note: str = typer.Option("", "--note", help="what was done"),
    actor: str | None = _ACTOR,
) -> None:
    """Mark a problem resolved (a repeat of it opens a new one)."""
    with open_services(ctx) as services:
        admin.resolve_problem(services, problem_id, actor=actor or default_actor(), note=note)
    console.print(f"problem {problem_id} resolved")


@problems_app.command("ignore")
def ignore(
    ctx: typer.Context,
    problem_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="why it is ignored (required, kept in the audit)"),
    actor: str | None = _ACTOR,
) -> None:
    """Close a problem without fixing it, with a reason."""
    with open_services(ctx) as services:
        admin.ignore_problem(services, problem_id, actor=actor or default_actor(), reason=reason)
    console.print(f"problem {problem_id} ignored")
