"""Ports: the Protocols flows use and connectors implement."""
