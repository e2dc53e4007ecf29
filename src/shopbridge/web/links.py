"""Where the dashboard links to: a problem kind's runbook section, as the app serves it."""

from __future__ import annotations

from shopbridge.domain.problems import ProblemKind

__all__ = ["runbook_url"]


def runbook_url(kind: ProblemKind) -> str:
    """``docs/runbooks/<team>.md#<kind>`` as the dashboard serves it: ``/runbooks/<team>#<kind>``."""
    path, _, anchor = kind.runbook.partition("#")
    team = path.rsplit("/", 1)[-1].removesuffix(".md")
    return f"/runbooks/{team}#{anchor}"
