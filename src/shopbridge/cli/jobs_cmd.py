"""``shopbridge jobs list|show|retry|replay|discard``: look at the queue and act on single jobs."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.progress import Progress

from shopbridge import admin
from shopbridge.cli.common import console, default_actor, open_services
from shopbridge.cli.render import jobs_table, when
from shopbridge.errors import BadInput

__all__ = ["jobs_app"]

jobs_app = typer.Typer(help="List, retry, replay and discard jobs.", no_args_is_help=True)

_ACTOR = typer.Option(None, "--actor", help="who is acting (default: $USER); recorded in the audit")


@jobs_app.command("list")
def list_jobs(
    ctx: typer.Context,
    state: str | None = typer.Option(None, help="pending, running, done or dead"),
    kind: str | None = typer.Option(None, help="only jobs of this kind"),
    limit: int = typer.Option(50, min=1, help="at most this many, newest first"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List jobs, newest first."""
    with open_services(ctx) as services:
        jobs = admin.list_jobs(services, state=state, kind=kind, limit=limit)
        default_max = services.settings.engine.retry.max_attempts
    if as_json:
        typer.echo(json.dumps([admin.job_json(job) for job in jobs], indent=2))
    else:
        console.print(jobs_table(jobs, default_max_attempts=default_max) if jobs else "No jobs match.")


@jobs_app.command("show")
def show(ctx: typer.Context, job_id: int = typer.Argument(..., help="the job id")) -> None:
    """Show one job with its payload and last error."""
    with open_services(ctx) as services:
        job = admin.get_job(services, job_id)
        default_max = services.settings.engine.retry.max_attempts
    for label, value in (
        ("job", f"{job.id} {job.kind} ({job.state})"),
        ("shop", job.shop or "-"),
        ("entity", job.entity_key or "-"),
        ("dedup key", job.dedup_key or "-"),
        ("attempts", f"{job.attempts}/{job.max_attempts or default_max}"),
        ("created", when(job.created_at)),
        ("run after", when(job.run_after)),
        ("last error", job.last_error or "-"),
    ):
        console.print(f"[bold]{label:>10}[/bold]  {escape(value)}", highlight=False)
    console.print_json(json.dumps(job.payload))


@jobs_app.command("retry")
def retry(ctx: typer.Context, job_id: int = typer.Argument(...), actor: str | None = _ACTOR) -> None:
    """Run a pending job now rather than waiting for its backoff."""
    with open_services(ctx) as services:
        admin.retry_job(services, job_id, actor=actor or default_actor())
    console.print(f"job {job_id} will run now")


@jobs_app.command("replay")
def replay(
    ctx: typer.Context,
    job_id: int | None = typer.Argument(None, help="a dead job's id"),
    all_dead: bool = typer.Option(False, "--all-dead", help="replay every dead job"),
    kind: str | None = typer.Option(None, help="with --all-dead: only this kind"),
    actor: str | None = _ACTOR,
) -> None:
    """Run a dead job again from its first attempt (or every dead job with --all-dead)."""
    if (job_id is None) == (not all_dead):
        raise BadInput("give a job id or --all-dead, not both")
    who = actor or default_actor()
    with open_services(ctx) as services:
        if job_id is not None:
            admin.replay_job(services, job_id, actor=who)
            console.print(f"job {job_id} replayed")
            return
        _replay_all(services, kind=kind, actor=who)


def _replay_all(services: admin.Services, *, kind: str | None, actor: str) -> None:
    ids = admin.dead_job_ids(services, kind=kind)
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("replaying dead jobs", total=len(ids))
        for job_id in ids:
            admin.replay_job(services, job_id, actor=actor)
            progress.advance(task)
    console.print(f"replayed {len(ids)} dead job{'' if len(ids) == 1 else 's'}")


@jobs_app.command("discard")
def discard(
    ctx: typer.Context,
    job_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="why the job is dropped (kept in the audit)"),
    actor: str | None = _ACTOR,
) -> None:
    """Drop a dead or pending job for good."""
    with open_services(ctx) as services:
        admin.discard_job(services, job_id, actor=actor or default_actor(), reason=reason)
    console.print(f"job {job_id} discarded")
