"""``shopbridge init``, ``shopbridge config check|reference`` and ``shopbridge config explain ownership``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer
from rich.table import Table

from shopbridge.cli.common import console, settings_of, state_of
from shopbridge.config import resolve_secrets
from shopbridge.config.reference import render_reference
from shopbridge.errors import ConfigurationError

__all__ = ["config_app", "register", "starter_text"]

config_app = typer.Typer(help="Check the configuration file.", no_args_is_help=True)
explain_app = typer.Typer(help="Explain a setting in force.", no_args_is_help=True)
config_app.add_typer(explain_app, name="explain")


def starter_text() -> str:
    """The commented starter configuration shipped with the package."""
    return resources.files("shopbridge.config").joinpath("starter.toml").read_text(encoding="utf-8")


def init(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="overwrite an existing file"),
) -> None:
    """Write a commented starter configuration to the --config path."""
    path = state_of(ctx).config
    if path.exists() and not force:
        raise ConfigurationError(
            f"{path} already exists",
            key="--config",
            fix="pass --force to overwrite it, or choose another --config",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_text(), encoding="utf-8")
    console.print(f"wrote {path}; edit it, then run `shopbridge config check`")


@config_app.command("check")
def check(ctx: typer.Context) -> None:
    """Load and validate the configuration and read every secret; print OK or the error."""
    settings = settings_of(ctx, check_secrets=False)
    secrets = resolve_secrets(settings)  # names only are printed, never the values
    shops = ", ".join(s.name for s in settings.shops) or "none"
    erp = settings.erp.vendor if settings.erp else "none"
    console.print(
        f"[green]OK[/green] {state_of(ctx).config}: shops {shops}; erp {erp}; {len(secrets)} secrets readable"
    )


_WRITE = typer.Option(None, "--write", help="write the page here instead of printing it")


@config_app.command("reference")
def reference(write: Path | None = _WRITE) -> None:
    """Print (or --write) the configuration reference generated from the config model."""
    text = render_reference()
    if write is None:
        typer.echo(text, nl=False)
        return
    write.write_text(text, encoding="utf-8")
    console.print(f"wrote {write}")


@explain_app.command("ownership")
def explain_ownership(ctx: typer.Context) -> None:
    """The field ownership matrix in force: which system owns each product field."""
    settings = settings_of(ctx, check_secrets=False)
    matrix = settings.ownership.matrix()
    table = Table(title="Product field ownership (from \\[ownership])")
    for column in ("field", "owner", "what it is", "ERP -> Shopify"):
        table.add_column(column)
    for name, owner, note in matrix.rows():
        pushed = "pushed" if owner == "erp" else "gated" if owner == "shopbridge" else "never"
        table.add_row(name, owner, note, pushed)
    console.print(table)
    gate = settings.catalogue.gate.value if matrix.gating else "off (status owned by shopify)"
    console.print(f"gating: {gate}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(config_app, name="config")
