"""``shopbridge init`` writes a commented starter file that loads as it is."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from shopbridge.cli.app import app
from shopbridge.config import load_settings
from shopbridge.config.model import Settings


def test_init_writes_a_starter_file_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "shopbridge.toml"
    result = CliRunner().invoke(app, ["--config", str(path), "init"])
    assert result.exit_code == 0, result.output
    settings = load_settings(path, check_secrets=False)
    assert [s.name for s in settings.shops] == ["uk"]
    assert settings.shops[0].access_token.env == "SHOPIFY_UK_TOKEN"


def test_starter_file_mentions_every_section_of_the_model(tmp_path: Path) -> None:
    path = tmp_path / "shopbridge.toml"
    CliRunner().invoke(app, ["--config", str(path), "init"])
    text = path.read_text(encoding="utf-8")
    for section in Settings.model_fields:
        assert f"[{section}" in text or f"[[{section}" in text, section
    for vendor in ("sage200", "syspro", "prima", "tryton"):
        assert f"[erp.{vendor}]" in text


def test_commented_erp_examples_are_valid_when_uncommented(tmp_path: Path) -> None:
    # A user who uncomments a vendor's example must get a file that loads.
    path = tmp_path / "shopbridge.toml"
    CliRunner().invoke(app, ["--config", str(path), "init"])
    data = tomllib.loads(_uncommented_erp_block(path.read_text(encoding="utf-8")))
    for vendor in ("sage200", "syspro", "prima", "tryton"):
        one = {"erp": {"vendor": vendor, vendor: data["erp"][vendor]}}
        assert Settings.model_validate(one).erp is not None


def _uncommented_erp_block(text: str) -> str:
    lines = text.splitlines()
    start = lines.index("# [erp]")
    block: list[str] = []
    for line in lines[start:]:
        if line.startswith("# ---"):
            break
        block.append(line.removeprefix("#").removeprefix(" "))
    return "\n".join(block)


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "shopbridge.toml"
    path.write_text("# mine\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["--config", str(path), "init"])
    assert refused.exit_code == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert path.read_text(encoding="utf-8") == "# mine\n"
    forced = CliRunner().invoke(app, ["--config", str(path), "init", "--force"])
    assert forced.exit_code == 0
    assert "[[shops]]" in path.read_text(encoding="utf-8")
