"""Secret references: a secret is named in the config by where to read it, never written inline."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from shopbridge.errors import ConfigurationError


class SecretRef(BaseModel):
    """Where a secret lives: ``{ env = "NAME" }`` or ``{ file = "/run/secrets/name" }``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError('give exactly one of env = "VAR" or file = "/path"')
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def resolve(self, key: str) -> str:
        """The secret's value; raises :class:`ConfigurationError` naming ``key`` if it is missing."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise ConfigurationError(
                    f"secret is missing: environment variable {self.env} is not set",
                    key=key,
                    fix=f"export {self.env}=... before starting shopbridge",
                )
            return value
        path = Path(self.file or "")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"secret file {path} cannot be read ({exc.strerror})",
                key=key,
                fix=f"create {path} holding only the secret, readable by shopbridge",
            ) from exc
        if not value:
            raise ConfigurationError(
                f"secret file {path} is empty", key=key, fix=f"write the secret into {path}"
            )
        return value

    def __repr__(self) -> str:  # never the value, only where it lives
        return f"SecretRef({self.describe()})"
