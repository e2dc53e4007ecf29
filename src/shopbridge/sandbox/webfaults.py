"""Faults only the web tier in front of an ERP produces: latency, hangs and HTML error pages.

The XML ERP sandboxes (SYSPRO, Prima) share them; each adds the faults of its own vendor. The
``faults`` lever sets them from a JSON body: ``latency`` (seconds), ``fail_status`` with
``fail_times``, ``hangs`` with ``hang_seconds``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import HTMLResponse, Response


@dataclass
class WebFaults:
    latency: float = 0.0
    fail_statuses: list[int] = field(default_factory=list)
    hangs: int = 0
    hang_seconds: float = 5.0

    def update(self, body: dict[str, Any]) -> None:
        """Apply the common keys of a ``faults`` lever body (counts add up, settings replace)."""
        self.latency = float(body.get("latency", self.latency))
        if "fail_status" in body:
            self.fail_statuses += [int(body["fail_status"])] * int(body.get("fail_times", 1))
        self.hangs += int(body.get("hangs", 0))
        self.hang_seconds = float(body.get("hang_seconds", self.hang_seconds))

    async def strike(self) -> Response | None:
        """Wait as told, then the next queued error page, if any (``None``: serve the request)."""
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.hangs:
            self.hangs -= 1
            await asyncio.sleep(self.hang_seconds)
        if self.fail_statuses:
            status = self.fail_statuses.pop(0)
            return HTMLResponse(
                f"<html><body><h1>{status} Server Error</h1></body></html>", status_code=status
            )
        return None
