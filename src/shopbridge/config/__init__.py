"""Load and validate the configuration file; see :mod:`shopbridge.config.model` for the keys."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shopbridge.config.erp import ErpSettings
from shopbridge.config.model import SHOPIFY_API_VERSION, Settings, ShopSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.errors import ConfigurationError

__all__ = [
    "SHOPIFY_API_VERSION",
    "ErpSettings",
    "SecretRef",
    "Settings",
    "ShopSettings",
    "database_url",
    "load_settings",
    "parse_settings",
    "resolve_secrets",
]

_FIXES = {
    "extra_forbidden": "remove it, or check its spelling against `shopbridge init`",
    "missing": "add it",
}


def _key(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(part)
    return ".".join(parts)


def _explain(error: ValidationError, source: str) -> ConfigurationError:
    """Turn pydantic's report into one message naming each bad key, its value and the fix."""
    lines = []
    for item in error.errors():
        key = _key(item["loc"]) or "(top level)"
        fix = _FIXES.get(item["type"], "correct the value")
        value = "" if item["type"] == "missing" else f" (got {item.get('input')!r})"
        lines.append(f"  {key}: {item['msg']}{value}; fix: {fix}")
    first = _key(error.errors()[0]["loc"]) if error.errors() else ""
    return ConfigurationError(f"invalid configuration in {source}:\n" + "\n".join(lines), key=first)


def parse_settings(data: dict[str, Any], source: str = "<config>") -> Settings:
    """Validate an already-parsed TOML document."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, source) from exc


def load_settings(path: str | Path, *, check_secrets: bool = True) -> Settings:
    """Read, parse and validate ``path``; with ``check_secrets`` every secret must be readable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"configuration file {path} does not exist", fix="run `shopbridge init` to write a starter file"
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"{path} is not valid TOML: {exc}", fix="correct the syntax at that line"
        ) from exc
    settings = parse_settings(data, str(path))
    if check_secrets:
        resolve_secrets(settings)
    return settings


def resolve_secrets(settings: Settings) -> dict[str, str]:
    """Read every secret once, so a missing one refuses start-up rather than failing mid-flow."""
    found: dict[str, str] = {}
    for index, shop in enumerate(settings.shops):
        found[f"shops[{index}].access_token"] = shop.access_token.resolve(f"shops[{index}].access_token")
        for n, ref in enumerate(shop.webhook_secrets):
            key = f"shops[{index}].webhook_secrets[{n}]"
            found[key] = ref.resolve(key)
    if settings.web.session_secret is not None:
        found["web.session_secret"] = settings.web.session_secret.resolve("web.session_secret")
    found.update(_alert_secrets(settings))
    if settings.erp is not None:
        vendor = getattr(settings.erp, settings.erp.vendor)
        for name, value in vendor:
            if isinstance(value, SecretRef):
                key = f"erp.{settings.erp.vendor}.{name}"
                found[key] = value.resolve(key)
    return found


def _alert_secrets(settings: Settings) -> dict[str, str]:
    alerts, found = settings.alerts, {}
    if alerts.smtp is not None and alerts.smtp.password is not None:
        found["alerts.smtp.password"] = alerts.smtp.password.resolve("alerts.smtp.password")
    for index, route in enumerate(alerts.routes):
        for name in ("url", "token"):
            ref = getattr(route, name)
            if ref is not None:
                key = f"alerts.routes[{index}].{name}"
                found[key] = ref.resolve(key)
    return found


def database_url(settings: Settings) -> str:
    """The database URL, taking ``url_env`` over ``url`` when it is set."""
    db = settings.database
    if db.url_env:
        value = os.environ.get(db.url_env)
        if not value:
            raise ConfigurationError(
                f"environment variable {db.url_env} is not set",
                key="database.url_env",
                fix=f"export {db.url_env}=postgresql+psycopg://user@host/db",
            )
        return value
    return db.url
