"""deploy/compose.yaml, deploy/systemd/*.service and docs/deploy.md run only commands the CLI has.

Each command line is parsed out of its file (compose ``command:`` lists, systemd ``ExecStart=``
lines, the backticked ``shopbridge ...`` commands of the doc) and run through the CLI with ``--help``
appended: an unknown command or option exits 2, a known one prints its help and exits 0.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from shopbridge.cli.app import app
from shopbridge.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _compose() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def compose_commands() -> list[list[str]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    commands = [list(s["command"]) for s in services.values() if "command" in s]
    return [c for c in commands if c[0] == "shopbridge"]


def unit_commands(path: Path) -> list[list[str]]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    service = parser["Service"]
    lines = [service[key] for key in ("ExecStartPre", "ExecStart", "ExecStop") if key in service]
    return [shlex.split(line) for line in lines]


def doc_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    return [shlex.split(found) for found in re.findall(r"`(shopbridge [^`]*)`", text)]


def _cli_args(command: list[str]) -> list[str]:
    assert Path(command[0]).name == "shopbridge", command
    return command[1:]


def _help(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    return result.exit_code, result.output


ALL = [
    *[pytest.param(c, id="compose:" + " ".join(c[1:])) for c in compose_commands()],
    *[pytest.param(c, id=f"{u.name}:" + " ".join(c[1:])) for u in UNITS for c in unit_commands(u)],
    *[pytest.param(c, id="deploy.md:" + " ".join(c[1:])) for c in doc_commands()],
]


@pytest.mark.parametrize("command", ALL)
def test_every_deployed_command_exists_in_the_cli(command: list[str]) -> None:
    code, output = _help(_cli_args(command))
    assert code == 0, f"{' '.join(command)}: {output}"
    words = [a for a in _cli_args(command) if not a.startswith("-")][:1]
    usage = next(line for line in output.splitlines() if "Usage:" in line)
    assert all(w in usage for w in words), usage  # the help of that command, not of the root


def test_an_unknown_command_or_option_is_caught() -> None:
    assert _help(["wroker"])[0] != 0
    assert _help(["worker", "--no-such-option"])[0] != 0


def test_compose_has_postgresql_web_and_two_workers() -> None:
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert services["postgres"]["image"].startswith("postgres:")
    commands = {name: s.get("command", [])[:2] for name, s in services.items()}
    assert commands["web"] == ["shopbridge", "run"]
    assert commands["migrate"] == ["shopbridge", "migrate"]
    assert sum(1 for c in commands.values() if c == ["shopbridge", "worker"]) == 2


def test_systemd_and_compose_run_the_same_commands() -> None:
    units = {" ".join(_cli_args(c)) for u in UNITS for c in unit_commands(u)}
    compose = {" ".join(_cli_args(c)) for c in compose_commands()}
    assert units == compose
    assert {u.name for u in UNITS} == {
        "shopbridge-migrate.service",
        "shopbridge-web.service",
        "shopbridge-worker@.service",
    }


def test_the_compose_configuration_is_valid_and_keeps_secrets_out() -> None:
    settings = load_settings(DEPLOY / "shopbridge.toml", check_secrets=False)
    assert settings.database.url_env == "SHOPBRIDGE_DATABASE_URL"
    assert settings.web.session_secret is not None and settings.web.session_secret.file
    assert all(shop.access_token.file for shop in settings.shops)
    mounted = set(_compose()["secrets"])  # type: ignore[arg-type]
    toml = (DEPLOY / "shopbridge.toml").read_text(encoding="utf-8")
    referenced = set(re.findall(r'file = "/run/secrets/([a-z0-9_]+)"', toml))
    assert referenced <= mounted, referenced - mounted
