"""A bad configuration refuses to start with a message naming the key, the bad value and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopbridge.cli.app import app
from shopbridge.config import load_settings, parse_settings
from shopbridge.errors import ConfigurationError

SHOP = """
[[shops]]
name = "uk"
domain = "{domain}"
access_token = {token}
webhook_secrets = [{{ env = "CFGTEST_WEBHOOK_SECRET" }}]
"""


def shop(domain: str = "brand-uk.myshopify.com", token: str = '{ env = "CFGTEST_UK_TOKEN" }') -> str:
    return SHOP.format(domain=domain, token=token)


# (case id, TOML text, fragments the message must contain: key, bad value, fix)
CASES = [
    ("wrong type", '[engine]\nworkers = "many"\n', ["engine.workers", "'many'", "fix:"]),
    ("unknown key", "[engine]\nwrokers = 2\n", ["engine.wrokers", "fix: remove it, or check its spelling"]),
    (
        "bad shop domain",
        shop(domain="brand-uk.example.com"),
        ["shops[0].domain", "'brand-uk.example.com'", "myshopify", "fix:"],
    ),
    (
        "heartbeat not shorter than lease",
        "[engine]\nlease_seconds = 10\nheartbeat_seconds = 10\n",
        ["engine", "heartbeat_seconds must be shorter than lease_seconds", "'heartbeat_seconds': 10", "fix:"],
    ),
    (
        "vendor section missing",
        '[erp]\nvendor = "sage200"\n',
        ["erp.vendor is 'sage200'", "no [erp.sage200] section", "fix:"],
    ),
    (
        "secret written inline",
        shop(token='"shpat_inline"'),
        ["shops[0].access_token", "'shpat_inline'", "fix:"],
    ),
    (
        "missing secret: environment variable unset",
        shop(),
        ["shops[0].access_token", "CFGTEST_UK_TOKEN is not set", "fix: export CFGTEST_UK_TOKEN="],
    ),
    (
        "missing secret: file missing",
        shop(token='{ file = "/nonexistent/shopbridge/uk_token" }'),
        ["shops[0].access_token", "/nonexistent/shopbridge/uk_token cannot be read", "fix: create"],
    ),
]


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    # The webhook secret is always present; the access token never is, so it is the one missing.
    monkeypatch.setenv("CFGTEST_WEBHOOK_SECRET", "whsec")
    monkeypatch.delenv("CFGTEST_UK_TOKEN", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shopbridge.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_configuration_is_refused_naming_key_value_and_fix(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(write(tmp_path, text), check_secrets=True)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_config_check_exits_2_with_the_message(tmp_path: Path, text: str, fragments: list[str]) -> None:
    result = CliRunner().invoke(app, ["--config", str(write(tmp_path, text)), "config", "check"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr


def test_config_check_prints_ok_when_every_secret_is_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CFGTEST_UK_TOKEN", "shpat_secret_value")
    result = CliRunner().invoke(app, ["--config", str(write(tmp_path, shop())), "config", "check"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.stdout
    assert "shpat_secret_value" not in result.output


def test_a_missing_config_file_says_to_run_init(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--config", str(tmp_path / "absent.toml"), "config", "check"])
    assert result.exit_code == 2
    assert "absent.toml does not exist" in result.stderr
    assert "shopbridge init" in result.stderr


def test_the_config_path_comes_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[engine]\nwrokers = 2\n")
    result = CliRunner().invoke(app, ["config", "check"], env={"SHOPBRIDGE_CONFIG": str(path)})
    assert result.exit_code == 2
    assert "engine.wrokers" in result.stderr


def test_store_accounts_must_be_keyed_by_currency_code() -> None:
    data = {
        "shops": [
            {
                "name": "uk",
                "domain": "brand-uk.myshopify.com",
                "access_token": {"env": "X"},
                "webhook_secrets": [{"env": "Y"}],
                "accounts": {"pounds": {"bank": "1200"}},
            }
        ]
    }
    with pytest.raises(ConfigurationError) as caught:
        parse_settings(data)
    assert "shops[0].accounts" in str(caught.value) and "ISO currency" in str(caught.value)


def test_a_store_uses_its_own_lookups_where_it_has_them() -> None:
    shop = {"access_token": {"env": "X"}, "webhook_secrets": [{"env": "Y"}]}
    settings = parse_settings(
        {
            "lookups": {"carriers": {"DPD": "DPD UK"}},
            "shops": [
                {**shop, "name": "uk", "domain": "brand-uk.myshopify.com"},
                {
                    **shop,
                    "name": "eu",
                    "domain": "brand-eu.myshopify.com",
                    "lookups": {"carriers": {"DPD": "DPD"}},
                },
            ],
        }
    )
    uk, eu = settings.shops
    assert settings.lookups_for(uk).carriers == {"DPD": "DPD UK"}
    assert settings.lookups_for(eu).carriers == {"DPD": "DPD"}
