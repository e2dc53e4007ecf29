"""Bad input named with its fix: a port already taken, and --help showing every default."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.seeding import write_config
from shopbridge.cli.app import app
from shopbridge.engine.store import Store


def test_run_on_a_taken_port_refuses_before_announcing(tmp_path: Path, sqlite_store: Store) -> None:
    config = write_config(tmp_path / "shopbridge.toml", sqlite_store)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(
            app, ["--config", str(config), "run", "--port", str(port), "--no-migrate"]
        )
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert f"127.0.0.1:{port}" in message and "web.port" in message and "--port" in message
    assert "shopbridge on http" not in result.output
    assert "Errno" not in result.output


def _help(path: list[str]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.replace("│", " ").split())


def test_run_help_shows_the_config_keys_of_its_defaults() -> None:
    text = _help(["run"])
    assert "(default: [engine] workers)" in text and "(default: [web] port)" in text


def _commands(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, [*path, name])
    return found


def test_every_help_text_prints_its_bracketed_words() -> None:
    """Rich markup would swallow `[engine]`; every option's help must print as written."""
    root = typer.main.get_command(app)
    checked = 0
    for path, command in _commands(root, []):
        for param in command.params:
            written = (getattr(param, "help", None) or "").replace("\\[", "[")
            for word in re.findall(r"\[+[a-z][^\]]*\]+", written):
                assert word in _help(path), f"{' '.join(path)} --{param.name}: {word} is not printed"
                checked += 1
    assert checked >= 2  # run --workers and run --port at least


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A port bound here and never listened on: connecting is refused. Held for the whole test, so
    no server another test starts meanwhile can take it (a port merely found free once was taken by
    a parallel test's server, which answered 401)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def test_erp_check_against_a_sage200_nothing_answers_names_the_url_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusing_port: int
) -> None:
    url = f"http://127.0.0.1:{refusing_port}/sage200/accounts/v1"
    config = tmp_path / "c.toml"
    config.write_text(
        f"""[erp]
vendor = "sage200"

[erp.sage200]
base_url = "{url}"
site_id = "1"
company_id = "1"
access_token = {{ env = "SHOPBRIDGE_TEST_SAGE_TOKEN" }}
timeout_seconds = 2
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("SHOPBRIDGE_TEST_SAGE_TOKEN", "t")
    result = CliRunner().invoke(app, ["--config", str(config), "erp", "check"], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    text = " ".join(result.output.replace("│", " ").split())
    assert "reachable no" in text
    assert url in text and "erp.sage200.base_url" in text
