"""A Sage 200 sandbox that answers as the real OpenAPI specifications say (``shopbridge sandbox sage200``)."""

from __future__ import annotations

from shopbridge.sandbox.sage200.server import DEFAULT_TOKEN, Sage200Sandbox

__all__ = ["DEFAULT_TOKEN", "Sage200Sandbox"]
