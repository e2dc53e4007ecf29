"""The error tree of shopbridge, grouped by what the caller does next.

Every exception we raise on purpose derives from :class:`ShopbridgeError`. Adapters translate
foreign exceptions (httpx, SQLAlchemy, XML, JSON-RPC faults) at their boundary into one of the four
branches below, with ``raise ... from exc`` so the original stays in the chain::

    ShopbridgeError
    ├── RetryLater            transient: try again after ``retry_after`` seconds (network, 5xx,
    │   │                     throttling, a lock held elsewhere). The worker backs off and, after the
    │   │                     last attempt, dead-letters the job with a problem.
    │   └── Throttled         the remote side's rate limit; ``retry_after`` is what it asked for.
    ├── NeedsPerson           will not fix itself: becomes a *problem* with an owning team (an unknown
    │   │                     SKU, a credit limit, a 4xx the ERP will answer the same way next time).
    │   └── UnsupportedOperation  the remote system cannot do this at all (a capability it lacks).
    ├── BadInput              the input itself is wrong (malformed payload, forged signature): rejected
    │                         with the reason, never retried.
    └── ConfigurationError    the installation is wrong (bad TOML, missing secret, unlicensed ERP
                              object): refuse to start, or stop the flow, with the key and the fix.

Each error carries a ``message`` for people and optional ``details`` (the remote system's own words,
kept verbatim, so a problem record shows exactly what Shopify or the ERP said).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopbridge.domain.problems import ProblemKind, Team

__all__ = [
    "BadInput",
    "ConfigurationError",
    "NeedsPerson",
    "RetryLater",
    "ShopbridgeError",
    "Throttled",
    "UnsupportedOperation",
]


class ShopbridgeError(Exception):
    """Root of every error shopbridge raises on purpose."""

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return self.message


class RetryLater(ShopbridgeError):
    """A transient failure: the same call may succeed after ``retry_after`` seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class Throttled(RetryLater):
    """The remote side's rate limit was hit; wait ``retry_after`` seconds."""


class NeedsPerson(ShopbridgeError):
    """A failure that will repeat until a person acts; it becomes a problem owned by ``team``."""

    def __init__(
        self,
        message: str,
        *,
        kind: ProblemKind = ProblemKind.REMOTE_REJECTED,
        team: Team | None = None,
        resolution: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.kind = kind
        self.team = team if team is not None else kind.default_team
        self.resolution = resolution or kind.default_resolution


class UnsupportedOperation(NeedsPerson):
    """The remote system lacks this capability (for example Sage 200 has no journal POST)."""

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(
            message,
            kind=ProblemKind.UNSUPPORTED_OPERATION,
            details=details,
        )


class BadInput(ShopbridgeError):
    """The input is wrong in itself (malformed, forged, out of range) and is rejected as it is."""


class ConfigurationError(ShopbridgeError):
    """The installation is misconfigured; ``key`` names the setting and ``fix`` says what to do."""

    def __init__(
        self,
        message: str,
        *,
        key: str = "",
        fix: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> None:
        text = message
        if key:
            text = f"{key}: {text}"
        if fix:
            text = f"{text} (fix: {fix})"
        super().__init__(text, details=details)
        self.key = key
        self.fix = fix
