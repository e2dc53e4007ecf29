"""The ``[alerts]`` section: where problems are announced, to whom, and how often.

::

    [alerts]
    dashboard_url = "https://shopbridge.example.com"   # links in alerts; default: [web] public_url
    digest_hour = 8                                    # UTC hour of the daily digest

    [alerts.smtp]
    host = "smtp.example.com"
    port = 587
    starttls = true
    username = "shopbridge"
    password = { env = "SMTP_PASSWORD" }
    sender = "shopbridge@example.com"

    [[alerts.routes]]
    name = "finance-mail"
    channel = "email"                    # email, slack (a Slack-compatible incoming webhook), webhook
    teams = ["finance"]                  # empty: every team
    min_severity = "warning"             # below: never sent on this route
    digest_below = "error"               # below: in the daily digest, not at once
    to = ["finance@example.com"]

    [[alerts.routes]]
    name = "ops-chat"
    channel = "slack"
    url = { env = "SLACK_WEBHOOK_URL" }  # a webhook URL is a secret: whoever has it may post
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shopbridge.config.secrets import SecretRef
from shopbridge.domain.problems import Severity, Team

__all__ = ["AlertRoute", "AlertSettings", "SmtpSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmtpSettings(_Strict):
    """The mail server email routes send through."""

    host: str
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = Field(default=False, description="upgrade to TLS before signing in")
    username: str = ""
    password: SecretRef | None = None
    sender: str = Field(description="the From address")
    timeout_seconds: float = Field(default=10.0, gt=0)


class AlertRoute(_Strict):
    """One destination for one set of teams and severities."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    channel: Literal["email", "slack", "webhook"]
    teams: list[Team] = Field(default_factory=list, description="owning teams covered; empty: all")
    min_severity: Severity = Severity.INFO
    digest_below: Severity = Field(default=Severity.WARNING, description="below this: the daily digest")
    max_per_hour: int = Field(default=6, ge=1, description="messages per hour at most; the rest wait")
    to: list[str] = Field(default_factory=list, description="email: the recipients")
    url: SecretRef | None = Field(default=None, description="slack and webhook: where to POST")
    token: SecretRef | None = Field(default=None, description="webhook: sent as Authorization: Bearer")

    @model_validator(mode="after")
    def _destination(self) -> AlertRoute:
        if self.channel == "email" and not self.to:
            raise ValueError(f"alert route {self.name!r} sends email: give its recipients in to = [...]")
        if self.channel != "email" and self.url is None:
            raise ValueError(f'alert route {self.name!r} posts to a webhook: give url = {{ env = "..." }}')
        return self


class AlertSettings(_Strict):
    dashboard_url: str = Field(default="", description="links in alerts; empty: [web] public_url")
    digest_hour: int = Field(default=8, ge=0, le=23, description="UTC hour the daily digest is sent")
    smtp: SmtpSettings | None = None
    routes: list[AlertRoute] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> AlertSettings:
        names = [route.name for route in self.routes]
        if len(set(names)) != len(names):
            raise ValueError("two [[alerts.routes]] share a name; each route needs its own")
        if any(route.channel == "email" for route in self.routes) and self.smtp is None:
            raise ValueError("an email route needs an [alerts.smtp] section")
        return self
