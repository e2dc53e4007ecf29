"""docs/configuration.md is generated from the config model and must say what the model says."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shopbridge.cli.app import app
from shopbridge.config.model import Settings
from shopbridge.config.reference import render_reference

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_committed_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_reference(), (
        "docs/configuration.md is stale: run `shopbridge config reference --write docs/configuration.md`"
    )


def test_every_top_level_section_and_shop_key_is_documented() -> None:
    text = render_reference()
    for name in Settings.model_fields:
        assert f"`[{name}]`" in text or f"`[[{name}]]`" in text or f"`{name}`" in text, name
    assert '| `order_trigger` | `"paid"` or `"authorized"` | `"paid"` |' in text
    assert "| `access_token` | secret | required |" in text


def test_the_cli_writes_the_page(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    result = CliRunner().invoke(app, ["config", "reference", "--write", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == render_reference()
