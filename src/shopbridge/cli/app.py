"""The ``shopbridge`` command: builds the Typer app, mounts every sub-command, maps errors to exits.

Exit codes: 0 success, 1 an operation refused (no such job, a problem already closed), 2 the
installation is misconfigured (:class:`ConfigurationError`; the message names the key and the fix).
Errors print as one red line, never a traceback: the traceback helps us, the message helps the user.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import typing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from sqlalchemy.exc import DBAPIError
from typer._click import Context  # the click Typer vendors (typer.Context narrows it)
from typer.core import TyperGroup

from shopbridge.cli import (
    config_cmd,
    jobs_cmd,
    orders_cmd,
    problems_cmd,
    run_cmd,
    status_cmd,
    sweep_cmd,
)
from shopbridge.cli.common import CliState, err_console
from shopbridge.cli.payouts_cmd import payouts_app
from shopbridge.errors import ConfigurationError, ShopbridgeError

__all__ = ["app", "main"]

DEFAULT_CONFIG = Path("shopbridge.toml")
EXIT_REFUSED = 1
EXIT_CONFIGURATION = 2


class _ShopbridgeGroup(TyperGroup):
    """The root group: turns our errors into a red message and an exit code."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as exc:
            _error(f"configuration error: {exc}")
            raise typer.Exit(EXIT_CONFIGURATION) from exc
        except DBAPIError as exc:
            # An unmigrated or unreachable database is an installation problem: say so, no traceback.
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            _error(f"database error: {reason} (fix: check [database] url, then run `shopbridge migrate`)")
            raise typer.Exit(EXIT_CONFIGURATION) from exc
        except ShopbridgeError as exc:
            _error(str(exc))
            raise typer.Exit(EXIT_REFUSED) from exc


def _error(message: str) -> None:
    """One red line on stderr; never wrapped (scripts grep it) and never read as markup."""
    err_console.print(f"[red]{escape(message)}[/red]", highlight=False, soft_wrap=True)


app = typer.Typer(
    cls=_ShopbridgeGroup,
    help="Keep a Shopify store and an ERP in agreement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option("--config", "-c", envvar="SHOPBRIDGE_CONFIG", help="the TOML configuration file"),
    ] = DEFAULT_CONFIG,
) -> None:
    ctx.obj = CliState(config=config)


def _mount_optional(module_name: str, attribute: str, name: str, help_text: str) -> None:
    """Mount a sub-app written by another owner, when their module is present in this build."""
    if importlib.util.find_spec(module_name) is None:
        return
    sub_app = getattr(importlib.import_module(module_name), attribute)
    app.add_typer(sub_app, name=name, help=help_text)


def _register_optional(module_name: str) -> None:
    """Let a module add its own commands to the root app (the lead's ``demo``)."""
    if importlib.util.find_spec(module_name) is not None:
        importlib.import_module(module_name).register(app)


def _build() -> None:
    config_cmd.register(app)
    run_cmd.register(app)
    status_cmd.register(app)
    app.add_typer(jobs_cmd.jobs_app, name="jobs", help="List, retry, replay and discard jobs.")
    app.add_typer(problems_cmd.problems_app, name="problems", help="List, show, resolve and ignore problems.")
    app.add_typer(orders_cmd.orders_app, name="orders", help="Follow one order from Shopify to the ERP.")
    app.add_typer(sweep_cmd.sweep_app, name="sweep", help="Sweep orders now, or back-fill from a date.")
    app.add_typer(payouts_app, name="payouts", help="Shopify Payments payouts in the ledger.")
    _mount_optional("shopbridge.cli.sandbox_cmd", "sandbox_app", "sandbox", "Run the simulated systems.")
    _mount_optional("shopbridge.cli.erp_cmd", "erp_app", "erp", "Check the ERP connection.")
    _register_optional("shopbridge.cli.demo_cmd")
    _mount_optional("shopbridge.cli.users_cmd", "users_app", "users", "Dashboard users and API tokens.")
    _register_optional("shopbridge.cli.stock_cmd")
    _mount_optional("shopbridge.cli.connect_cmd", "connect_app", "connect", "Connect Shopify and the ERP.")
    _mount_optional("shopbridge.cli.link_cmd", "link_app", "link", "Link the catalogue to the ERP.")
    _register_optional("shopbridge.cli.reconcile_cmd")
    _mount_optional("shopbridge.cli.import_cmd", "import_app", "import", "Bring historic orders in.")
    _mount_optional("shopbridge.cli.dryrun_cmd", "dryrun_app", "dryrun", "Dry-run reports.")
    _mount_optional("shopbridge.cli.golive_cmd", "golive_app", "golive", "Go-live gates; switch flows live.")
    _mount_optional("shopbridge.cli.alerts_cmd", "alerts_app", "alerts", "Test the alert routes.")
    _register_optional("shopbridge.cli.rehearse_cmd")


_UNESCAPED_BRACKET = re.compile(r"(?<!\\)\[")  # every "[" not escaped already ("[[shops]]" too)


def _escape_help_markup(typer_app: typer.Typer) -> None:
    """Help is printed as Rich markup, which swallows ``[engine]`` as a tag ("(default:  workers)").

    Every option's and argument's help (across sub-apps too) is escaped once here, so the config
    keys shown in brackets print as written, whoever wrote the command.
    """
    callbacks = [info.callback for info in typer_app.registered_commands]
    if typer_app.registered_callback is not None:
        callbacks.append(typer_app.registered_callback.callback)
    for callback in callbacks:
        if callback is not None:
            _escape_parameters(callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _escape_help_markup(group.typer_instance)


def _escape_parameters(callback: Any) -> None:
    hints = typing.get_type_hints(callback, include_extras=True)
    for name, parameter in inspect.signature(callback).parameters.items():
        infos = [parameter.default, *getattr(hints.get(name), "__metadata__", ())]
        for info in infos:
            help_text = getattr(info, "help", None)
            if isinstance(info, typer.models.ParameterInfo) and isinstance(help_text, str):
                info.help = _UNESCAPED_BRACKET.sub(r"\\[", help_text)


_build()
_escape_help_markup(app)


def main() -> None:
    """Console-script entry point."""
    app()
