"""Logging for ``shopbridge run`` and ``worker``: one JSON object per line, nothing secret in it.

Each line carries ``time``, ``level``, ``logger``, ``message`` and, while a job runs, the entity it
concerns (``entity``, ``job_id``, ``kind``, ``shop``; see :mod:`shopbridge.engine.logcontext`).
Before a line is written, :class:`RedactingFilter` removes

* every configured secret's value (shop tokens, webhook secrets, ERP passwords, the session
  secret), wherever it appears;
* anything shaped like a credential: Shopify access tokens (``shpat_...``), our API tokens
  (``sbt_...``), ``Bearer ...`` and ``password=...``;
* email addresses (masked as the dashboard masks them), and in a dict or list logged as an
  argument, every personal field (names, phones, street addresses) as the dashboard masks them.

``[logging] format = "text"`` keeps the plain one-line format for a person at a terminal.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from shopbridge.config import Settings, resolve_secrets
from shopbridge.domain.personal_data import mask_personal_data, mask_text
from shopbridge.engine.logcontext import current
from shopbridge.errors import ConfigurationError

__all__ = ["JsonFormatter", "RedactingFilter", "configure_logging", "redact", "setup_logging"]

REDACTED = "[redacted]"
_CREDENTIALS = re.compile(
    r"(shp(?:at|ss|ca|pa)_[A-Za-z0-9]+)"  # Shopify access tokens and shared secrets
    r"|(sbt_[A-Za-z0-9_-]+)"  # shopbridge API tokens
    r"|((?i:bearer)\s+[^\s\"',]+)"
    r"|((?i:password|passwd|secret|token)\s*[=:]\s*[^\s\"',&]+)"
)
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secret values, credential-shaped strings and email addresses removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _CREDENTIALS.sub(REDACTED, text)
    return mask_text(text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) redacted; attach it to the handler."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is removed whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        # A payload logged as an argument is masked by its field names. (A lone dict argument is
        # kept by logging as ``args`` itself, for "%(key)s" formats.)
        if isinstance(record.args, dict):
            record.args = mask_personal_data(record.args)
        elif isinstance(record.args, tuple):
            record.args = tuple(
                mask_personal_data(a) if isinstance(a, dict | list) else a for a in record.args
            )
        record.msg = redact(record.getMessage(), self._secrets)
        record.args = None
        if record.exc_info:
            record.exc_text = redact(self._formatter.formatException(record.exc_info), self._secrets)
            record.exc_info = None
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value, self._secrets))  # fields passed with extra=
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the current job's entity fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entity = current().get("entity")
        text = super().format(record)
        return f"{text} [{entity}]" if entity else text


def configure_logging(
    *, json_lines: bool = True, level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Send the root logger's records, redacted, to ``stream`` (stderr by default); returns the handler.

    Replaces the handlers installed by an earlier call, so calling it twice does not double lines.
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_lines else _TextFormatter(_TEXT_FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    handler.set_name("shopbridge")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "shopbridge"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def setup_logging(settings: Settings) -> logging.Handler:
    """:func:`configure_logging` from ``[logging]``, redacting the value of every configured secret."""
    try:
        secrets = list(resolve_secrets(settings).values())
    except ConfigurationError:
        secrets = []  # the command itself reports the missing secret; there is no value to redact
    json_lines = settings.logging.format == "json"
    return configure_logging(json_lines=json_lines, level=settings.logging.level, secrets=secrets)
