"""What every command shares: the global options, loading settings, opening services, the consoles."""

from __future__ import annotations

import getpass
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from shopbridge.config import Settings, load_settings

if TYPE_CHECKING:
    from shopbridge.bootstrap import Services

__all__ = [
    "CliState",
    "console",
    "default_actor",
    "err_console",
    "open_services",
    "serve_until_stopped",
    "settings_of",
    "state_of",
]

console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    """The global options, kept on the Typer context for sub-commands."""

    config: Path


def state_of(ctx: typer.Context) -> CliState:
    """The global options; a sub-app run on its own (tests) falls back to the defaults."""
    root = ctx.find_root()
    if isinstance(root.obj, CliState):
        return root.obj
    return CliState(config=Path(os.environ.get("SHOPBRIDGE_CONFIG", "shopbridge.toml")))


def settings_of(ctx: typer.Context, *, check_secrets: bool = False) -> Settings:
    """Load the configuration named by ``--config``; commands that only read the store skip secrets."""
    return load_settings(state_of(ctx).config, check_secrets=check_secrets)


@contextmanager
def open_services(ctx: typer.Context, *, check_secrets: bool = False) -> Iterator[Services]:
    """Services for one command, closed (store pool disposed) when it ends."""
    # Imported here so `init` and `config check` work without touching the engine or a database.
    from shopbridge.bootstrap import build_services

    services = build_services(settings_of(ctx, check_secrets=check_secrets))
    try:
        yield services
    finally:
        services.close()


def default_actor() -> str:
    """Who a manual action is recorded against: ``$USER``, else the login name."""
    user = os.environ.get("USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def serve_until_stopped(stop: Callable[[], None] | None = None) -> None:
    """Block until Ctrl-C or SIGTERM (a service manager's stop is a clean stop too), then ``stop()``.

    Without ``stop`` it only waits: the caller's ``with`` block stops what it started.
    """
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stopping.wait()
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        if stop is not None:
            stop()
            console.print("stopped")
