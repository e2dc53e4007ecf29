"""``[dryrun]`` and ``[golive]``: which flows rehearse, and what going live needs (docs/decisions.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shopbridge.domain.problems import Team

__all__ = ["DryRunSettings", "FlowName", "GoLiveSettings"]

# The [flows] switches that name flows (``customers`` rides with ``orders``).
FlowName = Literal["orders", "stock", "catalogue", "fulfilments", "refunds", "payouts", "prices", "reconcile"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DryRunSettings(_Strict):
    """Flows that run reading only, every write recorded as a "would do" on the trail."""

    flows: list[FlowName] = Field(
        default_factory=list,
        description="flows (by [flows] switch) in dry run until `shopbridge golive enable` turns them live",
    )
    clean_days: int = Field(
        default=7, ge=1, description="days a dry run must run without dead jobs or problems (go-live gate)"
    )


class GoLiveSettings(_Strict):
    """What the go-live gates check besides the systems themselves."""

    owners: dict[Team, str] = Field(
        default_factory=dict,
        description="team (finance, operations, ecommerce, merchandising, technical) -> its named owner",
    )
