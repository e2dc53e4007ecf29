"""``shopbridge sandbox prima``: serve the Prima SOAP sandbox on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import typer

from shopbridge.cli.common import serve_until_stopped

LEVERS = "add_item, set_item_active, set_stock, set_credit_limit, despatch, faults, reset"


def register(app: typer.Typer) -> None:
    @app.command("prima")
    def prima(
        port: int = typer.Option(0, help="port on 127.0.0.1 (0 picks a free one)"),
        username: str = typer.Option("shopbridge", help="the HTTP Basic user the sandbox accepts"),
        company_id: str = typer.Option("01", help="the company id comwsomhandler accepts"),
        password: str = typer.Option(
            "sandbox", envvar="SHOPBRIDGE_SANDBOX_PRIMA_PASSWORD", help="the password it accepts"
        ),
    ) -> None:
        """Prima SOAP web services (wsomhandler, comwsomhandler) at /wsa/wsa1; levers at /_sandbox/."""
        from shopbridge.sandbox.prima import Login, PrimaSandbox

        sandbox = PrimaSandbox(Login(username=username, password=password, company_id=company_id), port=port)
        url = sandbox.start()
        typer.echo(
            f"Prima sandbox at {sandbox.service_url} (user {username}, company {company_id}); Ctrl-C stops it"
        )
        typer.echo(f"WSDL: {sandbox.service_url}/wsdl?targetURI=urn:omlink")
        typer.echo(f"levers: POST {url}/_sandbox/<name> with a JSON body; names: {LEVERS}")
        serve_until_stopped(sandbox.stop)
