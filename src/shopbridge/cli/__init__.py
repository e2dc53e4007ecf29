"""Command-line entrypoint."""
