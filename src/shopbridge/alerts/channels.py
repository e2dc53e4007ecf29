"""Sending one alert message: by email (SMTP), to a Slack-compatible webhook, or to a generic one.

Failures are translated into :class:`~shopbridge.errors.RetryLater` at this boundary (the sweep
leaves the problems unsent, so the next sweep tries again) with the transport's reason, never the
URL (a webhook URL is a secret) or the password.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

import httpx

from shopbridge.config.alerts import AlertRoute, SmtpSettings
from shopbridge.domain.alerting import AlertMessage
from shopbridge.errors import ConfigurationError, RetryLater

__all__ = ["send"]

_TIMEOUT = 10.0


def send(message: AlertMessage, route: AlertRoute, smtp: SmtpSettings | None) -> None:
    """Deliver ``message`` over ``route``'s channel; raises :class:`RetryLater` when it fails."""
    if route.channel == "email":
        if smtp is None:
            raise ConfigurationError("an email route needs [alerts.smtp]", key="alerts.smtp")
        _email(message, route, smtp)
    elif route.channel == "slack":
        _post(route, {"text": message.text}, f"alerts.{route.name}.url")
    else:
        _post(route, _webhook_body(message), f"alerts.{route.name}.url")


def _email(message: AlertMessage, route: AlertRoute, smtp: SmtpSettings) -> None:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(route.to)
    mail.set_content(message.text)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.username and smtp.password is not None:
                server.login(smtp.username, smtp.password.resolve("alerts.smtp.password"))
            server.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise RetryLater(f"email to route {route.name} failed: {type(exc).__name__}: {exc}") from exc


def _webhook_body(message: AlertMessage) -> dict[str, Any]:
    return {
        "route": message.route,
        "digest": message.digest,
        "subject": message.subject,
        "problems": [vars(item) for item in message.items],
    }


def _post(route: AlertRoute, body: dict[str, Any], key: str) -> None:
    assert route.url is not None  # the config model requires it for these channels
    headers = {}
    if route.token is not None:
        headers["Authorization"] = f"Bearer {route.token.resolve(f'alerts.{route.name}.token')}"
    try:
        response = httpx.post(route.url.resolve(key), json=body, headers=headers, timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        raise RetryLater(f"webhook of route {route.name} failed: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        raise RetryLater(f"webhook of route {route.name} answered HTTP {response.status_code}")
