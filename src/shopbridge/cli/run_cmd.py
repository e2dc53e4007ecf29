"""``shopbridge migrate``, ``run`` (web + workers + scheduler in one process) and ``worker``."""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import logging
import os
import socket
from collections.abc import Iterator

import typer
import uvicorn

from shopbridge.bootstrap import DRY_RUN_ENV, REGISTRY_FACTORY, Runtime, Services, build_services
from shopbridge.cli.common import console, settings_of, state_of
from shopbridge.config import Settings, database_url
from shopbridge.engine.runner import run_worker_processes
from shopbridge.errors import ConfigurationError
from shopbridge.logs import setup_logging
from shopbridge.web.app import create_app

__all__ = ["register"]

log = logging.getLogger(__name__)


def migrate(ctx: typer.Context) -> None:
    """Create or upgrade the database schema (alembic upgrade head)."""
    settings = settings_of(ctx)
    services = build_services(settings)
    try:
        services.store.migrate()
    finally:
        services.close()
    console.print(f"database at {_safe_url(settings)} is up to date")


def run(
    ctx: typer.Context,
    workers: int | None = typer.Option(None, min=1, help="worker threads (default: [engine] workers)"),
    port: int | None = typer.Option(None, min=0, max=65535, help="web port (default: [web] port)"),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="upgrade the schema first"),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="every flow reads only; each write is recorded as a would-do on the trail"
    ),
) -> None:
    """Run the web app, worker threads and the scheduler in one process until SIGINT or SIGTERM."""
    settings = settings_of(ctx, check_secrets=True)
    host = _listen_host(settings)
    # Claimed before anything starts or is announced: a taken port is refused with the keys to change.
    listener = claim_port(host, settings.web.port if port is None else port)
    setup_logging(settings)
    services = build_services(settings)
    services.dry_run = dry_run
    try:
        if migrate_first:
            services.store.migrate()
        _serve(services, listener, workers or settings.engine.workers)
    finally:
        listener.close()
        services.close()


def claim_port(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; a port in use is a configuration error naming the fix."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another shopbridge running?)",
            key="web.port",
            fix="stop what holds the port, or choose a free one: set [web] port = N or pass --port N",
        ) from exc
    return sock


def _serve(services: Services, listener: socket.socket, threads: int) -> None:
    host, port = listener.getsockname()[:2]
    runtime = Runtime(services, threads=threads)
    runtime.start()
    # log_config=None: uvicorn's own loggers propagate to ours (JSON, redacted) instead of its handlers.
    config = uvicorn.Config(create_app(services), host=host, port=port, log_level="info", log_config=None)
    server = _Server(config)
    # Everything built so far lives as long as the process. Left to the collector, it is rescanned by
    # every full collection, which under webhook load stalls the server 30-60 ms about once a second
    # (measured by bench/webhook_intake.py); frozen, it is never scanned again.
    gc.freeze()
    console.print(f"shopbridge on http://{host}:{port}/ with {threads} workers; Ctrl-C stops")
    try:
        server.run(sockets=[listener])  # returns on SIGINT/SIGTERM once the web side has shut down
    finally:
        runtime.stop()  # workers finish the job in hand, then leave
    console.print("stopped")


class _Server(uvicorn.Server):
    """Uvicorn, minus its re-raising of the stop signal after shutdown.

    Uvicorn re-raises SIGTERM/SIGINT once it has stopped, which would kill the process before the
    workers finish the job in hand; here the signal only ends ``run()``, and ``_serve`` then stops
    the workers and the scheduler and exits 0.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def worker(
    ctx: typer.Context,
    processes: int = typer.Option(1, min=1, help="worker processes"),
    threads: int = typer.Option(1, min=1, help="worker threads per process"),
    stop_after_idle: float | None = typer.Option(
        None, min=0, help="exit once every worker has been idle this many seconds (batch runs)"
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="every flow reads only; each write is recorded as a would-do on the trail"
    ),
) -> None:
    """Run only workers (several processes, on any number of machines sharing one PostgreSQL)."""
    settings = settings_of(ctx, check_secrets=True)
    if processes > 1 and database_url(settings).startswith("sqlite"):
        console.print(
            "[yellow]several processes on SQLite take turns writing; use PostgreSQL to scale[/yellow]"
        )
    setup_logging(settings)
    # Spawned processes rebuild their registry from the same file (see bootstrap.worker_registry).
    os.environ["SHOPBRIDGE_CONFIG"] = str(state_of(ctx).config.resolve())
    os.environ[DRY_RUN_ENV] = "1" if dry_run else "0"
    failed = run_worker_processes(
        database_url(settings),
        REGISTRY_FACTORY,
        processes,
        threads,
        stop_after_idle,
        settings=settings.engine,
    )
    if failed:
        raise typer.Exit(1)


def _listen_host(settings: Settings) -> str:
    """Loopback always; another address only with a configured session secret.

    Every page and API route needs sign-in either way, but a random per-process session secret
    (the default) is meant for one person on this machine. TLS is left to a reverse proxy in front
    (set ``secure_cookies``, or a ``public_url`` starting with https://, so cookies are Secure).
    """
    host = settings.web.host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and settings.web.session_secret is None:
        raise ConfigurationError(
            f"listening on {host!r} beyond loopback needs a configured session secret",
            key="web.session_secret",
            fix='set [web] session_secret = { env = "SHOPBRIDGE_SESSION_SECRET" } and put a TLS reverse '
            'proxy in front, or set host = "127.0.0.1"',
        )
    return host


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url(settings)).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate)
    app.command("run")(run)
    app.command("worker")(worker)
