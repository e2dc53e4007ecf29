"""The ``shopbridge`` command line (Typer + Rich); the entry point is :func:`shopbridge.cli.app.main`."""
