"""``shopbridge sandbox syspro``: serve the SYSPRO e.net sandbox on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import typer

from shopbridge.cli.common import serve_until_stopped

LEVERS = "add_item, set_item_active, set_stock, set_credit_limit, despatch, faults, evict_session, reset"


def register(app: typer.Typer) -> None:
    @app.command("syspro")
    def syspro(
        port: int = typer.Option(0, help="port on 127.0.0.1 (0 picks a free one)"),
        operator: str = typer.Option("SHOPBRIDGE", help="the operator the sandbox accepts"),
        company_id: str = typer.Option("EDU1", help="the company id the sandbox accepts"),
        password: str = typer.Option(
            "sandbox", envvar="SHOPBRIDGE_SANDBOX_SYSPRO_PASSWORD", help="operator password it accepts"
        ),
    ) -> None:
        """SYSPRO e.net REST (Logon, Query/Query, Transaction/Post, Setup/Add); levers at /_sandbox/."""
        from shopbridge.sandbox.syspro import Credentials, SysproSandbox

        credentials = Credentials(operator=operator, operator_password=password, company_id=company_id)
        sandbox = SysproSandbox(credentials, port=port)
        url = sandbox.start()
        typer.echo(f"SYSPRO sandbox at {url} (operator {operator}, company {company_id}); Ctrl-C stops it")
        typer.echo(f"levers: POST {url}/_sandbox/<name> with a JSON body; names: {LEVERS}")
        serve_until_stopped(sandbox.stop)
