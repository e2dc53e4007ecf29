"""`shopbridge sweep orders`: a person asks for a sweep or a back-fill; a worker runs it later."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.seeding import write_config
from shopbridge.cli.app import app
from shopbridge.engine import cursors, schema
from shopbridge.engine.store import Store
from shopbridge.intake.order_sweep import SWEEP_KIND, cursor_name

SHOPS = """
[[shops]]
name = "{name}"
domain = "brand-{name}.myshopify.com"
access_token = {{ env = "TOKEN_{name}" }}
webhook_secrets = [{{ env = "SECRET_{name}" }}]
"""


@pytest.fixture
def config(tmp_path: Path, store: Store) -> Path:
    path = write_config(tmp_path / "shopbridge.toml", store)
    with path.open("a", encoding="utf-8") as out:
        out.write(SHOPS.format(name="uk") + SHOPS.format(name="eu"))
    return path


def invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "sweep", "orders", *args], env={"USER": "ops"})
    return result.exit_code, result.output


def sweep_jobs(store: Store) -> list[tuple[str, str]]:
    query = sa.select(schema.jobs.c.shop, schema.jobs.c.state).where(schema.jobs.c.kind == SWEEP_KIND)
    with store.begin() as conn:
        return sorted((str(shop), str(state)) for shop, state in conn.execute(query))


def test_a_sweep_of_every_store_is_queued_and_audited(config: Path, store: Store) -> None:
    code, output = invoke(config)
    assert code == 0, output
    assert sweep_jobs(store) == [("eu", "pending"), ("uk", "pending")]
    with store.begin() as conn:
        actions = conn.execute(sa.select(schema.audit.c.actor, schema.audit.c.action)).all()
    assert sorted(actions) == [("ops", "sweep.request"), ("ops", "sweep.request")]


def test_since_moves_the_stores_watermark_back_for_a_back_fill(config: Path, store: Store) -> None:
    code, output = invoke(config, "--shop", "uk", "--since", "2026-11-20T08:00")
    assert code == 0, output
    assert sweep_jobs(store) == [("uk", "pending")]
    with store.begin() as conn:
        assert cursors.get_cursor(conn, cursor_name("uk")) == "2026-11-20T08:00:00+00:00"
        assert cursors.get_cursor(conn, cursor_name("eu")) is None


def test_asking_twice_queues_one_sweep_per_store(config: Path, store: Store) -> None:
    invoke(config, "--shop", "uk")
    invoke(config, "--shop", "uk")
    assert sweep_jobs(store) == [("uk", "pending")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shop", "fr"], "no store named fr"),
        (["--since", "last tuesday"], "is not an ISO date or time"),
    ],
)
def test_a_bad_request_names_what_is_wrong_and_queues_nothing(
    config: Path, store: Store, args: list[str], message: str
) -> None:
    code, output = invoke(config, *args)
    assert code != 0
    assert message in output
    assert sweep_jobs(store) == []
