"""A real Tryton server for tests: the package's own (``shopbridge.demo.tryton_server``), seeded with
the contract suite's standard catalogue. The database is built once per machine and copied per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from shopbridge.demo import tryton_server as shared
from shopbridge.demo.erp_base import ErpUnavailable

ADMIN_PASSWORD = shared.ADMIN_PASSWORD
DATABASE = shared.DATABASE
CREDIT_CUSTOMER_EMAIL, CREDIT_LIMIT = shared.CREDIT_CUSTOMER


def _venv() -> Path | None:
    try:
        return shared.tryton_venv([Path(__file__).resolve()])
    except ErpUnavailable:
        return None


def available() -> bool:
    return _venv() is not None


def seed_spec(items: Iterable[Sequence[Any]], customer_email: str) -> dict[str, Any]:
    return shared.seed_spec(items, customer_email)


def cached_database(spec: dict[str, Any]) -> tuple[Path, float]:
    venv = _venv()
    assert venv is not None, "check available() first"
    return shared.cached_database(venv, spec)


class TrytonServer(shared.TrytonServer):
    """``trytond`` on a private copy of ``database_file``, from the checkout's ``.venv-tryton``."""

    def __init__(self, database_file: Path) -> None:
        venv = _venv()
        assert venv is not None, "check available() first"
        super().__init__(venv, database_file)
