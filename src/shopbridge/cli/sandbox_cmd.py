"""``shopbridge sandbox ...``: the simulated Shopify and ERPs, each added by its owner's module.

Each owner writes ``shopbridge/cli/sandbox_<name>.py`` with ``def register(app: typer.Typer) -> None``;
a module not present in this build is simply not offered.
"""

from __future__ import annotations

import importlib
import importlib.util

import typer

__all__ = ["SANDBOX_MODULES", "sandbox_app"]

SANDBOX_MODULES = ("shopify", "sage200", "syspro", "prima")

sandbox_app = typer.Typer(help="Run the simulated Shopify and ERP systems.", no_args_is_help=True)


def _register_all() -> None:
    for name in SANDBOX_MODULES:
        module_name = f"shopbridge.cli.sandbox_{name}"
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).register(sandbox_app)


_register_all()
