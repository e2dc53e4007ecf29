"""``shopbridge rehearse`` is registered, and refuses a bad scenario or ERP before starting anything."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from shopbridge.cli.app import app


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, ["rehearse", *args], env={"COLUMNS": "200"})


def test_the_command_is_listed_with_its_options() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for option in ("--scenario", "--orders", "--workers", "--database", "--erp", "--workdir"):
        assert option in result.output


def test_a_bad_scenario_file_is_a_configuration_error_naming_file_key_and_fix(tmp_path: Path) -> None:
    scenario = tmp_path / "peak.toml"
    scenario.write_text("[erp]\nconcurrency = 0\n", encoding="utf-8")
    result = invoke("--scenario", str(scenario), "--workdir", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert "erp.concurrency" in result.output and str(scenario) in result.output and "fix:" in result.output
    assert not (tmp_path / "run").exists()  # refused before anything was made


def test_an_unknown_erp_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = invoke("--erp", "oracle", "--workdir", str(tmp_path / "run"))
    assert result.exit_code == 2 and "sage200, syspro, prima, tryton" in result.output
