"""``shopbridge erp check`` tells a new user whether the ERP is reachable, authenticated and capable."""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shopbridge.cli import erp_cmd
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.ports.erp import Capability

PASSWORD_ENV = "SHOPBRIDGE_TEST_TRYTON_PASSWORD"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_config(path: Path, url: str, *, erp: bool = True) -> Path:
    section = f"""
[erp]
vendor = "tryton"

[erp.tryton]
url = "{url}"
database = "erp"
password = {{ env = "{PASSWORD_ENV}" }}
"""
    path.write_text(section if erp else "[web]\nport = 0\n", encoding="utf-8")
    return path


def _run(config: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SHOPBRIDGE_CONFIG", str(config))
    return CliRunner().invoke(erp_cmd.erp_app, ["check"])


def test_a_healthy_erp_is_reported_with_its_capabilities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = MemoryErp(enabled=frozenset({Capability.READ_ITEMS, Capability.CREATE_SALES_ORDER}))
    monkeypatch.setattr(erp_cmd, "build_erp", lambda settings: fake)
    monkeypatch.setenv(PASSWORD_ENV, "secret")
    result = _run(_write_config(tmp_path / "c.toml", "http://127.0.0.1:1"), monkeypatch)
    assert result.exit_code == 0, result.output
    lines = {" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()}
    assert {
        "reachable yes",
        "authenticated yes",
        "capability: read_items yes",
        "capability: journal no",
    } <= lines


def test_an_unreachable_erp_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "secret")
    result = _run(_write_config(tmp_path / "c.toml", f"http://127.0.0.1:{_free_port()}"), monkeypatch)
    assert result.exit_code == 1, result.output
    lines = {" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()}
    assert {"reachable no", "capabilities unknown until shopbridge can log in"} <= lines


@pytest.mark.parametrize(
    ("erp_section", "password", "says"),
    [
        (False, "secret", "no [erp] section"),
        (True, "", PASSWORD_ENV),
    ],
    ids=["no-erp-section", "missing-secret"],
)
def test_a_configuration_error_exits_2_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, erp_section: bool, password: str, says: str
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, password)
    config = _write_config(tmp_path / "c.toml", "http://127.0.0.1:1", erp=erp_section)
    result = _run(config, monkeypatch)
    assert result.exit_code == 2, result.output
    assert says in result.output


def _load(name: str, relative: str) -> Any:
    """A test helper module from another test folder (those folders are not packages)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / relative)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def tryton_url() -> Iterator[str]:
    servers = _load("tryton_server", "tryton/tryton_server.py")
    if not servers.available():
        pytest.skip("no Tryton virtualenv at .venv-tryton")
    standard = _load("harness", "contract/harness.py")
    spec = servers.seed_spec(standard.STANDARD_ITEMS, standard.STANDARD_CUSTOMER_EMAIL)
    database, _seconds = servers.cached_database(spec)
    server = servers.TrytonServer(database)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.mark.tryton
@pytest.mark.parametrize(("password", "code"), [("admin", 0), ("wrong", 2)], ids=["right", "wrong-password"])
def test_a_real_tryton_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tryton_url: str, password: str, code: int
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, password)
    result = _run(_write_config(tmp_path / "c.toml", tryton_url), monkeypatch)
    assert result.exit_code == code, result.output
    assert "reachable" in result.output
